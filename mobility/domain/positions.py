"""Vehicle positions reported by the driver's device while on duty (kept only as long as needed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mobility.domain.geo import Point


@dataclass(frozen=True, slots=True)
class VehiclePosition:
    """Where a vehicle was at ``at`` (WGS84), with the device's accuracy, speed and heading when known."""

    vehicle_id: str
    point: Point
    at: datetime
    accuracy_m: float | None = None
    speed_mps: float | None = None
    heading_deg: float | None = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            msg = "a position needs a timezone-aware time"
            raise ValueError(msg)
