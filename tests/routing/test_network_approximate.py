"""The bundled approximate district network: reproducible, plausible, labelled as approximate."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from mobility.config import DEFAULT_NETWORK, REPO_ROOT
from mobility.domain.geo import Point, haversine_m
from mobility.domain.stops import StopKind
from routing.network import RoadNetwork
from routing.network.build import build_approximate
from routing.stops.sources import municipality_names

DISTRICT_DATA = REPO_ROOT / "data" / "salzlandkreis"


def _seats() -> list[tuple[str, Point]]:
    with (DISTRICT_DATA / "gemeinden_gv100ad_2023-11-30.csv").open(encoding="utf-8") as fh:
        return [(r["seat_geonames"], Point(float(r["seat_lon"]), float(r["seat_lat"]))) for r in csv.DictReader(fh)]


def test_bundled_network_is_marked_approximate(district_network: RoadNetwork) -> None:
    """The bundled network says source = approximate and names its data licences."""
    assert district_network.meta.source == "approximate"
    assert district_network.meta.is_approximate
    assert "GeoNames" in district_network.meta.attribution
    assert "DB InfraGO" in district_network.meta.attribution


def test_bundled_network_is_reproducible_from_repo_data(district_network: RoadNetwork) -> None:
    """Rebuilding from data/salzlandkreis yields the same content hash as the committed artefact."""
    rebuilt = build_approximate(DISTRICT_DATA)
    assert rebuilt.meta.hash == district_network.meta.hash
    assert DEFAULT_NETWORK.stat().st_size < 3_000_000


def test_stops_belong_to_the_21_municipalities(district_network: RoadNetwork) -> None:
    """Every virtual stop lies in one of the district's 21 municipalities, and each municipality has stops."""
    names = set(municipality_names(DISTRICT_DATA))
    assert len(names) == 21
    seen = {s.municipality for s in district_network.stops}
    assert seen == names
    assert not any("Falkenstein" in s.name or "Gerbstedt" in s.name for s in district_network.stops)
    assert 550 <= len(district_network.stops) <= 750


def test_settlements_without_stop_get_meeting_points(district_network: RoadNetwork) -> None:
    """A settlement more than 1 km from any stop (Edlau) gets a meeting point, named as such."""
    meeting = [s for s in district_network.stops if s.kind == StopKind.MEETING_POINT]
    assert any(s.name.startswith("Edlau") for s in meeting)
    assert all("Treffpunkt" in s.name for s in meeting)


def test_stop_indices_are_matrix_rows(district_network: RoadNetwork) -> None:
    """Stop i has index i, and ids are unique."""
    assert [s.index for s in district_network.stops] == list(range(len(district_network.stops)))
    assert len({s.id for s in district_network.stops}) == len(district_network.stops)


def test_town_to_town_circuity_and_speed_are_plausible(district_network: RoadNetwork) -> None:
    """Between municipality seats > 5 km apart: detour factor 1.15–1.5 and average speed 45–75 km/h."""
    seats = _seats()
    nodes = np.array([district_network.nearest_node(p) for _, p in seats])
    durations, distances = district_network.matrix_between(nodes, nodes)
    checked = 0
    for i, (name_a, a) in enumerate(seats):
        for j, (name_b, b) in enumerate(seats):
            straight = haversine_m(a, b)
            if straight <= 5_000:
                continue
            checked += 1
            assert 1.15 <= distances[i, j] / straight <= 1.5, (name_a, name_b)
            assert 45 <= distances[i, j] / durations[i, j] * 3.6 <= 75, (name_a, name_b)
    assert checked > 300


def test_stop_pairs_circuity_is_plausible(district_network: RoadNetwork) -> None:
    """At least 99 % of stop pairs more than 5 km apart have a detour factor of 1.15–1.5."""
    matrix = district_network.stop_matrix(None)
    lon = np.radians([s.point.lon for s in district_network.stops])
    lat = np.radians([s.point.lat for s in district_network.stops])
    h = (
        np.sin((lat[None, :] - lat[:, None]) / 2) ** 2
        + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin((lon[None, :] - lon[:, None]) / 2) ** 2
    )
    straight = 2 * 6_371_008.8 * np.arcsin(np.sqrt(h))
    far = straight > 5_000
    ratio = matrix.distances[far] / straight[far]
    share = np.mean((ratio >= 1.15) & (ratio <= 1.5))
    assert share >= 0.99


def test_network_is_strongly_connected(district_network: RoadNetwork) -> None:
    """Only the largest strongly connected component is kept: every stop reaches every stop."""
    matrix = district_network.stop_matrix(None)
    assert np.all(matrix.durations >= 0)
    assert np.all(matrix.durations < 3 * 3600)
    same_node = district_network.stop_nodes[:, None] == district_network.stop_nodes[None, :]
    assert np.all((matrix.durations == 0) == same_node)


@pytest.mark.parametrize(("a", "b"), [("Staßfurt", "Bernburg"), ("Aschersleben", "Schönebeck")])
def test_known_trip_takes_sensible_time(district_network: RoadNetwork, a: str, b: str) -> None:
    """Town-centre trips take as long as on real roads within a wide margin (15–45 min)."""
    seats = dict(_seats())
    route = district_network.route(seats[a], seats[b])
    assert 15 * 60 <= route.duration_s <= 45 * 60
    assert route.geometry[0] != route.geometry[-1]
