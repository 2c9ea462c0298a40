"""The world the simulated drivers move in: true travel times (the service's matrix times with noise) and dwells.

The service plans with the network's matrix times; the road on the day is slower or faster: each drive takes the
matrix time times a factor drawn uniformly from ``[1 − travel_noise, 1 + travel_noise]``. Boarding and alighting
take a noisy dwell. Every draw comes from one seeded generator, so a seed gives the same day.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from mobility.domain.geo import Point
from mobility.domain.ports import StopDirectory, TravelTimes
from mobility.domain.stops import Stop


@dataclass(frozen=True, slots=True)
class Noise:
    """How the day differs from the plan."""

    travel: float = 0.15  # drive time factor uniform in [1 - travel, 1 + travel]
    dwell_s: tuple[int, int] = (20, 90)  # boarding or alighting of one party (seconds)
    rider_late_s: tuple[int, int] = (0, 60)  # a rider who shows up reaches the stop this long after the window opens

    def __post_init__(self) -> None:
        if not 0 <= self.travel < 1:
            msg = f"travel noise must be in [0, 1), got {self.travel}"
            raise ValueError(msg)
        for name in ("dwell_s", "rider_late_s"):
            low, high = getattr(self, name)
            if not 0 <= low <= high:
                msg = f"{name} must be [low, high] with 0 <= low <= high, got {(low, high)}"
                raise ValueError(msg)


class World:
    """Stops, true drive times and dwells, drawn from a seeded generator."""

    def __init__(self, directory: StopDirectory, travel: TravelTimes, noise: Noise, seed: int) -> None:
        self.directory = directory
        self.travel = travel
        self.noise = noise
        self.rng = random.Random(seed)
        self._stops = {s.id: s for s in directory.stops()}
        self._find = lru_cache(maxsize=4096)(self._lookup)
        self.inside: Callable[[Point], bool] = lambda _p: True  # the service area (set from the service's own)

    def use_area(self, geojson: dict[str, Any]) -> None:
        """Know the service area (a GeoJSON FeatureCollection) so positions outside it are never reported."""
        from shapely import prepared
        from shapely.geometry import Point as ShapelyPoint
        from shapely.geometry import shape
        from shapely.ops import unary_union

        area = prepared.prep(unary_union([shape(f["geometry"]) for f in geojson.get("features", ())]))
        self.inside = lambda p: bool(area.contains(ShapelyPoint(p.lon, p.lat)))

    def _lookup(self, stop_id: str) -> Stop | None:
        stop = self._stops.get(stop_id)
        if stop is not None:
            return stop
        try:
            return self.directory.find_stop(stop_id)
        except ValueError:
            return None

    def stop(self, stop_id: str) -> Stop | None:
        """The network's stop with ``stop_id`` (None when the network has none)."""
        return self._find(stop_id)

    def planned_s(self, origin: str, destination: str) -> int:
        """The matrix drive time between two stops (seconds); 0 for the same or an unknown stop."""
        a, b = self.stop(origin), self.stop(destination)
        if a is None or b is None or a.id == b.id:
            return 0
        return int(self.travel.duration(a.index, b.index))

    def drive_s(self, origin: str, destination: str) -> int:
        """How long the drive really takes today: the matrix time times the noise factor."""
        planned = self.planned_s(origin, destination)
        factor = self.rng.uniform(1 - self.noise.travel, 1 + self.noise.travel)
        return round(planned * factor)

    def dwell_s(self) -> int:
        """One party boards or alights."""
        return self.rng.randint(*self.noise.dwell_s)

    def rider_late_s(self) -> int:
        """How long after the window opens a rider reaches the stop."""
        return self.rng.randint(*self.noise.rider_late_s)

    def point(self, stop_id: str) -> Point | None:
        """Where the stop is."""
        stop = self.stop(stop_id)
        return None if stop is None else stop.point


def along(a: Point, b: Point, fraction: float) -> Point:
    """The point ``fraction`` of the way from ``a`` to ``b`` (straight line; close enough for a position report)."""
    f = min(max(fraction, 0.0), 1.0)
    return Point(a.lon + (b.lon - a.lon) * f, a.lat + (b.lat - a.lat) * f)
