"""The service area from a boundary relation of the extract itself (offline): by relation id or by a tag such as
the official municipality key; stops outside it are dropped with that reason. A DB stop list (id, name, lat, lon)
is read like a GTFS stops.txt."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from mobility.cli import app as cli
from mobility.domain.geo import Point
from routing.network import load_network
from routing.region import load_pack
from tests.regions.conftest import BAYREUTH_STOPS, OSM

HEINERSREUTH = OSM / "heinersreuth-boundary.osm.pbf"  # roads + relation 1071000 (AGS 09472150)


def _build(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["region", "build", "--extract", str(HEINERSREUTH), "--out",
                                      str(tmp_path / "pack"), *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_boundary_by_official_key_from_the_extract(tmp_path: Path) -> None:
    code, out = _build(tmp_path, "--stops", str(BAYREUTH_STOPS),
                       "--osm-boundary", "de:amtlicher_gemeindeschluessel=09472150")
    assert code == 0, out
    pack = load_pack(tmp_path / "pack")
    network = load_network(pack.network)
    assert {s.municipality for s in network.stops} == {"Heinersreuth"}  # the five stops of the municipality
    assert len(network.stops) == 5
    network.check_inside(Point(11.529261, 49.970505))  # Rathaus, Heinersreuth
    assert "dropped Ortsmitte, Neudrossenfeld [462838]: outside the service area" in out
    assert any("09472150" in p["source"] for p in pack.provenance)


def test_boundary_by_relation_id_from_the_extract(tmp_path: Path) -> None:
    code, out = _build(tmp_path, "--stops", str(BAYREUTH_STOPS), "--osm-relation", "1071000")
    assert code == 0, out
    assert load_pack(tmp_path / "pack").validation["stops_served"] == 5


def test_unknown_boundary_tag_names_the_extract(tmp_path: Path) -> None:
    code, out = _build(tmp_path, "--stops", str(BAYREUTH_STOPS), "--osm-boundary",
                       "de:amtlicher_gemeindeschluessel=15089")
    assert code == 1
    assert (f"{HEINERSREUTH}: holds no complete boundary relation tagged de:amtlicher_gemeindeschluessel=15089"
            in out.replace("\n", ""))


def test_db_stop_list_is_read_as_stops(tmp_path: Path) -> None:
    stops = tmp_path / "stops_db.csv"
    rows = list(csv.DictReader(BAYREUTH_STOPS.open(encoding="utf-8")))
    with stops.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "name", "type", "lat", "lon", "weight"])
        writer.writeheader()
        for r in rows:
            writer.writerow({"id": r["stop_id"], "name": r["stop_name"], "type": "stop", "lat": r["stop_lat"],
                             "lon": r["stop_lon"], "weight": 1})
    code, out = _build(tmp_path, "--stops", str(stops), "--osm-relation", "1071000")
    assert code == 0, out
    assert load_pack(tmp_path / "pack").validation["stops_served"] == 5
