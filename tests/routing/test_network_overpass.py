"""The Overpass path: osmnx's real download code against a local stand-in serving real OSM data."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import osmnx as ox
import pytest
from shapely.geometry import box, mapping
from typer.testing import CliRunner

from mobility.cli import app
from mobility.config import REPO_ROOT
from routing.network import NoDrivableRoads, load_network
from routing.network.build import build_osm
from routing.network.osm_io import read_drivable

HEIDELBERG_PBF = REPO_ROOT / "tests" / "data" / "osm" / "heidelberg-altstadt.osm.pbf"
STATUS = (
    "Connected as: 2130706433\nCurrent time: 2024-09-08T20:21:00Z\nAnnounced endpoint: none\n"
    "Rate limit: 2\n2 slots available now.\nCurrently running queries (pid, space limit, time limit, start time):\n"
)


AREA = box(8.68, 49.402, 8.70, 49.416)
#: A Nominatim search result in the service's format; its polygon is the test area in Heidelberg.
NOMINATIM_RESULT = {
    "place_id": 1,
    "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
    "osm_type": "relation",
    "osm_id": 1,
    "lat": "49.409",
    "lon": "8.69",
    "class": "boundary",
    "type": "administrative",
    "importance": 0.5,
    "display_name": "Altstadt, Heidelberg, Baden-Württemberg, Deutschland",
    "boundingbox": ["49.402", "49.416", "8.68", "8.70"],
    "geojson": mapping(AREA),
}


class _StandIn(BaseHTTPRequestHandler):
    """Answers /status like Overpass and /interpreter with the drivable ways of a real extract."""

    payload: bytes = b""
    queries: list[str] = []  # noqa: RUF012  (shared per test through the class)

    def do_GET(self) -> None:
        if self.path.startswith("/nominatim/search"):
            self.queries.append(self.path)
            body, kind = json.dumps([NOMINATIM_RESULT]).encode(), "application/json"
        else:
            body, kind = STATUS.encode(), "text/plain"
        self.send_response(200 if self.path.endswith("/status") or kind == "application/json" else 404)
        self.send_header("Content-Type", kind)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode())
        self.queries.append(form.get("data", [""])[0])
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.payload)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def overpass_standin(tmp_path: Path) -> Iterator[type[_StandIn]]:
    """A stand-in Overpass server on 127.0.0.1 (random port); osmnx points at it with a private cache."""
    handler: type[_StandIn] = type("Handler", (_StandIn,), {"queries": []})
    handler.payload = json.dumps(read_drivable(HEIDELBERG_PBF).overpass_json()).encode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    s = ox.settings
    saved = (s.overpass_url, s.nominatim_url, s.use_cache, s.cache_folder, s.requests_timeout)
    ox.settings.overpass_url = f"http://127.0.0.1:{server.server_address[1]}/api"
    ox.settings.nominatim_url = f"http://127.0.0.1:{server.server_address[1]}/nominatim"
    ox.settings.use_cache = False
    ox.settings.cache_folder = str(tmp_path / "osmnx-cache")
    ox.settings.requests_timeout = 10
    try:
        yield handler
    finally:
        s.overpass_url, s.nominatim_url, s.use_cache, s.cache_folder, s.requests_timeout = saved
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_overpass_download_builds_the_network(overpass_standin: type[_StandIn]) -> None:
    """osmnx sends a 'drive' query for the polygon; the answer becomes an 'overpass' network of real roads."""
    net = build_osm("overpass", polygon=AREA)
    assert net.meta.source == "overpass"
    assert len(overpass_standin.queries) >= 1
    query = overpass_standin.queries[0]
    assert '["highway"]' in query
    assert "poly:" in query
    assert "track" in query  # the drive filter excludes tracks
    assert 100 <= net.arrays.n_nodes <= 1_500
    assert net.arrays.edge_time_s.min() >= 1
    assert 8.68 <= net.arrays.node_lon.min() <= net.arrays.node_lon.max() <= 8.70


def test_overpass_answer_without_roads_is_a_clear_error(overpass_standin: type[_StandIn]) -> None:
    """An empty Overpass answer raises NoDrivableRoads instead of an osmnx internal error."""
    overpass_standin.payload = json.dumps({"version": 0.6, "elements": []}).encode()
    with pytest.raises(NoDrivableRoads, match="Overpass returned no drivable road"):
        build_osm("overpass", polygon=box(8.68, 49.402, 8.70, 49.416))


def test_cli_builds_from_overpass_for_a_place(overpass_standin: type[_StandIn], tmp_path: Path) -> None:
    """`network build --overpass --place` geocodes the place, downloads and writes an 'overpass' network."""
    out = tmp_path / "place.network.npz"
    args = ["network", "build", "--overpass", "--place", "Altstadt, Heidelberg", "--out", str(out), "--no-matrix"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "source: overpass" in result.output
    assert any(q.startswith("/nominatim/search") for q in overpass_standin.queries)
    assert load_network(out).meta.source == "overpass"
