"""Snapping points onto the nearest position of the nearest edge: the edge is split there by a new node.

A stop then sits where it really is along the road, not at the nearest intersection (which on a long rural road can
lie kilometres away and move a ride's time by minutes). A two-way road (an edge and its reverse twin of the same
length) is split at the same position in both directions. The parts' lengths and times are the edge's in proportion
to where the split lies, so the whole road keeps its time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from routing.network.arrays import NetworkArrays, geometry_arrays
from routing.network.projection import LocalProjection

#: A point closer than this to an edge's end is snapped to that end node (no split).
END_TOLERANCE_M = 2.0


@dataclass(frozen=True)
class EdgeSnap:
    """Per point: the node it now sits on and its straight-line gap to the road (metres)."""

    nodes: NDArray[np.int64]
    gap_m: NDArray[np.float64]


def _edge_coords(arrays: NetworkArrays, proj: LocalProjection, e: int) -> NDArray[np.float64]:
    u, v = int(arrays.edge_u[e]), int(arrays.edge_v[e])
    s, t = int(arrays.geom_offsets[e]), int(arrays.geom_offsets[e + 1])
    lon = np.concatenate([[arrays.node_lon[u]], arrays.geom_lon[s:t], [arrays.node_lon[v]]])
    lat = np.concatenate([[arrays.node_lat[u]], arrays.geom_lat[s:t], [arrays.node_lat[v]]])
    return proj.xy(lon, lat)


def _twins(arrays: NetworkArrays) -> dict[int, int]:
    """Edge → its reverse twin (v→u with the same length), for two-way roads."""
    by_key: dict[tuple[int, int, int], int] = {}
    for e, (u, v, m) in enumerate(zip(arrays.edge_u.tolist(), arrays.edge_v.tolist(),
                                      arrays.edge_length_m.tolist(), strict=True)):
        by_key.setdefault((u, v, m), e)
    twins: dict[int, int] = {}
    for (u, v, m), e in by_key.items():
        other = by_key.get((v, u, m))
        if other is not None and other != e:
            twins[e] = other
    return twins


def snap_points(arrays: NetworkArrays, lon: Sequence[float], lat: Sequence[float]) -> tuple[NetworkArrays, EdgeSnap]:
    """The arrays with edges split at the points' nearest road positions, and the node of every point."""
    import shapely

    proj = LocalProjection.around(arrays.node_lon, arrays.node_lat)
    lines = [shapely.LineString(_edge_coords(arrays, proj, e)) for e in range(arrays.n_edges)]
    tree = shapely.STRtree(lines)
    pts = shapely.points(proj.xy(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)))
    if len(pts) == 0:
        return arrays, EdgeSnap(np.zeros(0, dtype=np.int64), np.zeros(0))
    (point_idx, edge_idx), gaps = tree.query_nearest(pts, return_distance=True, all_matches=False)
    nearest = np.empty(len(pts), dtype=np.int64)
    gap = np.empty(len(pts))
    nearest[point_idx], gap[point_idx] = edge_idx, gaps
    along = shapely.line_locate_point(np.array(lines, dtype=object)[nearest], pts)
    splits: dict[int, list[tuple[float, int]]] = {}  # representative edge -> [(metres along, point)]
    twins = _twins(arrays)
    nodes = np.empty(len(pts), dtype=np.int64)
    for p, (hit, pos) in enumerate(zip(nearest.tolist(), along.tolist(), strict=True)):
        e, d = _representative(hit, pos, twins, lines)
        if d <= END_TOLERANCE_M:
            nodes[p] = int(arrays.edge_u[e])
        elif d >= lines[e].length - END_TOLERANCE_M:
            nodes[p] = int(arrays.edge_v[e])
        else:
            splits.setdefault(e, []).append((d, p))
    return _split(arrays, proj, lines, twins, splits=splits, nodes=nodes), EdgeSnap(nodes, gap)


def _representative(e: int, d: float, twins: dict[int, int], lines: list[object]) -> tuple[int, float]:
    """Of an edge and its twin the one with the lower id (positions measured along it)."""
    twin = twins.get(e)
    if twin is not None and twin < e:
        return twin, float(lines[twin].length) - d  # type: ignore[attr-defined]
    return e, d


def _split(arrays: NetworkArrays, proj: LocalProjection, lines: list[object], twins: dict[int, int], *,
           splits: dict[int, list[tuple[float, int]]], nodes: NDArray[np.int64]) -> NetworkArrays:
    new_lon, new_lat = list(arrays.node_lon.tolist()), list(arrays.node_lat.tolist())
    drop: set[int] = set()
    add: list[Piece] = []
    for e, points in splits.items():
        points.sort()
        cuts: list[float] = []
        cut_nodes: list[int] = []
        for d, p in points:
            if cuts and d - cuts[-1] <= END_TOLERANCE_M:
                nodes[p] = cut_nodes[-1]
                continue
            xy = np.asarray(lines[e].interpolate(d).coords[0])  # type: ignore[attr-defined]
            lo, la = proj.lonlat(xy)[0]
            new_lon.append(float(lo))
            new_lat.append(float(la))
            cuts.append(d)
            cut_nodes.append(len(new_lon) - 1)
            nodes[p] = cut_nodes[-1]
        for edge, forward in ((e, True), (twins.get(e), False)):
            if edge is None:
                continue
            drop.add(edge)
            add += _pieces(arrays, proj, lines[edge], edge, cuts=cuts, cut_nodes=cut_nodes, forward=forward)
    return _rebuilt(arrays, new_lon, new_lat, drop, add)


Piece = tuple[int, int, float, float, int, list[tuple[float, float]]]  # u, v, length, time, class, inner vertices


def _pieces(arrays: NetworkArrays, proj: LocalProjection, line: object, e: int, *, cuts: list[float],
            cut_nodes: list[int], forward: bool) -> list[Piece]:
    import shapely.ops

    total = float(line.length)  # type: ignore[attr-defined]
    if forward:
        marks, ids = [0.0, *cuts, total], [int(arrays.edge_u[e]), *cut_nodes, int(arrays.edge_v[e])]
    else:
        marks = [0.0, *(total - c for c in reversed(cuts)), total]
        ids = [int(arrays.edge_u[e]), *reversed(cut_nodes), int(arrays.edge_v[e])]
    out = []
    for k in range(len(marks) - 1):
        share = (marks[k + 1] - marks[k]) / total if total > 0 else 1.0 / (len(marks) - 1)
        part = shapely.ops.substring(line, marks[k], marks[k + 1])
        inner = [tuple(c) for c in proj.lonlat(np.asarray(part.coords))[1:-1].tolist()]
        out.append((ids[k], ids[k + 1], float(arrays.edge_length_m[e]) * share,
                    float(arrays.edge_time_s[e]) * share, int(arrays.edge_class[e]), inner))
    return out


def _rebuilt(arrays: NetworkArrays, lon: list[float], lat: list[float], drop: set[int],
             add: list[Piece]) -> NetworkArrays:
    keep = [e for e in range(arrays.n_edges) if e not in drop]
    inner: list[list[tuple[float, float]]] = []
    for e in keep:
        s, t = int(arrays.geom_offsets[e]), int(arrays.geom_offsets[e + 1])
        inner.append(list(zip(arrays.geom_lon[s:t].tolist(), arrays.geom_lat[s:t].tolist(), strict=True)))
    inner += [a[5] for a in add]
    offsets, geom_lon, geom_lat = geometry_arrays(inner)
    k = np.array(keep, dtype=np.int64)
    return NetworkArrays(
        node_lon=np.array(lon, dtype=np.float64),
        node_lat=np.array(lat, dtype=np.float64),
        edge_u=np.concatenate([arrays.edge_u[k], np.array([a[0] for a in add], dtype=np.int32)]).astype(np.int32),
        edge_v=np.concatenate([arrays.edge_v[k], np.array([a[1] for a in add], dtype=np.int32)]).astype(np.int32),
        edge_length_m=np.concatenate([arrays.edge_length_m[k], np.array(
            [max(1, round(a[2])) for a in add], dtype=np.int32)]).astype(np.int32),
        edge_time_s=np.concatenate([arrays.edge_time_s[k], np.array(
            [max(1, round(a[3])) for a in add], dtype=np.int32)]).astype(np.int32),
        edge_class=np.concatenate([arrays.edge_class[k], np.array([a[4] for a in add], dtype=np.uint8)]).astype(
            np.uint8),
        geom_offsets=offsets,
        geom_lon=geom_lon,
        geom_lat=geom_lat,
    )
