"""An approximate offline road network of the district, built reproducibly from stops and settlements.

No OSM extract of the district can be had offline, so this stands in for real roads: every stop,
settlement and municipality seat is a node (points closer than 30 m merged), neighbouring nodes are
linked along a Delaunay triangulation plus links to the 8 nearest nodes (links longer than 10 km dropped), each link is
``CIRCUITY`` times longer than the straight line, and its speed follows a road class chosen by its
length (short links are town streets, long links country roads). Its metadata says
``source = approximate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from routing.network.arrays import NetworkArrays
from routing.network.projection import LocalProjection
from routing.network.speeds import ROAD_CLASSES, travel_time_s

MERGE_RADIUS_M = 30.0
MAX_LINK_M = 10_000.0
CIRCUITY = 1.2
NEIGHBOURS = 8


@dataclass(frozen=True)
class LinkClass:
    """Road class and speed (km/h) of approximate links up to a straight-line length (metres)."""

    up_to_m: float
    road_class: str
    speed_kmh: float


#: Short links run through town (50 km/h limit with junctions), longer ones are country roads.
LINK_CLASSES: tuple[LinkClass, ...] = (
    LinkClass(600.0, "residential", 32.0),
    LinkClass(1_500.0, "tertiary", 50.0),
    LinkClass(3_000.0, "tertiary", 65.0),
    LinkClass(float("inf"), "secondary", 74.0),
)


def merge_points(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> tuple[NDArray[np.int64], int]:
    """Node id of every point after merging points within ``MERGE_RADIUS_M``; and the node count."""
    from scipy.spatial import cKDTree

    xy = LocalProjection.around(lon, lat).xy(lon, lat)
    pairs = cKDTree(xy).query_pairs(MERGE_RADIUS_M, output_type="ndarray")
    parent = np.arange(len(lon))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    for a, b in pairs:
        ra, rb = root(int(a)), root(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([root(i) for i in range(len(lon))])
    _, node_of = np.unique(roots, return_inverse=True)
    return node_of.astype(np.int64), int(node_of.max()) + 1


def _candidate_links(xy: NDArray[np.float64]) -> NDArray[np.int64]:
    """Delaunay edges plus links to the ``NEIGHBOURS`` nearest nodes (fewer zig-zags on long trips)."""
    from scipy.spatial import Delaunay, cKDTree

    simplices = Delaunay(xy).simplices
    _, near = cKDTree(xy).query(xy, k=NEIGHBOURS + 1)
    knn = np.column_stack([np.repeat(np.arange(len(xy)), NEIGHBOURS), near[:, 1:].ravel()])
    return np.concatenate([simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [2, 0]], knn])


def approximate_arrays(points: Sequence[tuple[float, float]]) -> tuple[NetworkArrays, NDArray[np.int64]]:
    """The approximate network over ``points`` (lon, lat) and the node id of every input point."""
    lon = np.array([p[0] for p in points], dtype=np.float64)
    lat = np.array([p[1] for p in points], dtype=np.float64)
    node_of, n = merge_points(lon, lat)
    first = np.full(n, -1, dtype=np.int64)
    for i in range(len(lon) - 1, -1, -1):
        first[node_of[i]] = i
    node_lon, node_lat = lon[first], lat[first]
    xy = LocalProjection.around(node_lon, node_lat).xy(node_lon, node_lat)
    pairs = _candidate_links(xy)
    pairs = np.unique(np.sort(pairs, axis=1), axis=0)
    straight = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    keep = straight <= MAX_LINK_M
    pairs, straight = pairs[keep], straight[keep]
    length = np.maximum(1, np.round(straight * CIRCUITY)).astype(np.int32)
    cls = [next(c for c in LINK_CLASSES if s <= c.up_to_m) for s in straight]
    time = np.array([travel_time_s(m, c.speed_kmh) for m, c in zip(length, cls, strict=True)], dtype=np.int32)
    code = np.array([ROAD_CLASSES.index(c.road_class) for c in cls], dtype=np.uint8)
    e = len(pairs)
    arrays = NetworkArrays(
        node_lon=node_lon,
        node_lat=node_lat,
        edge_u=np.concatenate([pairs[:, 0], pairs[:, 1]]).astype(np.int32),
        edge_v=np.concatenate([pairs[:, 1], pairs[:, 0]]).astype(np.int32),
        edge_length_m=np.concatenate([length, length]),
        edge_time_s=np.concatenate([time, time]),
        edge_class=np.concatenate([code, code]),
        geom_offsets=np.zeros(2 * e + 1, dtype=np.int64),
        geom_lon=np.zeros(0, dtype=np.float64),
        geom_lat=np.zeros(0, dtype=np.float64),
    )
    return arrays, node_of
