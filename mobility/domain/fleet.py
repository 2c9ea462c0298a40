"""Vehicles, their types and shifts: minibuses and volunteer-driven pool cars."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mobility.domain.geo import Point
from mobility.domain.rides import Load


class VehicleKind(StrEnum):
    """What kind of vehicle serves rides."""

    MINIBUS = "minibus"
    POOL_CAR = "pool_car"  # a county pool car driven by a volunteer driver


@dataclass(frozen=True, slots=True)
class VehicleType:
    """A model of vehicle with its capacity vector."""

    id: str
    name: str
    kind: VehicleKind
    capacity: Load
    co2_g_per_km: int = 0


@dataclass(frozen=True, slots=True)
class Break:
    """A driver's break: ``duration_s`` seconds starting somewhere in [earliest_start, latest_start]."""

    earliest_start: datetime
    latest_start: datetime
    duration_s: int


@dataclass(frozen=True, slots=True)
class Shift:
    """When a vehicle is available, with an optional break."""

    start: datetime
    end: datetime
    break_: Break | None = None

    def __post_init__(self) -> None:
        if self.end <= self.start:
            msg = f"shift ends ({self.end.isoformat()}) before it starts ({self.start.isoformat()})"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A vehicle of the fleet with its depot and shifts."""

    id: str
    name: str
    type: VehicleType
    depot: Point
    depot_name: str
    shifts: tuple[Shift, ...]
    in_service: bool = True
