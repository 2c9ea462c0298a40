"""Dispatcher and driver use cases: fleet state, out of service, re-planning, driver events, restore after restart."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from booking.service import driver_replay as replay
from booking.service.context import ServiceContext
from booking.service.errors import ServiceError, conflict, forbidden, invalid, not_found
from booking.service.outages import Outages
from booking.store import bookings as store
from booking.store import plans as plan_store
from booking.store.events import append_event, list_events, row_to_event
from booking.store.models import BookingRow, ProblemRow
from mobility.domain.events import Event, EventType
from mobility.domain.fleet import Vehicle
from mobility.domain.plan import Plan
from mobility.domain.rides import BookingState, InvalidTransition, transition

log = logging.getLogger(__name__)

DRIVER_EVENTS: dict[str, tuple[EventType, BookingState | None]] = {
    "arrived": (EventType.VEHICLE_ARRIVED, None),
    "boarded": (EventType.PASSENGER_BOARDED, BookingState.STARTED),
    "no_show": (EventType.PASSENGER_NO_SHOW, BookingState.CANCELLED),
    "dropped_off": (EventType.PASSENGER_DROPPED_OFF, BookingState.FINISHED),
    "duty_begin": (EventType.DUTY_STARTED, None),
    "duty_end": (EventType.DUTY_ENDED, None),
    "break_begin": (EventType.BREAK_STARTED, None),
    "break_end": (EventType.BREAK_ENDED, None),
}
EVENT_DE = {"arrived": "Angekommen", "boarded": "Eingestiegen", "no_show": "Nicht erschienen",
            "dropped_off": "Ausgestiegen", "duty_begin": "Dienst beginnen", "duty_end": "Dienst beenden",
            "break_begin": "Pause beginnen", "break_end": "Pause beenden"}
STATE_DE = {"NEW": "neu", "PENDING": "angeboten", "CONFIRMED": "bestätigt", "STARTED": "unterwegs (eingestiegen)",
            "FINISHED": "abgeschlossen", "REJECTED": "abgelehnt", "EXPIRED": "abgelaufen", "CANCELLED": "storniert"}
DUTY_EVENTS = frozenset({"duty_begin", "duty_end", "break_begin", "break_end"})


@dataclass(frozen=True, slots=True)
class DriverReport:
    """A driver's event as posted."""

    type: str
    booking_id: str | None = None
    stop_id: str | None = None
    at: datetime | None = None  # when it happened, if sent late (queued on the phone); checked by event_time
    event_id: str | None = None  # the phone's key for it: logged with the event, so a resend is recognised


class OperationsService:
    """What dispatchers and drivers do to the live plan."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def vehicle(self, vehicle_id: str) -> Vehicle:
        """The vehicle with ``vehicle_id`` or a 404."""
        for v in self.ctx.dispatcher.vehicles():
            if v.id == vehicle_id:
                return v
        raise not_found("Fahrzeug", vehicle_id)

    # -- fleet ----------------------------------------------------------------------------------------------------
    def set_in_service(self, vehicle_id: str, in_service: bool, actor: str) -> list[str]:
        """Take a vehicle out of (or back into) service; returns the bookings that could not be re-planned."""
        vehicle = self.vehicle(vehicle_id)
        if vehicle.in_service == in_service:
            return []
        etype = EventType.VEHICLE_IN_SERVICE if in_service else EventType.VEHICLE_OUT_OF_SERVICE
        now = self.ctx.clock.now()
        lost = self._apply(Event(etype, now, vehicle_id=vehicle_id, actor=actor), now,
                           extra=lambda s: plan_store.set_in_service(s, vehicle_id, in_service, now),
                           reason=f"Fahrzeug {vehicle.name} außer Dienst; keine Ersatzfahrt gefunden")
        self.ctx.bus.publish("vehicle_changed", vehicle_id=vehicle_id, in_service=in_service, lost=lost)
        return lost

    def _apply(self, event: Event, now: datetime, *, reason: str, extra: object = None) -> list[str]:
        """Record ``event`` in the dispatcher and the log, report lost bookings, persist the plan — atomically."""
        with self.ctx.plan_lock, self.ctx.sessions() as session:
            self.ctx.in_flight.wait_done()  # a booking it may reject must have its row (commits need no plan lock)
            lost = self._record(event)
            append_event(session, event)
            if callable(extra):
                extra(session)
            self.ctx.report_lost(session, lost, reason, now)
            session.commit()
        self.ctx.flush_plan()  # moved bookings get their new vehicle at once
        return lost

    def _record(self, event: Event) -> list[str]:
        """Apply ``event`` in the dispatcher; an event that does not fit the plan is a 409 with its German reason."""
        try:
            return list(self.ctx.dispatcher.record(event))
        except ValueError as exc:
            raise conflict("event_rejected", str(exc), event=str(event.type)) from exc

    # -- re-optimisation ------------------------------------------------------------------------------------------
    def reoptimise(self, time_limit_s: float, actor: str = "system", day: date | None = None) -> bool:
        """Let the solver re-plan the not-yet-driven part (or the shifts of ``day``); store and announce the plan
        if it replaced the old one."""
        now = self.ctx.clock.now()
        try:
            replaced = self.ctx.dispatcher.reoptimise(now, time_limit_s, day)
        except Exception:
            log.exception("re-optimisation failed; the old plan stays")
            return False
        if not replaced:
            log.info("re-optimisation kept the plan")
            return False
        version = self.ctx.dispatcher.plan().version
        with self.ctx.sessions.begin() as session:
            data = (("version", str(version)),) + ((("day", day.isoformat()),) if day is not None else ())
            append_event(session, Event(EventType.PLAN_REPLACED, now, actor=actor, data=data))
        self.ctx.flush_plan()
        log.info("re-optimisation replaced the plan (version %s)", version)
        return True

    # -- the clock ------------------------------------------------------------------------------------------------
    def advance_clock(self) -> bool:
        """Let the clock close the past in the plan (breaks over, duties over) and bring back the vehicles whose time
        out of service has passed, with their lost rides (:mod:`booking.service.outages`); stored shortly."""
        try:
            returned = Outages(self.ctx, self).return_due()
        except Exception:  # a failed return must not stop the clock or a driver's event; retried next time
            log.exception("could not bring back the vehicles due back in service")
            returned = []
        return self.ctx.advance_clock() or bool(returned)

    # -- driver ---------------------------------------------------------------------------------------------------
    def driver_event(self, vehicle_id: str, report: DriverReport, actor: str) -> BookingRow | None:
        """Apply a driver's event to the booking, the plan and the log."""
        if report.type not in DRIVER_EVENTS:
            raise invalid("unknown_event", f"Unbekannter Ereignistyp „{report.type}“.", field="type")
        if report.type in DUTY_EVENTS and report.booking_id is not None:
            raise invalid("unexpected_booking", f"„{report.type}“ gilt für den Dienst, nicht für eine Buchung.",
                          field="booking_id")
        self.advance_clock()
        etype, target = DRIVER_EVENTS[report.type]
        now = self.ctx.clock.now()
        data: tuple[tuple[str, str], ...] = (("stop_id", report.stop_id),) if report.stop_id else ()
        if report.event_id is not None:
            data += ((replay.KEY, report.event_id), (replay.RECEIVED, now.isoformat()))
        event = Event(etype, replay.event_time(report.at, now), report.booking_id, vehicle_id, actor=actor, data=data)
        with self.ctx.plan_lock, self.ctx.sessions() as session:
            self.ctx.in_flight.wait_done()  # the plan it changes holds only committed bookings
            row = self._driver_booking(session, vehicle_id, report, target is not None)
            if row is not None and target is not None:
                try:
                    row.state = str(transition(BookingState(row.state), target))
                except InvalidTransition:
                    raise conflict("invalid_state", f"Die Buchung ist {STATE_DE.get(row.state, row.state)}: "
                                   f"„{EVENT_DE[report.type]}“ ist nicht möglich.", state=row.state) from None
                row.state_reason = "no_show" if report.type == "no_show" else row.state_reason
                row.updated_at = now
            lost = self._record(event)
            append_event(session, event)
            self.ctx.report_lost(session, lost, "nach Fahrerereignis nicht mehr planbar", now)
            session.commit()
        self.ctx.plan_changed()
        if row is not None:
            self.ctx.bus.publish("booking_changed", booking_id=row.id, state=row.state, vehicle_id=vehicle_id)
        return row

    def _driver_booking(
        self, session: Session, vehicle_id: str, report: DriverReport, needed: bool
    ) -> BookingRow | None:
        if report.booking_id is None:
            if needed:
                raise invalid("missing_booking", f"„{report.type}“ braucht eine booking_id.", field="booking_id")
            return None
        row = store.get_booking_row(session, report.booking_id, for_update=True)
        if row is None:
            raise not_found("Buchung", report.booking_id)
        if row.vehicle_id != vehicle_id:
            raise forbidden(f"Die Buchung {report.booking_id} gehört nicht zu Ihrem Fahrzeug.")
        return row

    # -- restart --------------------------------------------------------------------------------------------------
    def restore(self, source: str = "store") -> list[str]:
        """Put the stored plan, fleet state and active bookings back into the dispatcher after a (re)start.

        ``source="log"`` rebuilds everything from the event log alone instead (:mod:`booking.service.rebuild`).
        Returns the ids of bookings that could not be put back (rejected and reported).
        """
        if source == "log":
            from booking.service.rebuild import rebuild_from_log

            return rebuild_from_log(self.ctx).lost
        if source != "store":
            msg = f"restore source must be 'store' or 'log', got {source!r}"
            raise ValueError(msg)
        now = self.ctx.clock.now()
        with self.ctx.plan_lock, self.ctx.sessions() as session:
            plan_store.sync_stops(session, self.ctx.stops.stops())
            flags = plan_store.sync_vehicles(session, self.ctx.dispatcher.vehicles(), now)
            for vehicle_id, in_service in flags.items():
                if not in_service:
                    self.ctx.dispatcher.record(Event(EventType.VEHICLE_OUT_OF_SERVICE, now, vehicle_id=vehicle_id,
                                                     actor="restore"))
            current = self.ctx.dispatcher.plan()
            stored, unknown_stops = plan_store.load_plan(session, current.service_area, self.ctx.resolve_stop)
            plan = stored or Plan(service_area=current.service_area, version=current.version, created_at=now)
            since = now - timedelta(seconds=self.ctx.options.restore_window_s)
            rows = session.scalars(sa.select(BookingRow).where(
                BookingRow.state.in_([str(BookingState.CONFIRMED), str(BookingState.STARTED)]),
                BookingRow.latest_arrival >= since,
            )).all()
            active = [store.row_to_booking(r, self.ctx.resolve_stop) for r in rows if r.id not in unknown_stops]
            restored = self.ctx.dispatcher.restore(plan, active, now) if (stored or active) else ()
            replay_duties(self.ctx, session, now - timedelta(seconds=self.ctx.options.restore_window_s))
            failed = sorted(set(restored) | set(unknown_stops))
            self.ctx.report_lost(session, failed, "nach Neustart nicht wieder einplanbar", now)
            session.commit()
        self.ctx.saved_plan = None
        self.ctx.flush_plan()
        log.info("restored %d bookings into the plan, %d could not be put back", len(active) - len(failed),
                 len(failed))
        return failed

    def problems(self, open_only: bool = True) -> list[ProblemRow]:
        """Bookings the plan could not keep."""
        with self.ctx.sessions() as session:
            return store.list_problems(session, open_only=open_only)

    def resolve_problem(self, problem_id: int) -> ProblemRow:
        """Mark a problem as handled."""
        with self.ctx.sessions.begin() as session:
            row = session.get(ProblemRow, problem_id)
            if row is None:
                raise not_found("Problem", str(problem_id))
            row.resolved_at = self.ctx.clock.now()
            return row


def replay_duties(ctx: ServiceContext, session: Session, since: datetime) -> int:
    """Begin and end again the duties the log says were begun or ended since ``since`` (after a restart); returns how
    many events were applied. An event that no longer fits (its duty is over) is skipped."""
    applied = 0
    for row in list_events(session, types=(EventType.DUTY_STARTED, EventType.DUTY_ENDED), since=since, limit=100_000):
        try:
            ctx.dispatcher.record(row_to_event(row))
        except ValueError as exc:
            log.info("duty event %s of %s not replayed: %s", row.type, row.vehicle_id, exc)
            continue
        applied += 1
    return applied


def require_driver_vehicle(vehicle_id: str | None) -> str:
    """The driver's vehicle id, or a 403 when the account has none."""
    if not vehicle_id:
        raise ServiceError(403, "no_vehicle", "Kein Fahrzeug", "Ihrem Konto ist kein Fahrzeug zugeordnet.")
    return vehicle_id
