"""Self-drive pool cars: stations, cars, reservations, their states and the booking rules.

Pure: standard library only. Times are timezone-aware; a reservation blocks its car from ``start`` until
``end + buffer`` (cleaning/charging), so two reservations of one car conflict exactly when their blocked
periods overlap — the rule the database enforces with an exclusion constraint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from mobility.domain.geo import Point


class Propulsion(StrEnum):
    """How a car is powered (GBFS 3.0 ``propulsion_type`` values)."""

    COMBUSTION = "combustion"
    COMBUSTION_DIESEL = "combustion_diesel"
    ELECTRIC = "electric"
    HYBRID = "hybrid"
    PLUG_IN_HYBRID = "plug_in_hybrid"


class StationKind(StrEnum):
    """What kind of real place a station is at."""

    ADMINISTRATION = "administration"  # e.g. the Kreisverwaltung in Bernburg
    TOWN_CENTRE = "town_centre"  # market square / town hall
    RAIL_STATION = "rail_station"


@dataclass(frozen=True, slots=True)
class CarType:
    """A model of pool car: seats (driver included), wheelchair access, propulsion and full range (metres)."""

    id: str
    name: str
    seats: int
    wheelchair_accessible: bool
    propulsion: Propulsion
    max_range_m: int
    make: str = ""
    model: str = ""

    def __post_init__(self) -> None:
        if not 1 <= self.seats <= 9:
            msg = f"car type {self.id!r}: seats must be 1..9, got {self.seats}"
            raise ValueError(msg)
        if self.max_range_m <= 0:
            msg = f"car type {self.id!r}: max_range_m must be positive, got {self.max_range_m}"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class Station:
    """A place where pool cars are parked, picked up and returned (round trips)."""

    id: str
    name: str
    municipality: str
    point: Point
    kind: StationKind
    capacity: int
    stop_id: str = ""  # the public-transport stop the coordinates come from
    address: str = ""

    def __post_init__(self) -> None:
        if self.capacity < 1:
            msg = f"station {self.id!r}: capacity must be at least 1, got {self.capacity}"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class Slot:
    """A half-open period ``[start, end)`` of timezone-aware instants."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            msg = "slots need timezone-aware datetimes"
            raise ValueError(msg)
        if self.end <= self.start:
            msg = f"slot ends ({self.end.isoformat()}) before or when it starts ({self.start.isoformat()})"
            raise ValueError(msg)

    @property
    def duration_s(self) -> int:
        """Length of the slot (seconds)."""
        return int((self.end - self.start).total_seconds())

    def overlaps(self, other: Slot) -> bool:
        """Whether the two half-open periods share an instant."""
        return self.start < other.end and other.start < self.end

    def contains(self, other: Slot) -> bool:
        """Whether ``other`` lies completely inside this slot."""
        return self.start <= other.start and other.end <= self.end

    def shifted(self, seconds: int) -> Slot:
        """The same slot moved by ``seconds`` (may be negative)."""
        d = timedelta(seconds=seconds)
        return Slot(self.start + d, self.end + d)

    def padded(self, buffer_s: int) -> Slot:
        """The slot with ``buffer_s`` seconds appended: the period it blocks its car."""
        return Slot(self.start, self.end + timedelta(seconds=buffer_s))


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """When a car may be booked: weekly periods ``(weekday 0=Monday, from, to)`` in local time.

    ``to`` of ``00:00`` means midnight at the end of the day.
    """

    periods: tuple[tuple[int, time, time], ...]
    timezone: str = "Europe/Berlin"

    def __post_init__(self) -> None:
        for day, start, end in self.periods:
            if not 0 <= day <= 6:
                msg = f"weekday must be 0 (Monday) .. 6 (Sunday), got {day}"
                raise ValueError(msg)
            if end != time(0) and end <= start:
                msg = f"opening period {start}–{end} on weekday {day} ends before it starts"
                raise ValueError(msg)

    def open_slots(self, within: Slot) -> list[Slot]:
        """The bookable periods that intersect ``within``, merged where they touch, clipped to it."""
        tz = ZoneInfo(self.timezone)
        first = within.start.astimezone(tz).date() - timedelta(days=1)
        last = within.end.astimezone(tz).date()
        slots: list[Slot] = []
        day = first
        while day <= last:
            for weekday, start, end in self.periods:
                if weekday != day.weekday():
                    continue
                begin = datetime.combine(day, start, tz)
                finish = datetime.combine(day + timedelta(days=1) if end == time(0) else day, end, tz)
                if begin < within.end and within.start < finish:
                    slots.append(Slot(max(begin, within.start), min(finish, within.end)))
            day += timedelta(days=1)
        return merge_slots(slots)

    def allows(self, slot: Slot) -> bool:
        """Whether ``slot`` lies completely inside the bookable periods."""
        return any(s.contains(slot) for s in self.open_slots(slot))


def merge_slots(slots: list[Slot]) -> list[Slot]:
    """Sorted union of ``slots``: overlapping or touching slots become one."""
    merged: list[Slot] = []
    for s in sorted(slots, key=lambda x: x.start):
        if merged and s.start <= merged[-1].end:
            if s.end > merged[-1].end:
                merged[-1] = Slot(merged[-1].start, s.end)
        else:
            merged.append(s)
    return merged


@dataclass(frozen=True, slots=True)
class Car:
    """A pool car of the fleet, parked at its home ``station_id``."""

    id: str
    name: str
    type: CarType
    station_id: str
    plate: str = ""
    availability: WeeklyHours | None = None  # None: bookable around the clock
    in_service: bool = True
    current_range_m: int | None = None  # None: full range

    @property
    def range_m(self) -> int:
        """What the car can drive now (metres)."""
        return self.type.max_range_m if self.current_range_m is None else self.current_range_m

    def bookable(self, slot: Slot) -> bool:
        """Whether the car is in service and its calendar allows ``slot``."""
        return self.in_service and (self.availability is None or self.availability.allows(slot))


class ReservationState(StrEnum):
    """Life of a pool-car reservation."""

    CONFIRMED = "CONFIRMED"  # the car is promised for the slot
    STARTED = "STARTED"  # picked up
    FINISHED = "FINISHED"  # returned
    CANCELLED = "CANCELLED"  # by the person or a dispatcher
    RELEASED = "RELEASED"  # not picked up within the grace period
    REJECTED = "REJECTED"  # could not be kept (car broke down and no replacement)


ACTIVE_STATES = frozenset({ReservationState.CONFIRMED, ReservationState.STARTED})
"""States in which a reservation blocks its car."""

RESERVATION_TRANSITIONS: dict[ReservationState, frozenset[ReservationState]] = {
    ReservationState.CONFIRMED: frozenset(
        {
            ReservationState.STARTED,
            ReservationState.CANCELLED,
            ReservationState.RELEASED,
            ReservationState.REJECTED,
        }
    ),
    ReservationState.STARTED: frozenset({ReservationState.FINISHED}),
    ReservationState.FINISHED: frozenset(),
    ReservationState.CANCELLED: frozenset(),
    ReservationState.RELEASED: frozenset(),
    ReservationState.REJECTED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Reservation:
    """A confirmed promise of a car at a station for a slot; replaced (not mutated) on every change."""

    id: str
    customer_id: str
    car_id: str
    station_id: str
    slot: Slot
    state: ReservationState
    created_at: datetime
    walk_m: int = 0
    moved_from_station_id: str | None = None  # the car is brought over from this station first
    picked_up_at: datetime | None = None
    returned_at: datetime | None = None

    @property
    def active(self) -> bool:
        """Whether the reservation blocks its car."""
        return self.state in ACTIVE_STATES


@dataclass(frozen=True, slots=True)
class PoolRules:
    """Booking rules of the pool (all durations in seconds)."""

    buffer_s: int = 900  # cleaning/charging between two reservations of one car
    min_duration_s: int = 1_800
    max_duration_s: int = 3 * 86_400
    grace_s: int = 1_800  # a reservation not picked up by start + grace is released
    early_pickup_s: int = 900  # pick-up allowed this long before the start
    horizon_s: int = 60 * 86_400  # how far ahead one may book
    max_flex_s: int = 3 * 3_600
    flex_step_s: int = 900
    default_walk_m: int = 500
    max_walk_m: int = 3_000
    offer_validity_s: int = 600
    max_offers: int = 5

    def __post_init__(self) -> None:
        for name in ("buffer_s", "grace_s", "early_pickup_s", "max_flex_s"):
            if getattr(self, name) < 0:
                msg = f"pool rule {name} must not be negative, got {getattr(self, name)}"
                raise ValueError(msg)
        for name in ("min_duration_s", "max_duration_s", "horizon_s", "flex_step_s", "max_walk_m", "max_offers"):
            if getattr(self, name) <= 0:
                msg = f"pool rule {name} must be positive, got {getattr(self, name)}"
                raise ValueError(msg)
        if self.max_duration_s < self.min_duration_s:
            msg = "pool rule max_duration_s must not be below min_duration_s"
            raise ValueError(msg)


class PoolErrorCode(StrEnum):
    """Stable codes of pool-car errors (German text in :class:`PoolCarError`)."""

    IN_THE_PAST = "in_the_past"
    END_BEFORE_START = "end_before_start"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    BEYOND_HORIZON = "beyond_horizon"
    UNKNOWN_STATION = "unknown_station"
    UNKNOWN_CAR = "unknown_car"
    UNKNOWN_CAR_TYPE = "unknown_car_type"
    UNKNOWN_RESERVATION = "unknown_reservation"
    WALK_TOO_FAR = "walk_too_far"
    OVERLAPS_OWN = "overlaps_own_reservation"
    CAR_TAKEN = "car_taken"
    NO_CAR_AVAILABLE = "no_car_available"
    OFFER_EXPIRED = "offer_expired"
    INVALID_STATE = "invalid_state"
    NOT_PICKUP_TIME = "not_pickup_time"


class PoolCarError(ValueError):
    """A pool-car rule was broken: a stable ``code``, a German ``message`` and the offending ``field``."""

    def __init__(self, code: PoolErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
