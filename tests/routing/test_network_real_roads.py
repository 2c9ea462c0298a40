"""Real-road timing: merged edges take the sum of their parts' times; stops sit on their nearest road position;
road-class speed factors."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from mobility.domain.geo import Point, haversine_m
from routing.network.build import build_osm
from routing.network.edge_snap import snap_points
from routing.network.osm_build import graph_from_extract
from routing.network.speeds import ROAD_CLASSES, read_speed_profile, speed_profile
from routing.stops.sources import StopCandidate
from tests.routing.conftest import BAYREUTH_GZ


def test_merged_edge_time_is_the_sum_of_its_parts() -> None:
    """On the real north-Bayreuth roads every merged edge's time equals the sum of its unmerged parts' times (a
    shortest-path over the unsimplified graph gives the same time between the merged edge's ends)."""
    import osmnx as ox

    from routing.network.osm_build import time_edges
    from routing.network.osm_io import read_drivable

    simple = graph_from_extract(BAYREUTH_GZ, None)
    raw = ox.graph_from_xml(_xml(read_drivable(BAYREUTH_GZ), Path("/tmp")), bidirectional=False, simplify=False,
                            retain_all=True)
    time_edges(raw)
    mixed = [(u, v, d) for u, v, d in simple.edges(data=True)
             if isinstance(d.get("highway"), list) or isinstance(d.get("maxspeed"), list)]
    assert len(mixed) >= 10  # merged edges whose parts have different classes or limits
    equal = sum(d["travel_time"] == pytest.approx(nx.shortest_path_length(raw, u, v, weight="travel_time"), rel=1e-6)
                for u, v, d in mixed)
    assert equal >= 0.9 * len(mixed)  # (a few have a shorter way round between their ends)


def _xml(data: object, folder: Path) -> Path:
    from routing.network.osm_build import _write_osm_xml

    path = folder / f"raw-{id(data)}.osm"
    _write_osm_xml(data, path)
    return path


def test_a_stop_sits_on_its_nearest_road_position(bayreuth_network: object) -> None:
    """A point beside a long road snaps onto the road there (a new node), not to a far intersection; the road's
    total time stays (within rounding) what it was."""
    net = bayreuth_network
    a = net.arrays  # type: ignore[attr-defined]
    e = int(np.argmax(a.edge_length_m))  # the longest edge: far from both of its ends in the middle
    s, t = int(a.geom_offsets[e]), int(a.geom_offsets[e + 1])
    lon = np.concatenate([[a.node_lon[a.edge_u[e]]], a.geom_lon[s:t], [a.node_lon[a.edge_v[e]]]])
    lat = np.concatenate([[a.node_lat[a.edge_u[e]]], a.geom_lat[s:t], [a.node_lat[a.edge_v[e]]]])
    k = len(lon) // 2
    point = Point(float(lon[k]) + 0.0001, float(lat[k]))
    split, snap = snap_points(a, [point.lon], [point.lat])
    node = int(snap.nodes[0])
    on_road = Point(float(split.node_lon[node]), float(split.node_lat[node]))
    assert haversine_m(point, on_road) < 15
    ends = [Point(float(a.node_lon[a.edge_u[e]]), float(a.node_lat[a.edge_u[e]])),
            Point(float(a.node_lon[a.edge_v[e]]), float(a.node_lat[a.edge_v[e]]))]
    assert min(haversine_m(point, x) for x in ends) > 200  # the nearest intersection would be far
    assert split.n_nodes == a.n_nodes + 1
    pieces = (split.edge_u == a.edge_u[e]) & (split.edge_v == node) | (split.edge_u == node) & (
        split.edge_v == a.edge_v[e])
    assert abs(int(split.edge_time_s[pieces].sum()) - int(a.edge_time_s[e])) <= 1


def test_stops_of_a_real_build_sit_on_roads() -> None:
    """Built with stops, each stop's node lies within a few metres of the road position nearest the stop."""
    cand = [StopCandidate("462583", "Ortsmitte, Harsdorf", "Harsdorf", 11.566512, 50.029008),
            StopCandidate("462838", "Ortsmitte, Neudrossenfeld", "Neudrossenfeld", 11.502108, 50.016913)]
    net = build_osm("extract", extract=BAYREUTH_GZ, candidates=cand)
    for stop, node in zip(net.stops, net.stop_nodes.tolist(), strict=True):
        road = Point(float(net.arrays.node_lon[node]), float(net.arrays.node_lat[node]))
        assert haversine_m(stop.point, road) < 40


def test_speed_factors_slow_down_their_class(tmp_path: Path) -> None:
    """A factor of 0.5 on every class doubles the travel times; named speeds replace the class defaults."""
    half = speed_profile({"factors": dict.fromkeys(ROAD_CLASSES, 0.5)})
    base = build_osm("extract", extract=BAYREUTH_GZ)
    slow = build_osm("extract", extract=BAYREUTH_GZ, profile=half)
    assert slow.arrays.edge_time_s.sum() == pytest.approx(2 * base.arrays.edge_time_s.sum(), rel=0.02)
    path = tmp_path / "speeds.toml"
    path.write_text("[speeds]\nresidential = 25\n[factors]\nresidential = 0.9\n", encoding="utf-8")
    profile = read_speed_profile(path)
    assert profile.default_kmh["residential"] == 25.0
    assert profile.factor["residential"] == 0.9
    assert profile.factor["primary"] == 1.0
