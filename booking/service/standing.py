"""Standing orders of regular callers (e.g. every Tuesday 08:00 to the doctor), booked day by day.

The nightly batch (:func:`booking.service.batch.plan_day`) books every standing order due on the service day it
plans, before it re-plans that day; a new order books its occurrences of today and tomorrow at once (their batch may
have run already). Each order and day is booked at most once: a run row per (order, day) records the booking or, in
German, why no vehicle could take it — the control room sees both and can try again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from booking.service.bookings import BookingService, Caller, Place, RideWish
from booking.service.context import ServiceContext
from booking.service.errors import ServiceError, conflict, invalid, not_found
from booking.service.search import digits
from booking.service.wording import clock
from booking.store.control import StandingOrderRow, StandingOrderRunRow

WEEKDAYS_DE = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
BOOKED, REFUSED = "booked", "refused"


@dataclass(frozen=True, slots=True)
class StandingOrderSpec:
    """A recurring ride: who, from where to where, on which ISO weekdays (1 = Monday) at what local time."""

    caller_name: str
    caller_phone: str
    origin_stop_id: str
    destination_stop_id: str
    weekdays: tuple[int, ...]
    at_time: time
    first_day: date
    time_kind: str = "departure"  # departure | arrival
    passengers: int = 1
    wheelchairs: int = 0
    strollers: int = 0
    last_day: date | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class OrderView:
    """A standing order with its most recent runs (newest first)."""

    order: StandingOrderRow
    runs: list[StandingOrderRunRow]


def weekdays_label(weekdays: str) -> str:
    """``"2"`` → ``"Di"``, ``"1,3,5"`` → ``"Mo, Mi, Fr"``."""
    return ", ".join(WEEKDAYS_DE[int(d) - 1] for d in weekdays.split(",") if d)


class StandingOrders:
    """Create, list, end and book standing orders."""

    def __init__(self, ctx: ServiceContext, bookings: BookingService, timezone: str = "Europe/Berlin") -> None:
        self.ctx = ctx
        self.bookings = bookings
        self.zone = ZoneInfo(timezone)

    # -- orders ---------------------------------------------------------------------------------------------------
    def create(self, spec: StandingOrderSpec, actor: str) -> OrderView:
        """Store the order and book its occurrences of today and tomorrow at once."""
        self._check(spec)
        now = self.ctx.clock.now()
        row = StandingOrderRow(
            id=str(uuid.uuid4()), customer_id="phone:" + digits(spec.caller_phone),
            caller_name=spec.caller_name.strip(), caller_phone=spec.caller_phone.strip(),
            origin_stop_id=spec.origin_stop_id, destination_stop_id=spec.destination_stop_id,
            weekdays=",".join(str(d) for d in sorted(set(spec.weekdays))), at_time=f"{spec.at_time:%H:%M}",
            time_kind=spec.time_kind, passengers=spec.passengers, wheelchairs=spec.wheelchairs,
            strollers=spec.strollers, first_day=spec.first_day, last_day=spec.last_day, note=spec.note or None,
            active=True, created_at=now, created_by=actor)
        with self.ctx.sessions.begin() as session:
            session.add(row)
        today = now.astimezone(self.zone).date()
        for day in (today, today + timedelta(days=1)):
            if self._due(row, day):
                self._book(row, day)
        return self.get(row.id)

    def _check(self, spec: StandingOrderSpec) -> None:
        if not spec.caller_name.strip():
            raise invalid("caller_name_missing", "Bitte den Namen des Anrufers angeben.", field="caller_name")
        if not spec.weekdays or any(not 1 <= d <= 7 for d in spec.weekdays):
            raise invalid("weekdays", "Bitte mindestens einen Wochentag (Mo–So) wählen.", field="weekdays")
        if spec.time_kind not in ("departure", "arrival"):
            raise invalid("time_kind", "Zeitangabe muss „Abfahrt ab“ oder „Ankunft bis“ sein.", field="time_kind")
        if spec.wheelchairs > spec.passengers:
            raise invalid("wheelchairs", "Es können nicht mehr Rollstühle als Personen mitfahren.", field="wheelchairs")
        if spec.last_day is not None and spec.last_day < spec.first_day:
            raise invalid("last_day", "Das Enddatum liegt vor dem ersten Tag.", field="last_day")
        if spec.origin_stop_id == spec.destination_stop_id:
            raise invalid("same_stop", "Start und Ziel sind gleich – bitte ein anderes Ziel wählen.")
        for stop_id, label in ((spec.origin_stop_id, "Start"), (spec.destination_stop_id, "Ziel")):
            if self.ctx.resolve_stop(stop_id) is None:
                raise ServiceError(404, "unknown_stop", "Haltestelle unbekannt",
                                   f"{label}: Die Haltestelle „{stop_id}“ gibt es nicht.")

    def get(self, order_id: str) -> OrderView:
        """One order with its runs, or a 404."""
        with self.ctx.read_session() as session:
            row = session.get(StandingOrderRow, order_id)
            if row is None:
                raise not_found("Dauerauftrag", order_id)
            runs = list(session.scalars(sa.select(StandingOrderRunRow).where(StandingOrderRunRow.order_id == order_id)
                                        .order_by(StandingOrderRunRow.day.desc()).limit(10)))
        return OrderView(row, runs)

    def orders(self, *, active_only: bool = True, runs_per_order: int = 3) -> list[OrderView]:
        """Orders (active ones by default) by caller name, each with its latest runs."""
        with self.ctx.read_session() as session:
            stmt = sa.select(StandingOrderRow).order_by(StandingOrderRow.caller_name, StandingOrderRow.at_time)
            if active_only:
                stmt = stmt.where(StandingOrderRow.active.is_(True))
            orders = list(session.scalars(stmt))
            runs: dict[str, list[StandingOrderRunRow]] = {}
            for run in session.scalars(sa.select(StandingOrderRunRow).where(
                    StandingOrderRunRow.order_id.in_([o.id for o in orders]))
                    .order_by(StandingOrderRunRow.day.desc())):
                found = runs.setdefault(run.order_id, [])
                if len(found) < runs_per_order:
                    found.append(run)
        return [OrderView(o, runs.get(o.id, [])) for o in orders]

    def end(self, order_id: str) -> OrderView:
        """End the order: no further rides are booked (rides booked already stay)."""
        with self.ctx.sessions.begin() as session:
            row = session.get(StandingOrderRow, order_id)
            if row is None:
                raise not_found("Dauerauftrag", order_id)
            if row.active:
                row.active = False
                row.ended_at = self.ctx.clock.now()
        return self.get(order_id)

    def runs_on(self, day: date) -> list[tuple[StandingOrderRow, StandingOrderRunRow]]:
        """The runs of ``day`` with their orders."""
        with self.ctx.read_session() as session:
            return [(row[1], row[0]) for row in session.execute(
                sa.select(StandingOrderRunRow, StandingOrderRow)
                .join(StandingOrderRow, StandingOrderRow.id == StandingOrderRunRow.order_id)
                .where(StandingOrderRunRow.day == day).order_by(StandingOrderRow.at_time))]

    # -- booking --------------------------------------------------------------------------------------------------
    def book_day(self, day: date) -> list[StandingOrderRunRow]:
        """Book every active order due on ``day`` that has no run for it yet; returns the new runs."""
        with self.ctx.read_session() as session:
            done = set(session.scalars(sa.select(StandingOrderRunRow.order_id).where(StandingOrderRunRow.day == day)))
            orders = [o for o in session.scalars(sa.select(StandingOrderRow).where(StandingOrderRow.active.is_(True))
                                                 .order_by(StandingOrderRow.at_time, StandingOrderRow.id))
                      if o.id not in done and self._due(o, day)]
        runs = [self._book(o, day) for o in orders]
        return [r for r in runs if r is not None]

    def retry(self, order_id: str, day: date) -> StandingOrderRunRow:
        """Try again to book ``day`` of an order whose run was refused (the refused run is replaced)."""
        view = self.get(order_id)
        if not self._due(view.order, day):
            raise invalid("not_due", f"Der Dauerauftrag gilt nicht am {WEEKDAYS_DE[day.weekday()]} {day:%d.%m.}.")
        with self.ctx.sessions.begin() as session:
            run = session.scalars(sa.select(StandingOrderRunRow).where(
                StandingOrderRunRow.order_id == order_id, StandingOrderRunRow.day == day)).first()
            if run is not None and run.outcome == BOOKED:
                raise conflict("already_booked", "Für diesen Tag ist die Fahrt schon gebucht.",
                               booking_id=run.booking_id)
            if run is not None:
                session.delete(run)
        booked = self._book(view.order, day)
        if booked is None:
            raise conflict("run_busy", "Dieser Tag wird gerade gebucht – bitte gleich noch einmal ansehen.")
        return booked

    def _due(self, order: StandingOrderRow, day: date) -> bool:
        return (order.active and order.first_day <= day and (order.last_day is None or day <= order.last_day)
                and str(day.isoweekday()) in order.weekdays.split(","))

    def _book(self, order: StandingOrderRow, day: date) -> StandingOrderRunRow | None:
        """Book ``order`` on ``day`` and record the run; ``None`` if another run recorded that day first."""
        now = self.ctx.clock.now()
        hour, minute = (int(x) for x in order.at_time.split(":"))
        when = datetime.combine(day, time(hour, minute), self.zone)
        outcome, booking_id, detail = REFUSED, None, None
        if when <= now:
            detail = f"Der Zeitpunkt {clock(when)} Uhr war bei der Buchung schon vorbei."
        else:
            wish = RideWish(origin=Place(stop_id=order.origin_stop_id),
                            destination=Place(stop_id=order.destination_stop_id),
                            departure=when if order.time_kind == "departure" else None,
                            arrival=when if order.time_kind == "arrival" else None,
                            passengers=order.passengers, wheelchairs=order.wheelchairs, strollers=order.strollers)
            caller = Caller(order.customer_id, booked_by=order.created_by, caller_name=order.caller_name,
                            caller_phone=order.caller_phone)
            try:
                offer = self.bookings.quote(order.customer_id, wish)
                row, _ = self.bookings.book(caller, offer.id, f"standing-{order.id}-{day.isoformat()}")
                outcome, booking_id = BOOKED, row.id
            except ServiceError as exc:
                detail = exc.detail + _alternatives(exc)
        run = StandingOrderRunRow(order_id=order.id, day=day, outcome=outcome, booking_id=booking_id, detail=detail,
                                  at=now)
        try:
            with self.ctx.sessions.begin() as session:
                session.add(run)
        except IntegrityError:
            return None
        self.ctx.bus.publish("standing_order", order_id=order.id, day=day.isoformat(), outcome=outcome)
        return run


def _alternatives(exc: ServiceError) -> str:
    times = [t for t in exc.extra.get("alternatives", []) if isinstance(t, str)]
    if not times:
        return ""
    return " Möglich wäre: " + ", ".join(f"{clock(datetime.fromisoformat(t))} Uhr" for t in times) + "."
