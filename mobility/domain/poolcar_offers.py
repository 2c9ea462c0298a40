"""Asking for a pool car, the offers the planner answers with, and the planner port.

The booking service is handed a :class:`PoolCarPlanner` (implemented in ``routing.carsharing``); it never
imports routing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from mobility.domain.geo import Point
from mobility.domain.poolcars import Car, PoolRules, Reservation, Slot, Station


@dataclass(frozen=True, slots=True)
class PoolCarRequest:
    """A wish for a car: a slot, a place (a station, or a point with a walking radius) and needs.

    ``flex_s`` lets the start move by up to that many seconds either way; ``car_type_id`` ``None`` means
    any car type that fits ``seats`` (driver included), ``wheelchair`` and ``range_m`` (metres to drive).
    """

    id: str
    customer_id: str
    slot: Slot
    submitted_at: datetime
    station_id: str | None = None
    point: Point | None = None
    walk_radius_m: int = 500
    flex_s: int = 0
    car_type_id: str | None = None
    seats: int = 1
    wheelchair: bool = False
    range_m: int = 0

    def __post_init__(self) -> None:
        if (self.station_id is None) == (self.point is None):
            msg = "give exactly one of station_id and point"
            raise ValueError(msg)
        if self.walk_radius_m < 0:
            msg = f"walk_radius_m must not be negative, got {self.walk_radius_m}"
            raise ValueError(msg)
        if self.flex_s < 0:
            msg = f"flex_s must not be negative, got {self.flex_s}"
            raise ValueError(msg)
        if not 1 <= self.seats <= 9:
            msg = f"seats must be 1..9, got {self.seats}"
            raise ValueError(msg)
        if self.range_m < 0:
            msg = f"range_m must not be negative, got {self.range_m}"
            raise ValueError(msg)

    def fits(self, car: Car) -> bool:
        """Whether ``car`` meets the request's type, seats, wheelchair and range needs."""
        t = car.type
        if self.car_type_id is not None and t.id != self.car_type_id:
            return False
        return (
            t.seats >= self.seats and (t.wheelchair_accessible or not self.wheelchair) and car.range_m >= self.range_m
        )


@dataclass(frozen=True, slots=True)
class PoolCarOffer:
    """A concrete answer: this car at this station for this slot.

    ``walk_m`` is the walk from the requested point to the station (straight line, metres); ``shift_s`` how far
    the slot moved from the wish; ``moved_from_station_id`` is set when staff must first bring the car over.
    """

    request_id: str
    car_id: str
    car_type_id: str
    station_id: str
    slot: Slot
    walk_m: int = 0
    shift_s: int = 0
    moved_from_station_id: str | None = None


@dataclass(frozen=True, slots=True)
class Reassignment:
    """Outcome of re-planning after a breakdown: new cars for kept reservations, and those that cannot be kept."""

    new_car: Mapping[str, str]  # reservation id -> car id (only reservations whose car changes)
    unkept: tuple[str, ...]  # reservation ids that no car of the same station and type can serve


class PoolCarPlanner(Protocol):
    """Finds offers for one request and re-plans reservations when a car breaks down."""

    def offers(
        self,
        request: PoolCarRequest,
        *,
        cars: Sequence[Car],
        stations: Sequence[Station],
        busy: Mapping[str, Sequence[Slot]],
        rules: PoolRules,
    ) -> Sequence[PoolCarOffer]:
        """Up to ``rules.max_offers`` offers, best first; ``busy``: blocked periods per car (buffer included)."""
        ...

    def reassign(
        self,
        broken_car_id: str,
        *,
        reservations: Sequence[Reservation],
        cars: Sequence[Car],
        stations: Sequence[Station],
        now: datetime,
        rules: PoolRules,
        busy: Mapping[str, Sequence[Slot]] | None = None,
    ) -> Reassignment:
        """Move the not-yet-started reservations of ``broken_car_id`` to other cars of the same station and type.

        ``reservations`` are the active reservations of the affected cars; other not-yet-started reservations may
        be swapped between those cars to keep as many promises as possible. ``busy`` adds other blocked periods
        (e.g. maintenance) per car.
        """
        ...
