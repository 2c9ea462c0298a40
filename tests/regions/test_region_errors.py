"""Bad input to ``mobility region build`` and to a pack: one clear error naming the file, row or vehicle — never a
traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mobility.cli import app as cli
from routing.region.build import BuildReport
from tests.regions.conftest import BAYREUTH_ROADS, BAYREUTH_STOPS, TRACKS_ONLY


def _build(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["region", "build", "--out", str(tmp_path / "pack"), *args])
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    return result.exit_code, result.output


def test_empty_stops_file(tmp_path: Path) -> None:
    stops = tmp_path / "stops.txt"
    stops.write_text("stop_id,stop_name,stop_lat,stop_lon\n", encoding="utf-8")
    code, out = _build(tmp_path, "--extract", str(BAYREUTH_ROADS), "--stops", str(stops))
    assert code == 1
    assert f"{stops}: the stops file lists no stop" in out


def test_stops_file_without_coordinates(tmp_path: Path) -> None:
    stops = tmp_path / "stops.txt"
    stops.write_text("stop_id,stop_name\n1,Ortsmitte\n", encoding="utf-8")
    code, out = _build(tmp_path, "--extract", str(BAYREUTH_ROADS), "--stops", str(stops))
    assert code == 1
    assert "column(s) stop_lat, stop_lon missing" in out
    assert str(stops) in out


def test_rows_without_coordinates_are_left_out_with_the_line(tmp_path: Path) -> None:
    stops = tmp_path / "stops.txt"
    lines = BAYREUTH_STOPS.read_text(encoding="utf-8").splitlines()
    stops.write_text("\n".join([*lines, "999,\"Nirgendwo, Harsdorf\",,"]) + "\n", encoding="utf-8")
    code, out = _build(tmp_path, "--extract", str(BAYREUTH_ROADS), "--stops", str(stops))
    assert code == 0, out
    assert f"left out {stops} line {len(lines) + 1} (stop_id 999): stop_lat/stop_lon missing" in out


def test_extract_without_drivable_roads(tmp_path: Path) -> None:
    code, out = _build(tmp_path, "--extract", str(TRACKS_ONLY), "--stops", str(BAYREUTH_STOPS))
    assert code == 1
    assert str(TRACKS_ONLY) in out
    assert "no drivable road" in out


def test_depot_outside_the_network_names_the_vehicle(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.toml"
    fleet.write_text("""
[vehicle_types.minibus]
name = "Kleinbus"
kind = "minibus"
seats = 8
[shift_patterns.day]
days = "Mo-So"
start = "06:00"
end = "14:00"
[[depots]]
id = "bernburg"
stop_id = "959000"
name = "Busbahnhof, Bernburg (Saale)"
lon = 11.744332
lat = 51.795655
[[groups]]
depot = "bernburg"
type = "minibus"
count = 2
prefix = "BBG-"
shifts = ["day"]
""", encoding="utf-8")
    code, out = _build(tmp_path, "--extract", str(BAYREUTH_ROADS), "--stops", str(BAYREUTH_STOPS),
                       "--fleet", str(fleet))
    assert code == 1
    assert f"{fleet}: depot 'bernburg'" in out
    assert "vehicle BBG-1 and 1 more lies outside the service area" in out


def test_serving_a_pack_with_a_station_outside_the_network_is_refused(
        bayreuth_pack: tuple[Path, BuildReport], tmp_path: Path) -> None:
    """A pool-car station moved out of the region: ``mobility serve --region`` names the station and stops."""
    import shutil

    folder = tmp_path / "pack"
    shutil.copytree(bayreuth_pack[0], folder)
    stations = folder / "poolcars" / "stations.toml"
    text = stations.read_text(encoding="utf-8")
    first_lat = next(line for line in text.splitlines() if line.startswith("lat = "))
    stations.write_text(text.replace(first_lat, "lat = 51.0", 1), encoding="utf-8")
    result = CliRunner().invoke(cli, ["serve", "--region", str(folder), "--database-url",
                                      f"sqlite:///{tmp_path / 'm.db'}"],
                                env={"MOBILITY_SECRET_KEY": "s" * 40, "MOBILITY_DATA_DIR": str(tmp_path),
                                     "MOBILITY_CACHE_DIR": str(tmp_path / "cache")})
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "station #1" in result.output
    assert "lies outside the service area" in result.output


def test_serving_a_folder_that_is_no_pack(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--region", str(tmp_path)], env={"MOBILITY_SECRET_KEY": "s" * 40})
    assert result.exit_code == 2
    assert f"{tmp_path / 'region.toml'}: cannot read the region manifest" in result.output


@pytest.mark.parametrize("bad", ["speeds = 3", "[speeds]\nresidential = 500", "[factors]\nhighway = 1.0"])
def test_bad_speed_file(tmp_path: Path, bad: str) -> None:
    speeds = tmp_path / "speeds.toml"
    speeds.write_text(bad + "\n", encoding="utf-8")
    code, out = _build(tmp_path, "--extract", str(BAYREUTH_ROADS), "--stops", str(BAYREUTH_STOPS),
                       "--speeds", str(speeds))
    assert code == 1
    assert str(speeds) in out


def test_report_lists_dropped_stops_with_reasons(tmp_path: Path) -> None:
    """A stop far outside the roads' area is dropped with its reason; the rest are served."""
    stops = tmp_path / "stops.txt"
    boundary = tmp_path / "area.geojson"
    boundary.write_text(json.dumps({"type": "Polygon", "coordinates": [[[11.48, 49.97], [11.60, 49.97],
                                                                        [11.60, 50.04], [11.48, 50.04],
                                                                        [11.48, 49.97]]]}), encoding="utf-8")
    lines = BAYREUTH_STOPS.read_text(encoding="utf-8").splitlines()
    stops.write_text("\n".join([*lines, "4242,\"Weit weg, Bayreuth\",49.90,11.58"]) + "\n", encoding="utf-8")
    code, out = _build(tmp_path, "--extract", str(BAYREUTH_ROADS), "--stops", str(stops), "--boundary",
                       str(boundary))
    assert code == 0, out
    report = json.loads((tmp_path / "pack" / "report.json").read_text())
    reasons = {d["id"]: d["reason"] for d in report["stops_dropped"]}
    assert reasons["4242"] == "outside the service area"
    assert "dropped Weit weg, Bayreuth [4242]: outside the service area" in out
