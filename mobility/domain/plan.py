"""The live plan: per vehicle an ordered list of stop visits with planned times and loads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from mobility.domain.rides import Load, TimeWindow
from mobility.domain.stops import Stop


class VisitKind(StrEnum):
    """What happens at a stop visit."""

    PICKUP = "pickup"
    DROPOFF = "dropoff"
    BREAK = "break"


class VisitStatus(StrEnum):
    """How far a visit has been driven."""

    PLANNED = "planned"
    ARRIVED = "arrived"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class StopVisit:
    """One visit of a vehicle at a stop: who boards or alights, when, and the load after it."""

    booking_id: str | None  # None for a break
    kind: VisitKind
    stop: Stop
    planned_arrival: datetime
    planned_departure: datetime
    window: TimeWindow
    load_after: Load
    status: VisitStatus = VisitStatus.PLANNED
    duty_id: str | None = None  # the duty (vehicle x shift x day) the visit belongs to; set by the plan view


@dataclass(frozen=True, slots=True)
class Tour:
    """A vehicle's tour: the visits still to drive (and those driven today, status DONE)."""

    vehicle_id: str
    visits: tuple[StopVisit, ...] = ()


OVERDUE_GRACE_S = 300  # a visit is overdue this long after its planned departure without an event


def is_overdue(visit: StopVisit, now: datetime, grace_s: int = OVERDUE_GRACE_S) -> bool:
    """Whether ``visit`` is not done although its planned departure lies more than ``grace_s`` in the past."""
    return visit.status is not VisitStatus.DONE and (now - visit.planned_departure).total_seconds() > grace_s


class DutyStatus(StrEnum):
    """Where a duty stands: not begun, under way (the driver began it or reported a task), over."""

    PLANNED = "planned"
    UNDER_WAY = "under_way"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class Duty:
    """One vehicle, one shift, one service day: pull-out at ``start`` → tasks → pull-in by ``end``.

    ``id`` is stable across restarts (vehicle and local shift start, e.g. ``bus-01-20261207-0530``); ``day`` is the
    local date the shift starts on. ``visits`` are the duty's driven (DONE) and planned visits in order; a break is
    a visit of kind BREAK with its planned start and end. ``on_break_since`` is set while the driver takes a break.
    """

    id: str
    vehicle_id: str
    day: date
    start: datetime
    end: datetime
    depot: Stop
    visits: tuple[StopVisit, ...] = ()
    status: DutyStatus = DutyStatus.PLANNED
    began_at: datetime | None = None
    ended_at: datetime | None = None
    on_break_since: datetime | None = None
    in_service: bool = True

    def ahead(self) -> tuple[StopVisit, ...]:
        """The visits not driven yet."""
        return tuple(v for v in self.visits if v.status is not VisitStatus.DONE)

    def overdue(self, now: datetime, grace_s: int = OVERDUE_GRACE_S) -> tuple[StopVisit, ...]:
        """Visits of riders whose planned departure passed more than ``grace_s`` ago without a driver event."""
        return tuple(v for v in self.ahead() if v.booking_id is not None and is_overdue(v, now, grace_s))

    def booking_ids(self) -> set[str]:
        """Bookings with a visit in this duty."""
        return {v.booking_id for v in self.visits if v.booking_id is not None}


@dataclass(frozen=True, slots=True)
class Plan:
    """The live plan of one service area: a tour per vehicle; replaced atomically, never edited in place."""

    service_area: str
    version: int
    created_at: datetime
    tours: dict[str, Tour] = field(default_factory=dict)
    duties: dict[str, Duty] = field(default_factory=dict)

    def tour(self, vehicle_id: str) -> Tour:
        """The tour of ``vehicle_id`` (an empty tour for an idle vehicle)."""
        return self.tours.get(vehicle_id, Tour(vehicle_id))

    def duties_of(self, vehicle_id: str) -> list[Duty]:
        """The duties of ``vehicle_id`` in time order."""
        return sorted((d for d in self.duties.values() if d.vehicle_id == vehicle_id), key=lambda d: d.start)

    def duties_on(self, day: date) -> list[Duty]:
        """The duties of the service day ``day`` (local date of the shift start), by vehicle and start."""
        return sorted((d for d in self.duties.values() if d.day == day), key=lambda d: (d.vehicle_id, d.start))

    def current_duty(self, vehicle_id: str, now: datetime) -> Duty | None:
        """The duty a driver works on at ``now``: the one under way, else the next one not over.

        A duty is over when it ended, or when its shift ended with nothing left to drive. Past duties that still hold
        undriven rides stay current (their rides are overdue and must be closed) until the driver ends them.
        """
        duties = self.duties_of(vehicle_id)
        for duty in duties:
            if duty.status is DutyStatus.UNDER_WAY:
                return duty
        for duty in duties:
            if duty.status is DutyStatus.ENDED:
                continue
            if duty.end > now or any(v.booking_id for v in duty.ahead()):
                return duty
        return None

    def duty_of_booking(self, booking_id: str) -> Duty | None:
        """The duty that serves ``booking_id`` (None when it is not in the plan)."""
        for duty in self.duties.values():
            if any(v.booking_id == booking_id for v in duty.visits):
                return duty
        return None


class EtaBasis(StrEnum):
    """What an estimated time rests on."""

    PLANNED = "planned"  # the duty has not begun: the plan's time
    LIVE = "live"  # the duty is under way: the vehicle's last event or position, remaining tasks, travel times


@dataclass(frozen=True, slots=True)
class Eta:
    """When the vehicle is expected at a booking's next stop (its pickup, or its drop-off once aboard).

    ``basis_at`` is the time of the fact the estimate rests on (the last driver event or position; the plan's time
    for a planned estimate); ``stops_before`` counts the visits the vehicle makes before it.
    """

    booking_id: str
    vehicle_id: str
    duty_id: str
    kind: VisitKind
    stop: Stop
    eta: datetime
    basis: EtaBasis
    basis_at: datetime
    stops_before: int
    window: TimeWindow


@dataclass(frozen=True, slots=True)
class DaySummary:
    """The shifts of one service day: how many, how many carry rides, rides planned and the metres they drive."""

    day: date
    routes: int
    busy_routes: int
    rides: int
    distance_m: int
