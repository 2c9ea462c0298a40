"""The all-stops travel-time matrix: correct against networkx, cached by hash, unreachable pairs handled."""

from __future__ import annotations

import random
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix

from mobility.config import DEFAULT_NETWORK
from mobility.domain.ports import TravelTimes
from routing.matrix import TIME_SCALE, UNREACHABLE, TravelTimeMatrix, cached_matrix, many_to_many
from routing.network import RoadNetwork, load_network


def _nx_graph(net: RoadNetwork) -> nx.DiGraph:
    g = nx.DiGraph()
    a = net.arrays
    for u, v, t, m in zip(
        a.edge_u.tolist(), a.edge_v.tolist(), a.edge_time_s.tolist(), a.edge_length_m.tolist(), strict=True
    ):
        w = t * TIME_SCALE + m
        if not g.has_edge(u, v) or g[u][v]["w"] > w:
            g.add_edge(u, v, w=w, t=t)
    return g


@pytest.mark.parametrize("network_name", ["district_network", "heidelberg_network"])
def test_matrix_matches_networkx_dijkstra(network_name: str, request: pytest.FixtureRequest) -> None:
    """On random node pairs, durations equal networkx's fastest time and distances the fastest path's length."""
    net: RoadNetwork = request.getfixturevalue(network_name)
    g = _nx_graph(net)
    rng = random.Random(7)
    sources = np.array(rng.sample(range(net.arrays.n_nodes), 12))
    targets = np.array(rng.sample(range(net.arrays.n_nodes), 30))
    durations, distances = net.matrix_between(sources, targets)
    for i, s in enumerate(sources.tolist()):
        times = nx.single_source_dijkstra_path_length(g, s, weight="t")
        combined = nx.single_source_dijkstra_path_length(g, s, weight="w")
        for j, t in enumerate(targets.tolist()):
            assert durations[i, j] == times[t]
            assert distances[i, j] == combined[t] - times[t] * TIME_SCALE


def test_stop_matrix_is_symmetric_on_two_way_roads(district_network: RoadNetwork) -> None:
    """The approximate network has only two-way links, so its matrix is symmetric with a zero diagonal."""
    matrix = district_network.stop_matrix(None)
    np.testing.assert_array_equal(matrix.durations, matrix.durations.T)
    np.testing.assert_array_equal(matrix.distances, matrix.distances.T)
    assert not matrix.durations.diagonal().any()


def test_unreachable_pairs_are_marked() -> None:
    """On a one-way chain 0 → 1 → 2 the way back is UNREACHABLE, the way forward sums the edges."""
    w = np.array([10 * TIME_SCALE + 100, 20 * TIME_SCALE + 300])
    graph = csr_matrix((w, np.array([1, 2]), np.array([0, 1, 2, 2])), shape=(3, 3))
    durations, distances = many_to_many(graph, np.array([0, 2]), np.array([0, 1, 2]))
    assert durations.tolist() == [[0, 10, 30], [UNREACHABLE, UNREACHABLE, 0]]
    assert distances.tolist() == [[0, 100, 400], [UNREACHABLE, UNREACHABLE, 0]]
    matrix = TravelTimeMatrix(durations=durations[:, [0, 2]].copy(), distances=distances[:, [0, 2]].copy())
    assert matrix.reachable(0, 1)
    assert not matrix.reachable(1, 0)


def test_matrix_implements_travel_times_port(district_network: RoadNetwork) -> None:
    """TravelTimeMatrix satisfies the domain's TravelTimes Protocol with int32 arrays."""
    matrix = district_network.stop_matrix(None)
    port: TravelTimes = matrix
    assert len(port) == len(district_network.stops)
    assert isinstance(port.duration(0, 1), int)
    assert port.distance(0, 1) == int(matrix.distances[0, 1])
    assert matrix.durations.dtype == np.int32


def test_cache_is_keyed_by_hash_and_reused(tmp_path: Path) -> None:
    """The first call writes a file named by the network hash; the second reads it unchanged."""
    district_network = load_network(DEFAULT_NETWORK)
    first = district_network.stop_matrix(tmp_path)
    assert district_network.stop_matrix(tmp_path) is first
    files = list(tmp_path.glob("stop-matrix-*.npz"))
    assert [f.name for f in files] == [f"stop-matrix-{district_network.meta.hash[:24]}.npz"]
    calls: list[int] = []

    def recompute() -> TravelTimeMatrix:
        calls.append(1)
        return first

    second = cached_matrix(files[0], recompute, len(first))
    assert calls == []
    np.testing.assert_array_equal(second.durations, first.durations)


def test_stale_cache_of_wrong_size_is_recomputed(tmp_path: Path) -> None:
    """A cached matrix whose size does not fit is ignored and replaced."""
    path = tmp_path / "m.npz"
    small = TravelTimeMatrix(np.zeros((2, 2), np.int32), np.zeros((2, 2), np.int32))
    small.save(path)
    big = TravelTimeMatrix(np.ones((3, 3), np.int32), np.ones((3, 3), np.int32))
    assert len(cached_matrix(path, lambda: big, 3)) == 3
    assert len(TravelTimeMatrix.load(path)) == 3


def test_bad_matrix_shapes_are_refused() -> None:
    """A non-square or float matrix is refused."""
    with pytest.raises(ValueError, match="square"):
        TravelTimeMatrix(np.zeros((2, 3), np.int32), np.zeros((2, 3), np.int32))
    with pytest.raises(ValueError, match="int32"):
        TravelTimeMatrix(np.zeros((2, 2)), np.zeros((2, 2)))  # type: ignore[arg-type]


def test_one_to_many_equals_matrix_row(district_network: RoadNetwork) -> None:
    """Times from a stop's position to all stops equal that stop's matrix row."""
    matrix = district_network.stop_matrix(None)
    stop = district_network.stops[42]
    result = district_network.one_to_many(stop.point)
    np.testing.assert_array_equal(result.durations, matrix.durations[42])
    sub = district_network.one_to_many(stop.point, np.array([3, 5]))
    assert sub.durations.tolist() == [matrix.duration(42, 3), matrix.duration(42, 5)]


def test_route_agrees_with_matrix_and_draws_a_line(district_network: RoadNetwork) -> None:
    """A route between two stops takes the matrix time and its line runs from one to the other."""
    matrix = district_network.stop_matrix(None)
    a, b = district_network.stops[0], district_network.stops[300]
    route = district_network.route(a.point, b.point)
    assert (route.duration_s, route.distance_m) == (matrix.duration(0, 300), matrix.distance(0, 300))
    arr = district_network.arrays
    start, end = district_network.stop_nodes[0], district_network.stop_nodes[300]
    assert route.geometry[0] == (arr.node_lon[start], arr.node_lat[start])
    assert route.geometry[-1] == (arr.node_lon[end], arr.node_lat[end])
    assert route.linestring().length > 0


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 627), st.integers(0, 627), st.integers(0, 627))
def test_matrix_obeys_triangle_inequality(i: int, j: int, k: int) -> None:
    """Going via a third stop is never faster than the matrix's direct time, nor shorter on the fastest path's time."""
    matrix = _district_matrix()
    assert matrix.duration(i, k) <= matrix.duration(i, j) + matrix.duration(j, k)
    assert matrix.duration(i, i) == 0


_CACHE: list[TravelTimeMatrix] = []


def _district_matrix() -> TravelTimeMatrix:
    if not _CACHE:
        _CACHE.append(load_network(DEFAULT_NETWORK).stop_matrix(None))
    return _CACHE[0]
