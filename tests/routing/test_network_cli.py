"""``mobility network build|info|route``: real commands on the bundled and real OSM data."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mobility.cli import app
from mobility.config import REPO_ROOT

runner = CliRunner()
HEIDELBERG_PBF = REPO_ROOT / "tests" / "data" / "osm" / "heidelberg-altstadt.osm.pbf"


def test_info_says_source_approximate() -> None:
    """`network info` on the bundled network names the source as approximate and shows the counts."""
    result = runner.invoke(app, ["network", "info"])
    assert result.exit_code == 0, result.output
    assert "source: approximate" in result.output
    for label in ("nodes:", "edges:", "road:", "bbox:", "stops:"):
        assert label in result.output


def test_route_between_stop_names() -> None:
    """`network route` between two stops prints the source, time and distance."""
    result = runner.invoke(app, ["network", "route", "Bernburg Hbf", "Schönebeck(Elbe)"])
    assert result.exit_code == 0, result.output
    assert "source: approximate" in result.output
    assert "time:" in result.output
    assert "km" in result.output


def test_route_from_coordinates() -> None:
    """`network route` accepts lon,lat pairs."""
    result = runner.invoke(app, ["network", "route", "11.5851,51.8519", "11.7401,51.7946"])
    assert result.exit_code == 0, result.output
    assert "from: 11.58510,51.85190" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Nirgendwo, Atlantis", "Bernburg Hbf"], "unknown stop 'Nirgendwo, Atlantis'"),
        (["12.3731,51.3397", "Bernburg Hbf"], "outside the service area"),
    ],
)
def test_route_errors_are_clear(args: list[str], message: str) -> None:
    """An unknown stop or a point outside the area exits 1 with an error naming the input."""
    result = runner.invoke(app, ["network", "route", *args])
    assert result.exit_code == 1
    assert message in result.output


def test_missing_network_file(tmp_path: Path) -> None:
    """A missing network file exits 1 naming the path."""
    result = runner.invoke(app, ["network", "info", "--network", str(tmp_path / "none.network.npz")])
    assert result.exit_code == 1
    assert "none.network.npz" in result.output


def test_build_from_extract_then_info(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`network build --extract` writes an osm-extract network that `info` then reads."""
    monkeypatch.setenv("MOBILITY_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "hd.network.npz"
    result = runner.invoke(app, ["network", "build", "--extract", str(HEIDELBERG_PBF), "--no-clip", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "source: osm-extract" in result.output
    info = runner.invoke(app, ["network", "info", "--network", str(out)])
    assert "source: osm-extract" in info.output


def test_build_needs_exactly_one_source() -> None:
    """Building with no source or two sources is refused."""
    result = runner.invoke(app, ["network", "build", "--approximate", "--overpass"])
    assert result.exit_code == 1
    assert "exactly one" in result.output


def test_build_from_bad_file(tmp_path: Path) -> None:
    """Building from a file that is no OSM extract exits 1 naming it."""
    bad = tmp_path / "stops.csv"
    bad.write_text("id,name\n")
    result = runner.invoke(app, ["network", "build", "--extract", str(bad), "--out", str(tmp_path / "x.npz")])
    assert result.exit_code == 1
    assert "stops.csv is not an OSM file" in result.output
