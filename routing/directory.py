"""The road network as the domain's StopDirectory: stops, snapping, service area and leg geometry."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from mobility.domain.geo import Point
from mobility.domain.stops import Stop

if TYPE_CHECKING:
    from routing.network import RoadNetwork

DEFAULT_WALK_LIMIT_M = 500
# road lines kept per (origin stop, destination stop); the network is immutable, so they never go stale. A few
# thousand pairs are in a plan; on the bundled network a line has ~12 positions (~1.5 KB), 20,000 lines ~30 MB.
LEG_CACHE_SIZE = 20_000


class NetworkStopDirectory:
    """Implements :class:`mobility.domain.ports.StopDirectory` over a :class:`routing.network.RoadNetwork`.

    ``walk_limit_m`` is used when :meth:`snap` is called without a limit.
    """

    def __init__(self, network: RoadNetwork, *, walk_limit_m: int = DEFAULT_WALK_LIMIT_M) -> None:
        if walk_limit_m <= 0:
            msg = f"walking limit must be positive, got {walk_limit_m} m"
            raise ValueError(msg)
        self.network = network
        self.walk_limit_m = walk_limit_m
        self._geometry = lru_cache(maxsize=LEG_CACHE_SIZE)(self._route_line)

    @property
    def network_source(self) -> str:
        """Where the road network comes from (``approximate``, ``osm-extract`` or ``overpass``)."""
        return str(self.network.meta.source)

    def stops(self) -> Sequence[Stop]:
        """All virtual stops (``stops()[i].index == i``)."""
        return self.network.stops

    def find_stop(self, name_or_id: str) -> Stop:
        """The stop with this id or name; ``ValueError`` naming the input otherwise."""
        return self.network.find_stop(name_or_id)

    def snap(self, point: Point, walk_limit_m: int | None = None) -> tuple[Stop, int]:
        """The nearest stop within the walking limit and the walk to it (metres); ``ValueError`` otherwise."""
        snapped = self.network.snap(point, walk_limit_m or self.walk_limit_m)
        return snapped.stop, int(snapped.walk_m)

    def in_service_area(self, point: Point) -> bool:
        """Whether ``point`` lies in the service area."""
        try:
            self.network.check_inside(point)
        except ValueError:
            return False
        return True

    def leg_geometry(self, origin: Stop, destination: Stop) -> Sequence[tuple[float, float]]:
        """The road line between two stops as ``(lon, lat)`` positions (cached per stop pair, LRU)."""
        return self._geometry(origin.index, destination.index)

    def _route_line(self, a: int, b: int) -> tuple[tuple[float, float], ...]:
        stops = self.network.stops
        start, end = stops[a].point, stops[b].point
        if a == b:
            return (start.as_lonlat(), end.as_lonlat())
        line = self.network.route(start, end).geometry
        return (start.as_lonlat(), *line, end.as_lonlat())
