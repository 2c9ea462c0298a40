"""Storing and loading a built network: exact round trip, clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mobility.config import DEFAULT_NETWORK
from routing.network import NetworkFileError, RoadNetwork, load_network, save_network


def test_round_trip_keeps_arrays_stops_area_and_meta(district_network: RoadNetwork, tmp_path: Path) -> None:
    """A saved and reloaded network has identical arrays, stops, service area and metadata."""
    path = save_network(district_network, tmp_path / "copy.network.npz")
    loaded = load_network(path)
    assert loaded.meta == district_network.meta
    assert loaded.stops == district_network.stops
    assert loaded.service_area.equals(district_network.service_area)
    np.testing.assert_array_equal(loaded.stop_nodes, district_network.stop_nodes)
    for name in ("node_lon", "edge_u", "edge_v", "edge_length_m", "edge_time_s", "geom_offsets"):
        np.testing.assert_array_equal(getattr(loaded.arrays, name), getattr(district_network.arrays, name))


def test_meta_counts_match_content(district_network: RoadNetwork) -> None:
    """The provenance counts and bbox describe the stored arrays."""
    meta, arrays = district_network.meta, district_network.arrays
    assert (meta.nodes, meta.edges, meta.stops) == (arrays.n_nodes, arrays.n_edges, len(district_network.stops))
    assert meta.bbox == (arrays.node_lon.min(), arrays.node_lat.min(), arrays.node_lon.max(), arrays.node_lat.max())
    assert len(meta.hash) == 64
    assert 0 < meta.road_km < arrays.edge_length_m.sum() / 1000


def test_loading_twice_gives_the_same_network() -> None:
    """Loading the bundled network is a pure read: two loads give the same hash and arrays. (How fast it loads is
    a figure of ``benchmarks/bench_network.py``, anchor 2 s, not a timed assertion.)"""
    first, second = load_network(DEFAULT_NETWORK), load_network(DEFAULT_NETWORK)
    assert first.meta.hash == second.meta.hash
    assert first.arrays.n_edges == second.arrays.n_edges > 0
    assert (first.arrays.edge_length_m == second.arrays.edge_length_m).all()


def test_missing_file_is_named(tmp_path: Path) -> None:
    """A missing network file raises an error naming the path and how to build one."""
    with pytest.raises(NetworkFileError, match=r"nope\.network\.npz.*mobility network build"):
        load_network(tmp_path / "nope.network.npz")


def test_non_network_file_is_named(tmp_path: Path) -> None:
    """A file that is no network archive raises an error naming the file."""
    bogus = tmp_path / "bogus.network.npz"
    bogus.write_text("not a zip")
    with pytest.raises(NetworkFileError, match=r"bogus\.network\.npz"):
        load_network(bogus)


def test_other_npz_is_refused(tmp_path: Path) -> None:
    """An npz without the network arrays is refused, naming what is missing."""
    other = tmp_path / "other.npz"
    np.savez(other, x=np.arange(3))
    with pytest.raises(NetworkFileError, match="missing node_lon"):
        load_network(other)
