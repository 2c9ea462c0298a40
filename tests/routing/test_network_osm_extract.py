"""Building the network from real OSM extracts (cut-down Heidelberg and north-Bayreuth data)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import box

from mobility.config import REPO_ROOT
from mobility.domain.geo import Point, haversine_m
from mobility.domain.stops import StopKind
from routing.network import NetworkFileError, NoDrivableRoads, RoadNetwork, load_network, save_network
from routing.network.build import build_osm
from routing.network.osm_io import is_drivable, read_drivable
from routing.network.speeds import ROAD_CLASSES
from routing.stops import StopCandidate

BAYREUTH = REPO_ROOT / "tests" / "data" / "osm" / "north-bayreuth-roads.osm.gz"
NEUDROSSENFELD = Point(11.5011482, 50.0183416)
HARSDORF = Point(11.5686144, 50.027467)


def test_heidelberg_counts_and_times_are_plausible(heidelberg_network: RoadNetwork) -> None:
    """The old-town extract gives a few hundred nodes, all travel times and lengths finite and positive."""
    arr, meta = heidelberg_network.arrays, heidelberg_network.meta
    assert meta.source == "osm-extract"
    assert "OpenStreetMap" in meta.attribution
    assert 200 <= arr.n_nodes <= 2_000
    assert 1.5 <= arr.n_edges / arr.n_nodes <= 3.5
    assert 20 <= meta.road_km <= 200
    assert arr.edge_time_s.min() >= 1
    assert arr.edge_length_m.min() >= 1
    speeds = arr.edge_length_m / arr.edge_time_s * 3.6
    assert speeds.max() <= 140
    matrix = heidelberg_network.matrix_between(np.arange(0, arr.n_nodes, 25), np.arange(0, arr.n_nodes, 7))
    assert np.all(matrix[0] >= 0)
    assert np.all(matrix[0] < 3_600)


def test_bayreuth_has_rural_road_classes(bayreuth_network: RoadNetwork) -> None:
    """The rural extract keeps motorway, secondary, tertiary and unclassified roads, no tracks."""
    classes = {ROAD_CLASSES[c] for c in np.unique(bayreuth_network.arrays.edge_class)}
    assert {"motorway", "secondary", "tertiary", "unclassified"} <= classes
    assert "service" not in classes


def test_village_to_village_route_is_sensible(bayreuth_network: RoadNetwork) -> None:
    """Neudrossenfeld → Harsdorf (~5 km apart) takes 4–15 minutes over 1.0–1.8 × the straight line."""
    route = bayreuth_network.route(NEUDROSSENFELD, HARSDORF)
    straight = haversine_m(NEUDROSSENFELD, HARSDORF)
    assert 4 * 60 <= route.duration_s <= 15 * 60
    assert 1.0 <= route.distance_m / straight <= 1.8
    assert len(route.geometry) > 10
    back = bayreuth_network.route(HARSDORF, NEUDROSSENFELD)
    assert abs(back.duration_s - route.duration_s) <= 0.2 * route.duration_s


def test_clip_polygon_and_stop_candidates(fixtures_dir: Path, tmp_path: Path) -> None:
    """Clipping to a polygon keeps only roads inside; candidates inside become stops, others are dropped."""
    area = box(8.68, 49.402, 8.70, 49.416)
    inside = StopCandidate("a", "Bismarckplatz, Heidelberg", "Heidelberg", 8.6925, 49.4094)
    outside = StopCandidate("b", "Hauptbahnhof, Heidelberg", "Heidelberg", 8.6755, 49.4035)
    net = build_osm(
        "extract", extract=fixtures_dir / "heidelberg-altstadt.osm.pbf", polygon=area, candidates=[inside, outside]
    )
    assert [s.id for s in net.stops] == ["a"]
    assert net.stops[0].kind == StopKind.STOP
    lon, lat = net.arrays.node_lon, net.arrays.node_lat
    assert 8.68 <= lon.min() <= lon.max() <= 8.70
    assert 49.402 <= lat.min() <= lat.max() <= 49.416
    reloaded = load_network(save_network(net, tmp_path / "hd.network.npz"))
    assert reloaded.meta.hash == net.meta.hash
    assert reloaded.stop_matrix(tmp_path).durations.shape == (1, 1)


def test_drive_filter_matches_osmnx_rules() -> None:
    """Tracks, footways, private and parking ways are excluded; public streets are kept."""
    assert is_drivable({"highway": "residential"})
    assert is_drivable({"highway": "secondary", "maxspeed": "70"})
    assert not is_drivable({"highway": "track"})
    assert not is_drivable({"highway": "footway"})
    assert not is_drivable({"highway": "service"})
    assert not is_drivable({"highway": "residential", "access": "private"})
    assert not is_drivable({"highway": "unclassified", "motor_vehicle": "no"})
    assert not is_drivable({"building": "yes"})


def test_extract_without_drivable_roads_is_refused(fixtures_dir: Path) -> None:
    """A real extract of only tracks and paths raises NoDrivableRoads naming the file."""
    with pytest.raises(NoDrivableRoads, match=r"north-bayreuth-tracks\.osm\.bz2.*no drivable road"):
        read_drivable(fixtures_dir / "north-bayreuth-tracks.osm.bz2")


def test_polygon_without_roads_is_refused(fixtures_dir: Path) -> None:
    """Clipping Heidelberg to a box in Saxony-Anhalt leaves nothing: a clear error."""
    with pytest.raises(NoDrivableRoads, match="inside the boundary polygon"):
        build_osm("extract", extract=fixtures_dir / "heidelberg-altstadt.osm.pbf", polygon=box(11.7, 51.7, 11.8, 51.8))


def test_missing_extract_is_named(tmp_path: Path) -> None:
    """A missing extract raises NetworkFileError naming the path."""
    with pytest.raises(NetworkFileError, match=r"not found: .*missing\.osm\.pbf"):
        read_drivable(tmp_path / "missing.osm.pbf")


@pytest.mark.parametrize(
    ("name", "content", "pattern"),
    [
        ("notes.txt", "hello", r"notes\.txt is not an OSM file"),
        ("broken.osm.pbf", "this is not protobuf", r"broken\.osm\.pbf is not a readable OSM file"),
        ("broken.osm", "<html>nope</html>", r"broken\.osm is not a readable OSM file"),
    ],
)
def test_non_osm_file_is_named(tmp_path: Path, name: str, content: str, pattern: str) -> None:
    """A file of the wrong kind or with broken content raises NetworkFileError naming it."""
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(NetworkFileError, match=pattern):
        read_drivable(path)


def test_extract_build_is_reproducible_across_processes(bayreuth_network: RoadNetwork) -> None:
    """Another process (other string-hash seed) builds the same extract to the same content hash."""
    code = (
        "from pathlib import Path; from routing.network.build import build_osm; "
        f"print(build_osm('extract', extract=Path({str(BAYREUTH)!r})).meta.hash)"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env)
    assert out.stdout.strip().splitlines()[-1] == bayreuth_network.meta.hash
