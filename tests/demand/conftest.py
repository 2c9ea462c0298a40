"""Shared fixtures: the district's real stops (from the bundled DB HAFAS file) as virtual stops."""

from __future__ import annotations

import pytest

from mobility.demand import DemandParams, Zones, load_zones
from mobility.demand.data import default_data_dir, read_stops
from mobility.domain.stops import Stop


@pytest.fixture(scope="session")
def district_stops() -> list[Stop]:
    """Every bundled real stop as a Stop (index = position), municipality = the town after the last comma."""
    return [Stop(s.id, s.name, s.town, s.point, index=k) for k, s in enumerate(read_stops(default_data_dir()))]


@pytest.fixture(scope="session")
def district_zones(district_stops: list[Stop]) -> Zones:
    """The gravity-model zones over the district's stops with default parameters."""
    return load_zones(district_stops, DemandParams())
