"""A region pack from a real OSM extract and real stops, end to end: built, served (offers and feeds along the real
roads), a short simulated day and a short rehearsal on it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from booking.service.security import light_hasher
from mobility.app import build_services, create_app
from mobility.cli import app as cli
from mobility.config import REPO_ROOT, Settings
from mobility.domain.clock import ManualClock
from routing.network import load_network
from routing.region import load_pack
from routing.region.build import BuildReport
from tests.web.conftest import fresh_schema

#: Tuesday 10 March 2026, 08:00 in Bayreuth (07:00 UTC)
T0 = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
PASSWORD = "geheim-1234"


def test_pack_holds_every_part_with_provenance(bayreuth_pack: tuple[Path, BuildReport]) -> None:
    """All 27 real stops are served on one strongly connected real network; the default fleet's depot is a
    central stop of the largest town; every file has a source and a licence."""
    folder, report = bayreuth_pack
    pack = load_pack(folder)
    assert (report.stops_read, report.stops_served, report.components) == (27, 27, 1)
    assert report.depots[0]["name"] == "Ortsmitte, Neudrossenfeld"  # Neudrossenfeld has the most stops
    assert report.vehicles >= 2
    network = load_network(pack.network)
    assert network.meta.source == "osm-extract"
    assert {p["file"] for p in pack.provenance} >= {"network.npz", "stops.csv", "fleet.toml", "fares.toml"}
    assert all(p["licence"] for p in pack.provenance)
    assert (folder / "poolcars" / "stations.toml").is_file()
    assert json.loads((folder / "report.json").read_text())["stops_served"] == 27
    result = CliRunner().invoke(cli, ["region", "info", str(folder)])
    assert result.exit_code == 0, result.output
    assert "osm-extract" in result.output
    assert "ODbL" in result.output


STORES = ["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]


@pytest.fixture(params=STORES)
def served(request: pytest.FixtureRequest, bayreuth_pack: tuple[Path, BuildReport],
           tmp_path: Path) -> Iterator[TestClient]:
    """The service on the pack (a manual clock at 08:00) on SQLite, then on PostGIS (a fresh schema)."""
    with ExitStack() as stack:
        url, schema = f"sqlite:///{tmp_path / 'm.db'}", None
        if request.param == "postgis":
            url = request.getfixturevalue("postgis_url")
            schema = stack.enter_context(fresh_schema(url, "test_region_"))
        settings = Settings(region=bayreuth_pack[0], database_url=url, secret_key="k" * 40, data_dir=tmp_path,
                            cache_dir=tmp_path / "cache", tile_url="")
        parts = build_services(settings, clock=ManualClock(T0), hasher=light_hasher(), schema=schema)
        stack.callback(parts.engine.dispose)
        parts.services.accounts.add("erika", PASSWORD, "resident", "Erika")
        app = create_app(settings, parts=parts, background=False)
        with TestClient(app) as client:
            client.headers["Authorization"] = "Bearer " + client.post(
                "/api/v1/auth/token", data={"username": "erika", "password": PASSWORD}).json()["access_token"]
            yield client


def _road_vertices(folder: Path) -> set[tuple[float, float]]:
    a = load_network(load_pack(folder).network).arrays
    nodes = zip(a.node_lon.tolist(), a.node_lat.tolist(), strict=True)
    inner = zip(a.geom_lon.tolist(), a.geom_lat.tolist(), strict=True)
    return {(round(x, 5), round(y, 5)) for x, y in [*nodes, *inner]}


def test_offer_and_feed_follow_the_real_roads(served: TestClient, bayreuth_pack: tuple[Path, BuildReport]) -> None:
    """A ride from Harsdorf to Neudrossenfeld is offered and booked; the trips feed draws it along the OSM roads
    (every inner vertex of the line is a vertex of the real network), not as a straight line."""
    body = {"origin": {"stop_id": "462583"}, "destination": {"stop_id": "462838"},
            "departure": (T0 + timedelta(minutes=30)).isoformat()}
    offer = served.post("/api/v1/offers", json=body)
    assert offer.status_code == 201, offer.text
    booking = served.post("/api/v1/bookings", json={"offer_id": offer.json()["id"]})
    assert booking.status_code == 201, booking.text
    feed = served.get("/api/v1/feeds/trips.geojson").json()
    tours = [f for f in feed["features"] if f["properties"]["feature_type"] == "tour"]
    assert tours, feed
    line = [tuple(c) for c in tours[0]["geometry"]["coordinates"]]
    assert len(line) > 20  # ~7 km of winding rural road
    roads = _road_vertices(bayreuth_pack[0])
    inner = [(round(x, 5), round(y, 5)) for x, y in line[1:-1]]
    on_roads = sum(p in roads for p in inner)
    assert on_roads >= 0.9 * len(inner)
    info = served.get("/api/v1/network/info").json()
    assert info["source"] == "osm-extract"


def test_short_simulated_day_on_the_pack(bayreuth_pack: tuple[Path, BuildReport], tmp_path: Path) -> None:
    """``mobility simulate --region``: the pack's depots, fleet and demand data; every request ends, no violation."""
    out = tmp_path / "sim"
    result = CliRunner().invoke(cli, ["simulate", str(REPO_ROOT / "scenarios" / "tiny.toml"), "--region",
                                      str(bayreuth_pack[0]), "--requests", "12", "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "network: osm-extract" in result.output
    assert "violations 0, promises broken 0" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["kpis"]["requests"] == 12


@pytest.mark.parametrize("store", STORES)
def test_short_rehearsal_on_the_pack(request: pytest.FixtureRequest, store: str,
                                     bayreuth_pack: tuple[Path, BuildReport], tmp_path: Path) -> None:
    """``mobility rehearse --region``: half an hour of a morning through the real service on the pack, all checks ok
    (SQLite, then PostGIS in a fresh schema)."""
    out = tmp_path / "rehearsal"
    database = ["--database-url", request.getfixturevalue("postgis_url")] if store == "postgis" else []
    result = CliRunner().invoke(cli, ["rehearse", "--region", str(bayreuth_pack[0]), "--out", str(out),
                                      "--start", "07:00", "--hours", "0.5", "--requests", "4",
                                      "--solver-seconds", "0.2", *database])
    assert result.exit_code == 0, result.output
    assert "| requests | 4 |" in result.output
    assert "HTTP 5xx | 0" in result.output
