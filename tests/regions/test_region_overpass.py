"""The online path of ``mobility region build --overpass``: osmnx's real download code against the local stand-in
Overpass server (tests/routing/test_network_overpass.py) serving the real Heidelberg old-town roads."""

from __future__ import annotations

import json
from pathlib import Path

from shapely.geometry import mapping
from typer.testing import CliRunner

from mobility.cli import app as cli
from routing.network import load_network
from routing.region import load_pack
from tests.regions.conftest import HEIDELBERG_STOPS
from tests.routing.test_network_overpass import AREA, _StandIn, overpass_standin

__all__ = ["overpass_standin"]  # the fixture, used by name below


def test_region_pack_from_overpass(overpass_standin: type[_StandIn], tmp_path: Path) -> None:
    """The boundary goes to Overpass as a polygon 'drive' query; the pack serves the real stops inside it."""
    boundary = tmp_path / "altstadt.geojson"
    boundary.write_text(json.dumps(mapping(AREA)), encoding="utf-8")
    out = tmp_path / "heidelberg"
    result = CliRunner().invoke(cli, ["region", "build", "--overpass", "--boundary", str(boundary),
                                      "--stops", str(HEIDELBERG_STOPS), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert overpass_standin.queries
    assert "poly:" in overpass_standin.queries[0]
    pack = load_pack(out)
    network = load_network(pack.network)
    assert network.meta.source == "overpass"
    assert pack.validation["strongly_connected_components"] == 1
    assert 20 <= network.meta.stops <= 60
    assert any(p["source"] == "OpenStreetMap via the Overpass API" for p in pack.provenance)


def test_overpass_without_an_area_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["region", "build", "--overpass", "--stops", str(HEIDELBERG_STOPS),
                                      "--out", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert "--overpass needs the area to download" in result.output
