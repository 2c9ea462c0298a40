"""Public stop search, network facts and map layers."""

from __future__ import annotations

from tests.booking.conftest import BERNBURG_HBF, Env
from tests.booking.test_offers import problem


def test_stop_search_finds_real_stops_regardless_of_accents(env: Env) -> None:
    """'stassfurt' finds stops of Staßfurt; names starting with the query come first."""
    hits = env.client.get("/api/v1/stops", params={"q": "stassfurt", "limit": 50}).json()
    assert hits
    assert all("Staßfurt" in f"{h['name']} {h['municipality']}" for h in hits)
    assert hits[0]["name"].startswith("Staßfurt")
    assert len(env.client.get("/api/v1/stops", params={"q": "bernburg hbf"}).json()) == 1


def test_every_stop_of_the_network_can_be_listed_for_the_map(env: Env) -> None:
    """Without a query, one call lists every stop of the network (the map draws them all)."""
    stops = env.client.get("/api/v1/stops", params={"limit": 1000}).json()
    assert len(stops) == len(env.parts.routing.network.stops)
    problem(env.client.get("/api/v1/stops", params={"limit": 1001}), 422)


def test_stop_by_id_and_unknown_stop(env: Env) -> None:
    """A stop is found by its DB HAFAS id; an unknown id is a 404 problem."""
    stop = env.client.get(f"/api/v1/stops/{BERNBURG_HBF}").json()
    assert stop["name"] == "Bernburg Hbf"
    assert stop["coordinates"] == [11.751455, 51.79612]
    problem(env.client.get("/api/v1/stops/0000"), 404)


def test_network_info_says_where_the_network_comes_from(env: Env) -> None:
    """Network info names the source (approximate here) so results from it are read with care."""
    info = env.client.get("/api/v1/network/info").json()
    assert info["source"] == "approximate"
    assert info["network_source"] == "approximate"
    assert info["stops"] == len(env.parts.routing.network.stops)


def test_map_layers_are_geojson(env: Env) -> None:
    """Roads and service area come as GeoJSON FeatureCollections in [lon, lat] order; the approximate network has no
    roads to draw (its straight links are none), so its road layer is empty and both layers say ``approximate``
    (real roads per zoom level: tests/regions/test_region_map.py)."""
    roads = env.client.get("/api/v1/network/roads.geojson").json()
    assert roads["type"] == "FeatureCollection"
    assert roads["approximate"] is True
    assert roads["features"] == []
    area = env.client.get("/api/v1/service-area.geojson").json()
    assert area["approximate"] is True
    assert area["features"][0]["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    lon, lat = area["features"][0]["geometry"]["coordinates"][0][0]
    assert 11.0 < lon < 12.5
    assert 51.5 < lat < 52.2
