"""Geographic primitives: WGS84 points in ``(lon, lat)`` order and great-circle distances."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class Point:
    """A WGS84 position; ``lon`` and ``lat`` in degrees (GeoJSON order)."""

    lon: float
    lat: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lon) and math.isfinite(self.lat)):
            msg = f"coordinates must be finite numbers, got lon={self.lon!r}, lat={self.lat!r}"
            raise ValueError(msg)
        if not -180.0 <= self.lon <= 180.0:
            msg = f"longitude {self.lon} is outside -180..180"
            raise ValueError(msg)
        if not -90.0 <= self.lat <= 90.0:
            msg = f"latitude {self.lat} is outside -90..90"
            raise ValueError(msg)

    def as_lonlat(self) -> tuple[float, float]:
        """The point as a GeoJSON position ``(lon, lat)``."""
        return (self.lon, self.lat)


def haversine_m(a: Point, b: Point) -> float:
    """Great-circle distance between two points (metres)."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi = phi2 - phi1
    dlmb = math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
