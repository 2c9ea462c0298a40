"""The network as flat arrays: nodes, directed edges, edge geometry; the largest strongly connected part."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from routing.matrix import TIME_SCALE
from routing.network.errors import NoDrivableRoads


@dataclass(frozen=True)
class NetworkArrays:
    """Nodes (WGS84) and directed edges with integer length (metres) and travel time (seconds).

    ``geom_offsets[e]:geom_offsets[e + 1]`` indexes the inner vertices of edge ``e`` in ``geom_lon`` /
    ``geom_lat`` (the end nodes are not repeated); a straight edge has none.
    """

    node_lon: NDArray[np.float64]
    node_lat: NDArray[np.float64]
    edge_u: NDArray[np.int32]
    edge_v: NDArray[np.int32]
    edge_length_m: NDArray[np.int32]
    edge_time_s: NDArray[np.int32]
    edge_class: NDArray[np.uint8]
    geom_offsets: NDArray[np.int64]
    geom_lon: NDArray[np.float64]
    geom_lat: NDArray[np.float64]

    def __post_init__(self) -> None:
        n, e = len(self.node_lon), len(self.edge_u)
        if n == 0 or e == 0:
            msg = "the network has no drivable road"
            raise NoDrivableRoads(msg)
        same_e = {len(self.edge_v), len(self.edge_length_m), len(self.edge_time_s), len(self.edge_class)}
        if len(self.node_lat) != n or same_e != {e} or len(self.geom_offsets) != e + 1:
            msg = "network arrays have inconsistent lengths"
            raise ValueError(msg)
        if min(self.edge_u.min(), self.edge_v.min()) < 0 or max(self.edge_u.max(), self.edge_v.max()) >= n:
            msg = "an edge refers to a node that does not exist"
            raise ValueError(msg)
        if self.edge_time_s.min() < 1 or self.edge_length_m.min() < 1:
            msg = "every edge needs a positive length and travel time"
            raise ValueError(msg)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_lon)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return len(self.edge_u)

    def digest(self) -> str:
        """SHA-256 of all arrays (hex): the network's identity for caches."""
        h = hashlib.sha256()
        for f in fields(self):
            arr = np.ascontiguousarray(getattr(self, f.name))
            h.update(f.name.encode())
            h.update(str(arr.dtype).encode())
            h.update(arr.tobytes())
        return h.hexdigest()


def geometry_arrays(
    inner: list[list[tuple[float, float]]],
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """Offsets and flat coordinates of per-edge inner vertices ``[(lon, lat), …]``."""
    counts = np.fromiter((len(v) for v in inner), dtype=np.int64, count=len(inner))
    offsets = np.zeros(len(inner) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    flat = [xy for v in inner for xy in v]
    coords = np.asarray(flat, dtype=np.float64).reshape(-1, 2)
    return offsets, coords[:, 0].copy(), coords[:, 1].copy()


def weight_csr(arrays: NetworkArrays) -> tuple[object, NDArray[np.int64]]:
    """CSR matrix of combined weights (parallel edges reduced to the best) and its edge ids."""
    from scipy.sparse import csr_matrix

    weight = arrays.edge_time_s.astype(np.float64) * TIME_SCALE + arrays.edge_length_m
    order = np.lexsort((weight, arrays.edge_v, arrays.edge_u))
    u, v = arrays.edge_u[order], arrays.edge_v[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    keep = order[first]
    n = arrays.n_nodes
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(arrays.edge_u[keep], minlength=n), out=indptr[1:])
    matrix = csr_matrix((weight[keep], arrays.edge_v[keep].astype(np.int32), indptr), shape=(n, n))
    return matrix, keep.astype(np.int64)


def largest_scc(arrays: NetworkArrays) -> NetworkArrays:
    """The largest strongly connected component, nodes and edges renumbered in their old order."""
    from scipy.sparse.csgraph import connected_components

    matrix, _ = weight_csr(arrays)
    _, labels = connected_components(matrix, directed=True, connection="strong")
    biggest = np.bincount(labels).argmax()
    keep_node = labels == biggest
    new_id = np.full(arrays.n_nodes, -1, dtype=np.int64)
    new_id[keep_node] = np.arange(int(keep_node.sum()))
    keep_edge = keep_node[arrays.edge_u] & keep_node[arrays.edge_v]
    return subset_edges(arrays, keep_edge, keep_node, new_id)


def subset_edges(
    arrays: NetworkArrays,
    keep_edge: NDArray[np.bool_],
    keep_node: NDArray[np.bool_],
    new_id: NDArray[np.int64],
) -> NetworkArrays:
    """The arrays restricted to the kept nodes and edges (``new_id`` maps old to new node ids)."""
    starts, ends = arrays.geom_offsets[:-1][keep_edge], arrays.geom_offsets[1:][keep_edge]
    counts = ends - starts
    offsets = np.zeros(len(starts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    take = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)] or [np.zeros(0)])
    take = take.astype(np.int64)
    return NetworkArrays(
        node_lon=arrays.node_lon[keep_node],
        node_lat=arrays.node_lat[keep_node],
        edge_u=new_id[arrays.edge_u[keep_edge]].astype(np.int32),
        edge_v=new_id[arrays.edge_v[keep_edge]].astype(np.int32),
        edge_length_m=arrays.edge_length_m[keep_edge],
        edge_time_s=arrays.edge_time_s[keep_edge],
        edge_class=arrays.edge_class[keep_edge],
        geom_offsets=offsets,
        geom_lon=arrays.geom_lon[take],
        geom_lat=arrays.geom_lat[take],
    )
