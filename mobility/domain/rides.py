"""Ride requests, offers and bookings; booking states follow TOMP-API 1.6."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from mobility.domain.geo import Point
from mobility.domain.stops import Stop

LOAD_DIMENSIONS = ("seats", "wheelchairs", "strollers")


@dataclass(frozen=True, slots=True)
class Load:
    """What a party occupies in a vehicle, or what a vehicle can carry: one integer per dimension.

    A wheelchair user occupies a wheelchair place (and no seat); a stroller occupies a stroller/luggage place.
    """

    seats: int = 0
    wheelchairs: int = 0
    strollers: int = 0

    def __post_init__(self) -> None:
        for name in LOAD_DIMENSIONS:
            if getattr(self, name) < 0:
                msg = f"load field {name!r} must not be negative, got {getattr(self, name)}"
                raise ValueError(msg)

    def as_tuple(self) -> tuple[int, int, int]:
        """The load as a vector in ``LOAD_DIMENSIONS`` order."""
        return (self.seats, self.wheelchairs, self.strollers)

    def fits_in(self, capacity: Load) -> bool:
        """Whether this load fits in ``capacity`` in every dimension."""
        return all(a <= b for a, b in zip(self.as_tuple(), capacity.as_tuple(), strict=True))

    def __add__(self, other: Load) -> Load:
        return Load(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))

    def __sub__(self, other: Load) -> Load:
        return Load(*(a - b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A closed interval of timezone-aware instants."""

    earliest: datetime
    latest: datetime

    def __post_init__(self) -> None:
        if self.earliest.tzinfo is None or self.latest.tzinfo is None:
            msg = "time windows need timezone-aware datetimes"
            raise ValueError(msg)
        if self.latest < self.earliest:
            msg = f"time window ends ({self.latest.isoformat()}) before it starts ({self.earliest.isoformat()})"
            raise ValueError(msg)

    def contains(self, t: datetime) -> bool:
        """Whether ``t`` lies in the window."""
        return self.earliest <= t <= self.latest


@dataclass(frozen=True, slots=True)
class RideRequest:
    """A resident's wish: from, to, when, how many and with which needs (immutable, MATSim-style).

    Exactly one of ``departure`` (earliest pickup) and ``arrival`` (latest arrival) is the requested time.
    ``origin_stop_id``/``destination_stop_id`` are set when the resident chose a stop instead of coordinates.
    """

    id: str
    customer_id: str
    origin: Point
    destination: Point
    submitted_at: datetime
    departure: datetime | None = None
    arrival: datetime | None = None
    passengers: int = 1
    wheelchairs: int = 0
    strollers: int = 0
    origin_stop_id: str | None = None
    destination_stop_id: str | None = None

    def __post_init__(self) -> None:
        if (self.departure is None) == (self.arrival is None):
            msg = "give exactly one of departure and arrival"
            raise ValueError(msg)
        if self.passengers < 1:
            msg = f"passengers must be at least 1, got {self.passengers}"
            raise ValueError(msg)
        if not 0 <= self.wheelchairs <= self.passengers:
            msg = f"wheelchairs must be between 0 and passengers ({self.passengers}), got {self.wheelchairs}"
            raise ValueError(msg)
        if self.strollers < 0:
            msg = f"strollers must not be negative, got {self.strollers}"
            raise ValueError(msg)

    @property
    def load(self) -> Load:
        """Seats for walking passengers, wheelchair places for wheelchair users, stroller places."""
        return Load(self.passengers - self.wheelchairs, self.wheelchairs, self.strollers)

    @property
    def requested_time(self) -> datetime:
        """The time the resident asked for (departure or arrival)."""
        t = self.departure if self.departure is not None else self.arrival
        assert t is not None
        return t


class BookingState(StrEnum):
    """Booking states after TOMP-API 1.6."""

    NEW = "NEW"
    PENDING = "PENDING"  # an offer is held for the resident
    CONFIRMED = "CONFIRMED"
    STARTED = "STARTED"  # the rider boarded
    FINISHED = "FINISHED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"


ALLOWED_TRANSITIONS: dict[BookingState, frozenset[BookingState]] = {
    BookingState.NEW: frozenset({BookingState.PENDING, BookingState.REJECTED}),
    BookingState.PENDING: frozenset(
        {BookingState.CONFIRMED, BookingState.EXPIRED, BookingState.CANCELLED, BookingState.REJECTED}
    ),
    BookingState.CONFIRMED: frozenset(
        {BookingState.STARTED, BookingState.CANCELLED, BookingState.REJECTED, BookingState.FINISHED}
    ),
    BookingState.STARTED: frozenset({BookingState.FINISHED}),
    BookingState.FINISHED: frozenset(),
    BookingState.REJECTED: frozenset(),
    BookingState.EXPIRED: frozenset(),
    BookingState.CANCELLED: frozenset(),
}


class InvalidTransition(ValueError):
    """A booking cannot move from its state to the requested one."""


def transition(current: BookingState, target: BookingState) -> BookingState:
    """Return ``target`` if the move from ``current`` is allowed, else raise :class:`InvalidTransition`."""
    if target not in ALLOWED_TRANSITIONS[current]:
        msg = f"a booking in state {current} cannot become {target}"
        raise InvalidTransition(msg)
    return target


@dataclass(frozen=True, slots=True)
class Offer:
    """The dispatcher's answer to a request: a concrete, held place in a vehicle's tour."""

    id: str
    request: RideRequest
    vehicle_id: str
    vehicle_type: str
    pickup_stop: Stop
    dropoff_stop: Stop
    walk_to_pickup_m: int
    walk_from_dropoff_m: int
    pickup_window: TimeWindow
    planned_pickup: datetime
    planned_dropoff: datetime
    latest_arrival: datetime
    price_cents: int
    valid_until: datetime
    network_source: str = "approximate"


class RejectionReason(StrEnum):
    """Why no offer could be made (stable codes; German text in ``NoOffer.message``)."""

    OUTSIDE_SERVICE_AREA = "outside_service_area"
    NO_STOP_NEARBY = "no_stop_nearby"
    SAME_ORIGIN_DESTINATION = "same_origin_destination"
    OUTSIDE_SERVICE_HOURS = "outside_service_hours"
    TOO_SHORT_NOTICE = "too_short_notice"
    BEYOND_HORIZON = "beyond_horizon"
    IN_THE_PAST = "in_the_past"
    NO_SUITABLE_VEHICLE = "no_suitable_vehicle"
    NO_CAPACITY = "no_capacity"
    OFFER_EXPIRED = "offer_expired"  # confirm after ``Offer.valid_until``


@dataclass(frozen=True, slots=True)
class NoOffer:
    """No vehicle can take the request: a stable reason, a German message, and nearby times that would work."""

    request: RideRequest
    reason: RejectionReason
    message: str
    alternatives: tuple[datetime, ...] = ()


@dataclass(frozen=True, slots=True)
class Booking:
    """A resident's booking; replaced (not mutated) on every state change."""

    id: str
    customer_id: str
    offer: Offer
    state: BookingState
    created_at: datetime
    updated_at: datetime
    booked_by: str | None = None  # a dispatcher who booked on the caller's behalf
    history: tuple[tuple[datetime, BookingState], ...] = field(default=())
