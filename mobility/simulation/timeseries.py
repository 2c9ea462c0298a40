"""Figures over the day in fixed bins: requests and rejections, occupancy, vehicles on the road; vehicle timelines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from mobility.simulation.legs import Leg, visits_by_vehicle
from mobility.simulation.records import ExecutedVisit, Outcome, RequestRecord


@dataclass(frozen=True, slots=True)
class DaySeries:
    """Per bin (start times in ``bins``): requests, rejections, passenger-km, vehicle-km, vehicles driving."""

    bins: tuple[datetime, ...]
    requests: tuple[int, ...]
    rejections: tuple[int, ...]
    passenger_km: tuple[float, ...]
    vehicle_km: tuple[float, ...]

    @property
    def occupancy(self) -> tuple[float, ...]:
        """Passenger-km per vehicle-km per bin (0 where nothing was driven)."""
        return tuple(p / v if v else 0.0 for p, v in zip(self.passenger_km, self.vehicle_km, strict=True))


def day_series(
    records: Sequence[RequestRecord], legs: Sequence[Leg], start: datetime, end: datetime, bin_min: int
) -> DaySeries:
    """Bin requests by wished time and legs by their arrival (or departure) time."""
    step = timedelta(minutes=bin_min)
    count = max(1, int((end - start) / step) + 1)

    def slot(t: datetime) -> int:
        return min(count - 1, max(0, int((t - start) / step)))

    requests, rejections = [0] * count, [0] * count
    for r in records:
        requests[slot(r.wished_time)] += 1
        if r.outcome in {Outcome.REJECTED, Outcome.DECLINED}:
            rejections[slot(r.wished_time)] += 1
    pkm, vkm = [0.0] * count, [0.0] * count
    for leg in legs:
        when = leg.arrived_at or leg.departed_at
        if when is None:
            continue
        vkm[slot(when)] += leg.distance_m / 1000
        pkm[slot(when)] += leg.distance_m * leg.passengers / 1000
    bins = tuple(start + k * step for k in range(count))
    return DaySeries(bins, tuple(requests), tuple(rejections), tuple(pkm), tuple(vkm))


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of a vehicle's day: ``driving`` (with ``passengers``) or ``stop`` (standing at a visit)."""

    vehicle_id: str
    start: datetime
    end: datetime
    state: str
    passengers: int


def timelines(visits: Sequence[ExecutedVisit], travel_s: dict[tuple[int, int], int]) -> list[Segment]:
    """Per vehicle: the drive to each visit (ending at its arrival) and the time standing at it."""
    out: list[Segment] = []
    for vehicle_id, driven in visits_by_vehicle(visits).items():
        previous: ExecutedVisit | None = None
        for visit in driven:
            if previous is not None and visit.stop.index != previous.stop.index:
                drive = timedelta(seconds=travel_s.get((previous.stop.index, visit.stop.index), 0))
                begin = max(previous.departed_at, visit.arrived_at - drive)
                pax = previous.load_after.seats + previous.load_after.wheelchairs
                out.append(Segment(vehicle_id, begin, visit.arrived_at, "driving", pax))
            if visit.departed_at > visit.arrived_at:
                pax = visit.load_after.seats + visit.load_after.wheelchairs
                out.append(Segment(vehicle_id, visit.arrived_at, visit.departed_at, "stop", pax))
            previous = visit
    return out
