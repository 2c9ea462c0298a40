"""Vehicle legs as driven: from the depot through the executed visits and back, with the load carried."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from mobility.domain.fleet import Vehicle
from mobility.domain.ports import TravelTimes
from mobility.simulation.records import ExecutedVisit


@dataclass(frozen=True, slots=True)
class Leg:
    """A drive between two locations (matrix indices) with the passengers on board."""

    vehicle_id: str
    origin: int
    destination: int
    departed_at: datetime | None  # None for the first leg from the depot (leaving time not observed)
    arrived_at: datetime | None  # None for the last leg back to the depot
    passengers: int
    distance_m: int
    duration_s: int


def visits_by_vehicle(visits: Sequence[ExecutedVisit]) -> dict[str, list[ExecutedVisit]]:
    """Executed visits of each vehicle, in the order they were driven."""
    out: dict[str, list[ExecutedVisit]] = {}
    for visit in visits:
        out.setdefault(visit.vehicle_id, []).append(visit)
    return out


def build_legs(
    visits: Sequence[ExecutedVisit],
    vehicles: Sequence[Vehicle],
    depot_index: Mapping[str, int],
    travel_times: TravelTimes,
) -> list[Leg]:
    """All legs of all vehicles; a vehicle that drove nothing has none."""
    legs: list[Leg] = []
    grouped = visits_by_vehicle(visits)
    for vehicle in vehicles:
        driven = grouped.get(vehicle.id, [])
        if not driven:
            continue
        here, left, passengers = depot_index[vehicle.id], None, 0
        for visit in driven:
            there = visit.stop.index
            if there != here:
                legs.append(Leg(vehicle.id, here, there, left, visit.arrived_at, passengers,
                                travel_times.distance(here, there), travel_times.duration(here, there)))
            here, left = there, visit.departed_at
            passengers = visit.load_after.seats + visit.load_after.wheelchairs
        home = depot_index[vehicle.id]
        if home != here:
            legs.append(Leg(vehicle.id, here, home, left, None, passengers,
                            travel_times.distance(here, home), travel_times.duration(here, home)))
    return legs
