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


@dataclass(frozen=True, slots=True)
class Tour:
    """A vehicle's tour: the visits still to drive (and those driven today, status DONE)."""

    vehicle_id: str
    visits: tuple[StopVisit, ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    """The live plan of one service area: a tour per vehicle; replaced atomically, never edited in place."""

    service_area: str
    version: int
    created_at: datetime
    tours: dict[str, Tour] = field(default_factory=dict)

    def tour(self, vehicle_id: str) -> Tour:
        """The tour of ``vehicle_id`` (an empty tour for an idle vehicle)."""
        return self.tours.get(vehicle_id, Tour(vehicle_id))


@dataclass(frozen=True, slots=True)
class DaySummary:
    """The shifts of one service day: how many, how many carry rides, rides planned and the metres they drive."""

    day: date
    routes: int
    busy_routes: int
    rides: int
    distance_m: int
