"""The loaded road network and its queries: nearest node, stop snapping and lookup, routes, matrices."""

from __future__ import annotations

import itertools
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from mobility.domain.geo import Point, haversine_m
from mobility.domain.stops import Stop
from routing.matrix import ProgressFn, TravelTimeMatrix, cached_matrix, many_to_many, split_weights
from routing.network.arrays import NetworkArrays, weight_csr
from routing.network.errors import NoStopNearby, OutsideServiceArea
from routing.network.meta import NetworkMeta
from routing.network.projection import LocalProjection
from routing.network.results import OneToMany, Route, StopSnap

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

DEFAULT_WALK_LIMIT_M = 500


class RoadNetwork:
    """A drivable road network with its virtual stops (``stops[i].index == i``, the matrix row)."""

    def __init__(
        self,
        *,
        arrays: NetworkArrays,
        meta: NetworkMeta,
        stops: list[Stop],
        stop_nodes: NDArray[np.int64],
        service_area: BaseGeometry,
    ) -> None:
        if len(stops) != len(stop_nodes):
            msg = f"{len(stops)} stops but {len(stop_nodes)} stop nodes"
            raise ValueError(msg)
        if any(s.index != i for i, s in enumerate(stops)):
            msg = "stop indices must be 0..N-1 in order"
            raise ValueError(msg)
        self.arrays = arrays
        self.meta = meta
        self.stops = stops
        self.stop_nodes = stop_nodes
        self.service_area = service_area
        self._projection = LocalProjection.around(arrays.node_lon, arrays.node_lat)
        self._matrix: TravelTimeMatrix | None = None

    def __repr__(self) -> str:
        m = self.meta
        return f"RoadNetwork(source={m.source!r}, nodes={m.nodes}, edges={m.edges}, stops={m.stops})"

    @cached_property
    def _graph(self) -> tuple[Any, NDArray[np.int64]]:
        return weight_csr(self.arrays)

    @cached_property
    def _node_tree(self) -> Any:
        from scipy.spatial import cKDTree

        return cKDTree(self._projection.xy(self.arrays.node_lon, self.arrays.node_lat))

    @cached_property
    def _stop_tree(self) -> Any:
        from scipy.spatial import cKDTree

        lon = np.array([s.point.lon for s in self.stops])
        lat = np.array([s.point.lat for s in self.stops])
        return cKDTree(self._projection.xy(lon, lat))

    @cached_property
    def _prepared_area(self) -> BaseGeometry:
        import shapely

        area = self.service_area
        shapely.prepare(area)
        return area

    def _xy(self, point: Point) -> NDArray[np.float64]:
        xy: NDArray[np.float64] = self._projection.xy(np.array([point.lon]), np.array([point.lat]))[0]
        return xy

    def check_inside(self, point: Point) -> None:
        """Raise :class:`OutsideServiceArea` if ``point`` lies outside the service area."""
        import shapely

        if not shapely.contains_xy(self._prepared_area, point.lon, point.lat):
            b = self.meta.bbox
            msg = (
                f"point ({point.lon:.5f}, {point.lat:.5f}) lies outside the service area of this network "
                f"(bbox lon {b[0]:.3f}–{b[2]:.3f}, lat {b[1]:.3f}–{b[3]:.3f})"
            )
            raise OutsideServiceArea(msg)

    def nearest_node(self, point: Point) -> int:
        """The network node nearest to ``point``; raises :class:`OutsideServiceArea` outside the area."""
        self.check_inside(point)
        _, node = self._node_tree.query(self._xy(point))
        return int(node)

    def snap(self, point: Point, walk_limit_m: float = DEFAULT_WALK_LIMIT_M) -> StopSnap:
        """The nearest stop within ``walk_limit_m`` (straight line) of ``point``.

        Raises :class:`OutsideServiceArea` or :class:`NoStopNearby` (naming the nearest stop).
        """
        if walk_limit_m <= 0:
            msg = f"walking limit must be positive, got {walk_limit_m} m"
            raise ValueError(msg)
        self.check_inside(point)
        if not self.stops:
            msg = "this network has no stops"
            raise NoStopNearby(msg)
        _, idx = self._stop_tree.query(self._xy(point), k=min(4, len(self.stops)))
        candidates = [self.stops[int(i)] for i in np.atleast_1d(idx)]
        best = min(candidates, key=lambda s: haversine_m(point, s.point))
        walk = haversine_m(point, best.point)
        if walk > walk_limit_m:
            msg = (
                f"no stop within {walk_limit_m:.0f} m of ({point.lon:.5f}, {point.lat:.5f}); "
                f"the nearest is {best.name!r} at {walk:.0f} m"
            )
            raise NoStopNearby(msg)
        return StopSnap(stop=best, walk_m=round(walk))

    def find_stop(self, name_or_id: str) -> Stop:
        """The stop with this id or name; raises :class:`UnknownStop` with suggestions."""
        from routing.stops.lookup import find_stop

        return find_stop(self.stops, name_or_id)

    def _from_node(self, node: int) -> tuple[NDArray[np.float64], NDArray[np.int32]]:
        from scipy.sparse.csgraph import dijkstra

        weights, pred = dijkstra(self._graph[0], directed=True, indices=node, return_predecessors=True)
        return weights, pred

    def one_to_many(self, point: Point, stop_indices: NDArray[np.int64] | None = None) -> OneToMany:
        """Driving times and distances from the node nearest ``point`` to the given stops (default all)."""
        idx = np.arange(len(self.stops)) if stop_indices is None else np.asarray(stop_indices, dtype=np.int64)
        from scipy.sparse.csgraph import dijkstra

        weights = dijkstra(self._graph[0], directed=True, indices=self.nearest_node(point))
        durations, distances = split_weights(weights[self.stop_nodes[idx]])
        return OneToMany(stop_indices=idx, durations=durations, distances=distances)

    def route(self, a: Point, b: Point) -> Route:
        """The fastest route between the nodes nearest ``a`` and ``b`` with its line for maps."""
        start, end = self.nearest_node(a), self.nearest_node(b)
        weights, pred = self._from_node(start)
        durations, distances = split_weights(weights[[end]])
        if not np.isfinite(weights[end]):
            msg = f"no route from node {start} to node {end}"
            raise ValueError(msg)
        nodes = [end]
        while nodes[-1] != start:
            nodes.append(int(pred[nodes[-1]]))
        nodes.reverse()
        return Route(int(durations[0]), int(distances[0]), self._line(nodes))

    def _line(self, nodes: list[int]) -> list[tuple[float, float]]:
        graph, edge_ids = self._graph
        arr = self.arrays
        line = [(float(arr.node_lon[nodes[0]]), float(arr.node_lat[nodes[0]]))]
        for p, q in itertools.pairwise(nodes):
            lo, hi = graph.indptr[p], graph.indptr[p + 1]
            e = int(edge_ids[lo + int(np.flatnonzero(graph.indices[lo:hi] == q)[0])])
            s, t = arr.geom_offsets[e], arr.geom_offsets[e + 1]
            line.extend(zip(arr.geom_lon[s:t].tolist(), arr.geom_lat[s:t].tolist(), strict=True))
            line.append((float(arr.node_lon[q]), float(arr.node_lat[q])))
        return line

    def matrix_between(
        self, sources: NDArray[np.int64], targets: NDArray[np.int64], *, progress: ProgressFn | None = None
    ) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
        """Durations and distances between network nodes ``sources`` × ``targets``."""
        return many_to_many(self._graph[0], sources, targets, progress=progress)

    def stop_matrix(self, cache_dir: Path | None = None, *, progress: ProgressFn | None = None) -> TravelTimeMatrix:
        """All stops × all stops; read from / written to ``cache_dir`` keyed by the network hash.

        Kept in memory after the first call, so later calls return the same object.
        """
        if self._matrix is not None:
            return self._matrix
        path = None if cache_dir is None else cache_dir / f"stop-matrix-{self.meta.hash[:24]}.npz"

        def compute() -> TravelTimeMatrix:
            d, m = many_to_many(self._graph[0], self.stop_nodes, self.stop_nodes, progress=progress)
            return TravelTimeMatrix(durations=d, distances=m)

        self._matrix = cached_matrix(path, compute, len(self.stops))
        return self._matrix
