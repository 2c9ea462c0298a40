"""Demand generation from real population, settlements, stops and attractors of the district (seeded)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from mobility.demand.data import default_data_dir, read_municipalities, read_settlements, read_stops
from mobility.demand.generator import SyntheticRequest, generate_requests
from mobility.demand.params import DemandParams
from mobility.demand.zones import Zones, build_zones
from mobility.domain.stops import Stop

__all__ = ["DemandParams", "SyntheticRequest", "Zones", "build_demand", "load_zones"]


def load_zones(stops: Sequence[Stop], params: DemandParams) -> Zones:
    """The gravity model's zones over ``stops``, from the bundled (or configured) district data."""
    data_dir = Path(params.data_dir) if params.data_dir else default_data_dir()
    return build_zones(
        stops, read_municipalities(data_dir), read_settlements(data_dir), read_stops(data_dir), params
    )


def build_demand(
    stops: Sequence[Stop], params: DemandParams, day: date, tz: ZoneInfo, seed: int
) -> tuple[Zones, list[SyntheticRequest]]:
    """Zones and the day's requests over ``stops``; same inputs and seed → identical requests."""
    zones = load_zones(stops, params)
    return zones, generate_requests(zones, params, day, tz, seed)
