"""What every use case needs: sessions, the Dispatcher, the stops, the clock, live updates — and one plan lock.

``plan_lock`` serialises every change of the live plan with the commit of the booking state it belongs to
(cancel, driver events, out of service), so a failed commit can be undone in the plan. A booking holds it only
for the confirm and commits after it (registered in ``in_flight`` until then); out of service and the plan
writer wait for bookings in flight. Quotes never take it. The stored copy of the plan (``plan_visits``,
``tour_legs``) is written behind: :meth:`plan_changed` marks it stale and the plan writer
(:class:`booking.service.background.PlanWriter`) writes the changed rows within a few seconds, off the request
path; :meth:`flush_plan` writes at once (start, shutdown).
Bookings and the event log — the truth a restart rebuilds from — are always committed synchronously.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from booking.service.bus import EventBus
from booking.service.inflight import InFlight
from booking.service.notices import NoticeKind, NoticeSettings, notice_json, tell_rider
from booking.service.pending import PendingWrites
from booking.store import plans as plan_store
from booking.store.bookings import add_problem
from booking.store.codec import offer_from_dict, offer_to_dict
from booking.store.engine import make_read_session_factory
from booking.store.events import append_event
from booking.store.models import BookingRow
from booking.store.notices import RiderNoticeRow
from mobility.domain.events import Event, EventType
from mobility.domain.plan import Plan, StopVisit, VisitKind
from mobility.domain.ports import Clock, Dispatcher, StopDirectory
from mobility.domain.rides import BookingState
from mobility.domain.rules import INSTANT, BookingRules
from mobility.domain.stops import Stop

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ServiceOptions:
    """Tunables of the booking service."""

    no_show_wait_s: int = 300  # how long a driver waits at the pickup before a no-show may be recorded
    restore_window_s: int = 7_200  # bookings whose latest arrival is older than this are not put back after a restart
    leg_geometry: bool = True  # store road geometry of tour legs (else straight lines)
    position_retention_h: float = 24.0  # vehicle positions older than this are purged (hours)
    booking_rules: BookingRules = INSTANT  # service hours and notice: the next bookable time, alternatives at night
    control_room_phone: str | None = None  # the Leitstelle's number, named in every notice to a rider


@dataclass
class ServiceContext:
    """Shared state of the use cases (one per running app)."""

    sessions: sessionmaker[Session]
    dispatcher: Dispatcher
    stops: StopDirectory
    clock: Clock
    bus: EventBus = field(default_factory=EventBus)
    options: ServiceOptions = field(default_factory=ServiceOptions)
    plan_lock: threading.RLock = field(default_factory=threading.RLock)
    plan_dirty: threading.Event = field(default_factory=threading.Event)
    pending: PendingWrites = field(default_factory=PendingWrites)
    in_flight: InFlight = field(default_factory=InFlight)  # bookings confirmed in the plan, not yet committed
    saved_plan: Plan | None = None
    reads: sessionmaker[Session] | None = None  # read-only sessions (own connections on SQLite); default: derived
    _writer_lock: threading.Lock = field(default_factory=threading.Lock)
    _stop_index: dict[str, Stop] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.reads is None:
            self.reads = make_read_session_factory(self.sessions)

    def read_session(self) -> Session:
        """A session for reads only (never write in it): on SQLite it does not wait for the writers' connection."""
        return (self.reads or self.sessions)()

    def resolve_stop(self, stop_id: str) -> Stop | None:
        """The network's stop with ``stop_id`` (``None`` if the network has none)."""
        if not self._stop_index:
            self._stop_index = {s.id: s for s in self.stops.stops()}
        return self._stop_index.get(stop_id)

    def leg_geometry(self) -> Callable[[Stop, Stop], Sequence[tuple[float, float]]] | None:
        """Road geometry of a leg for the stored tour legs (``None``: straight lines)."""
        return self.dispatcher.leg_geometry if self.options.leg_geometry else None

    def plan_changed(self) -> None:
        """The live plan changed: the plan writer will store it shortly."""
        self.plan_dirty.set()

    def advance_clock(self) -> bool:
        """Let the clock close the past in the plan (breaks over, duties over); a change is stored shortly."""
        with self.plan_lock:
            changed = self.dispatcher.advance(self.clock.now())
        if changed:
            self.plan_changed()
        return changed

    def flush_pending(self) -> int:
        """Store the pending offers and log entries now; returns how many rows were written."""
        if not len(self.pending):
            return 0
        with self.pending.flush_lock:
            batch = self.pending.drain()
            try:
                with self.sessions.begin() as session:
                    batch.write(session)
            except BaseException:
                self.pending.restore(batch)
                raise
        return len(batch)

    def flush_plan(self) -> set[str]:
        """Store the dispatcher's current plan now (changed tours only) with the bookings it moved.

        Returns the vehicles whose tours were rewritten and tells the live listeners about them.
        """
        with self._writer_lock:
            plan = self.dispatcher.plan()
            if self.saved_plan is not None and plan.version == self.saved_plan.version:
                return set()
            # bookings in this plan whose rows are not committed yet would miss their planned times
            if not self.in_flight.wait_done(self.in_flight.mark()):
                log.warning("bookings still not committed after 30 s; storing the plan without waiting for them")
            now = self.clock.now()
            rows = plan_store.plan_rows(plan, self.saved_plan, self.leg_geometry())
            changed = set(rows.changed)
            with self.sessions.begin() as session:
                plan_store.write_plan(session, plan, rows, now)
                sync_bookings_with_plan(session, rows.touched, now)
            self.saved_plan = plan
        if changed:
            self.bus.publish("plan_changed", version=plan.version, vehicles=sorted(changed))
        return changed

    def report_lost(self, session: Session, booking_ids: Sequence[str], reason: str, now: datetime) -> None:
        """Bookings the plan could not keep: REJECTED, logged, and reported to the dispatcher."""
        for booking_id in booking_ids:
            row = session.get(BookingRow, booking_id)
            if row is None or row.state not in (BookingState.CONFIRMED, BookingState.STARTED):
                continue
            row.state = str(BookingState.REJECTED)
            row.state_reason = reason
            row.updated_at = now
            add_problem(session, booking_id, row.vehicle_id, reason, now)
            append_event(session, Event(EventType.BOOKING_REJECTED, now, booking_id, row.vehicle_id,
                                        data=(("reason", reason),)))
            log.warning("booking %s could not be kept: %s", booking_id, reason)
            self.bus.publish("problem", booking_id=booking_id, vehicle_id=row.vehicle_id, reason=reason)
            self.tell_rider(session, row, NoticeKind.LOST, reason, now)

    def tell_rider(self, session: Session, row: BookingRow, kind: NoticeKind, reason: str, now: datetime, *,
                   expected: datetime | None = None, detail: str = "") -> RiderNoticeRow | None:
        """Tell the rider of ``row`` in plain German that the ride is lost, moved or delayed: a notice in the outbox
        (in ``session``; sent by the notice worker by the rider's channel) and at once on their page."""
        tz = self.options.booking_rules.timezone
        notice = tell_rider(session, row, kind, reason, now, expected=expected, detail=detail,
                            settings=NoticeSettings(self.options.control_room_phone, tz),
                            stop_name=lambda stop_id: getattr(self.resolve_stop(stop_id), "name", stop_id))
        if notice is not None:
            self.bus.publish("rider_notice", customer_id=row.customer_id, notice=notice_json(notice, tz))
        return notice


def sync_bookings_with_plan(session: Session, touched: Mapping[str, Sequence[StopVisit]], now: datetime) -> None:
    """Give bookings with changed visits (per vehicle) their current vehicle and planned times (the promise stays).

    Only rows whose vehicle or planned times differ are loaded whole and rewritten.
    """
    times: dict[str, dict[str, object]] = {}
    for vehicle_id, visits in touched.items():
        for visit in visits:
            if visit.booking_id is None:
                continue
            entry = times.setdefault(visit.booking_id, {"vehicle_id": vehicle_id})
            if visit.kind is VisitKind.PICKUP:
                entry["planned_pickup"] = visit.planned_departure
            elif visit.kind is VisitKind.DROPOFF:
                entry["planned_dropoff"] = visit.planned_arrival
    if not times:
        return
    current = session.execute(sa.select(BookingRow.id, BookingRow.vehicle_id, BookingRow.planned_pickup,
                                         BookingRow.planned_dropoff).where(BookingRow.id.in_(list(times))))
    stale = [row.id for row in current if any(times[row.id].get(name, value) != value for name, value in
                                              (("vehicle_id", row.vehicle_id), ("planned_pickup", row.planned_pickup),
                                               ("planned_dropoff", row.planned_dropoff)))]
    if not stale:
        return
    for row in session.scalars(sa.select(BookingRow).where(BookingRow.id.in_(stale))):
        entry = times[row.id]
        offer = offer_from_dict(row.payload)
        updated = dataclasses.replace(
            offer,
            vehicle_id=str(entry["vehicle_id"]),
            planned_pickup=entry.get("planned_pickup", offer.planned_pickup),  # type: ignore[arg-type]
            planned_dropoff=entry.get("planned_dropoff", offer.planned_dropoff),  # type: ignore[arg-type]
        )
        if updated != offer:
            row.vehicle_id = updated.vehicle_id
            row.planned_pickup = updated.planned_pickup
            row.planned_dropoff = updated.planned_dropoff
            row.payload = offer_to_dict(updated)
            row.updated_at = now
