"""Results of network queries: a snapped stop, a route, times from one point to many stops."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from mobility.domain.stops import Stop

if TYPE_CHECKING:
    from shapely.geometry import LineString


@dataclass(frozen=True)
class StopSnap:
    """The stop nearest to a point and the straight-line walk to it (metres)."""

    stop: Stop
    walk_m: int


@dataclass(frozen=True)
class Route:
    """The fastest drive between two points: time (seconds), distance (metres), line ``[(lon, lat), …]``."""

    duration_s: int
    distance_m: int
    geometry: list[tuple[float, float]]

    def linestring(self) -> LineString:
        """The route as a shapely ``LineString`` (WGS84; a single point is repeated)."""
        from shapely.geometry import LineString

        coords = self.geometry if len(self.geometry) > 1 else self.geometry * 2
        return LineString(coords)


@dataclass(frozen=True)
class OneToMany:
    """Driving times (seconds) and distances (metres) from one point to the stops in ``stop_indices``."""

    stop_indices: NDArray[np.int64]
    durations: NDArray[np.int32]
    distances: NDArray[np.int32]
