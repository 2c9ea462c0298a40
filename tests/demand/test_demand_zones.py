"""Gravity-model zones: residents add up to the real population, attractors add attraction."""

from __future__ import annotations

import numpy as np
import pytest

from mobility.demand import DemandParams, load_zones
from mobility.demand.data import default_data_dir, read_municipalities, read_stops
from mobility.demand.zones import ZoneError, assign_municipalities
from mobility.domain.geo import Point
from mobility.domain.stops import Stop


def test_residents_add_up_per_municipality(district_stops: list[Stop]) -> None:
    """Every municipality's residents over its stops equal its Destatis population."""
    zones = load_zones(district_stops, DemandParams())
    for m, municipality in enumerate(zones.municipalities):
        mine = zones.municipality_of == m
        assert zones.residents[mine].sum() == pytest.approx(municipality.population)
    assert zones.residents.sum() == pytest.approx(186_420)


def test_attraction_adds_attractor_weights(district_stops: list[Stop]) -> None:
    """Attraction = residents + the weights of attached attractors (county office stop gets its 3,000)."""
    params = DemandParams()
    zones = load_zones(district_stops, params)
    assert np.all(zones.attraction >= zones.residents)
    karlsplatz = next(k for k, s in enumerate(district_stops) if s.name == "Karlsplatz, Bernburg (Saale)")
    assert zones.attraction[karlsplatz] - zones.residents[karlsplatz] >= params.attractors.county_office


def test_unnamed_stop_takes_nearest_named_municipality() -> None:
    """A station named without a town ('Bernburg Hbf') belongs to the municipality of the nearest named stop."""
    stop = Stop("x", "Bernburg Hbf", "", Point(11.751455, 51.79612))
    municipalities = read_municipalities(default_data_dir())
    owner = assign_municipalities([stop], municipalities, read_stops(default_data_dir()))
    assert municipalities[int(owner[0])].short_name == "Bernburg (Saale)"


def test_too_few_stops_is_an_error(district_stops: list[Stop]) -> None:
    """A demand model over fewer than two stops is refused with a clear message."""
    with pytest.raises(ZoneError, match="at least two stops"):
        load_zones(district_stops[:1], DemandParams())
