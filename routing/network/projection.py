"""A local equirectangular projection (metres) for nearest-neighbour search within one region."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from mobility.domain.geo import EARTH_RADIUS_M


@dataclass(frozen=True)
class LocalProjection:
    """Maps lon/lat to metres around a centre; error below 0.1 % across a district-sized region."""

    lon0: float
    lat0: float

    @classmethod
    def around(cls, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> LocalProjection:
        """A projection centred on the middle of the given coordinates."""
        return cls(float((lon.min() + lon.max()) / 2), float((lat.min() + lat.max()) / 2))

    def xy(self, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.float64]:
        """``(n, 2)`` array of projected coordinates (metres)."""
        k = math.pi / 180 * EARTH_RADIUS_M
        x = (np.asarray(lon) - self.lon0) * k * math.cos(math.radians(self.lat0))
        y = (np.asarray(lat) - self.lat0) * k
        return np.column_stack([x, y])

    def lonlat(self, xy: NDArray[np.float64]) -> NDArray[np.float64]:
        """The inverse of :meth:`xy`: ``(n, 2)`` array of (lon, lat) of projected coordinates."""
        k = math.pi / 180 * EARTH_RADIUS_M
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        lon = xy[:, 0] / (k * math.cos(math.radians(self.lat0))) + self.lon0
        lat = xy[:, 1] / k + self.lat0
        return np.column_stack([lon, lat])
