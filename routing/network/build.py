"""Assembling a :class:`RoadNetwork` from arrays, stop candidates and a service area, with provenance."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from mobility.domain.geo import Point
from mobility.domain.stops import Stop
from routing.network.arrays import NetworkArrays, largest_scc
from routing.network.meta import OSM_ATTRIBUTION, NetworkMeta, Source
from routing.network.model import RoadNetwork
from routing.network.projection import LocalProjection
from routing.stops.sources import StopCandidate

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

    from routing.network.speeds import SpeedProfile

#: Steps of :func:`build_osm`, for progress bars.
OSM_BUILD_STEPS = ("OSM roads → osmnx graph", "speeds, travel times, largest component", "stops, service area")

#: A stop farther than this from every node of the network is not served by it (metres).
STOP_SNAP_LIMIT_M = 1_000.0

APPROXIMATE_ATTRIBUTION = (
    "Approximate network derived from stops: DB InfraGO AG (CC-BY 4.0) and "
    + OSM_ATTRIBUTION
    + "; settlements: GeoNames (CC-BY 4.0); municipalities: Destatis GV100AD (dl-de/by-2-0)"
)


@dataclass(frozen=True)
class DroppedStop:
    """A stop candidate the network does not serve, and why (for the build's report)."""

    id: str
    name: str
    lon: float
    lat: float
    reason: str


def assemble(
    arrays: NetworkArrays,
    candidates: Sequence[StopCandidate],
    service_area: BaseGeometry,
    *,
    source: Source,
    attribution: str,
    inputs: dict[str, str],
    built_at: datetime | None = None,
) -> RoadNetwork:
    """The largest strongly connected part of ``arrays`` with the candidates inside the area snapped to it."""
    return assemble_report(arrays, candidates, service_area, source=source, attribution=attribution,
                           inputs=inputs, built_at=built_at)[0]


def assemble_report(
    arrays: NetworkArrays,
    candidates: Sequence[StopCandidate],
    service_area: BaseGeometry,
    *,
    source: Source,
    attribution: str,
    inputs: dict[str, str],
    built_at: datetime | None = None,
    snap_limit_m: float = STOP_SNAP_LIMIT_M,
) -> tuple[RoadNetwork, list[DroppedStop]]:
    """:func:`assemble` and the candidates left out with their reasons.

    On real roads (every source but ``approximate``) a stop sits on the nearest position of the nearest edge (the
    edge is split there); the approximate mesh snaps to its nearest node.
    """
    import shapely

    arrays = largest_scc(arrays)
    if source == "approximate":
        stops, nodes = snap_candidates(arrays, candidates, service_area)
        dropped: list[DroppedStop] = []
    else:
        arrays, stops, nodes, dropped = snap_on_edges(arrays, candidates, service_area, snap_limit_m)
    meta = NetworkMeta(
        source=source,
        built_at=(built_at or datetime.now(UTC)).replace(microsecond=0).isoformat(),
        bbox=(
            float(arrays.node_lon.min()),
            float(arrays.node_lat.min()),
            float(arrays.node_lon.max()),
            float(arrays.node_lat.max()),
        ),
        nodes=arrays.n_nodes,
        edges=arrays.n_edges,
        stops=len(stops),
        road_km=road_km(arrays),
        hash=_content_hash(arrays, stops, nodes, shapely.to_wkb(service_area)),
        attribution=attribution,
        inputs=dict(inputs),
    )
    network = RoadNetwork(arrays=arrays, meta=meta, stops=stops, stop_nodes=nodes, service_area=service_area)
    return network, dropped


def snap_on_edges(
    arrays: NetworkArrays, candidates: Sequence[StopCandidate], service_area: BaseGeometry, limit_m: float
) -> tuple[NetworkArrays, list[Stop], np.ndarray, list[DroppedStop]]:
    """Candidates inside the area and within ``limit_m`` of a road, each on a node at its nearest road position."""
    import shapely

    from routing.network.edge_snap import snap_points

    dropped: list[DroppedStop] = []
    if not candidates:
        return arrays, [], np.zeros(0, dtype=np.int64), dropped
    lon = np.array([c.lon for c in candidates], dtype=np.float64)
    lat = np.array([c.lat for c in candidates], dtype=np.float64)
    inside = shapely.contains_xy(service_area, lon, lat)
    kept = [c for c, ok in zip(candidates, inside, strict=True) if ok]
    dropped += [DroppedStop(c.id, c.name, c.lon, c.lat, "outside the service area")
                for c, ok in zip(candidates, inside, strict=True) if not ok]
    _, probe = snap_points(arrays, [c.lon for c in kept], [c.lat for c in kept])  # gaps only
    near = [c for c, g in zip(kept, probe.gap_m.tolist(), strict=True) if g <= limit_m]
    gaps = probe.gap_m.tolist()
    dropped += [DroppedStop(c.id, c.name, c.lon, c.lat, f"{g:.0f} m from the nearest drivable road (limit "
                            f"{limit_m:.0f} m)") for c, g in zip(kept, gaps, strict=True) if g > limit_m]
    arrays, snap = snap_points(arrays, [c.lon for c in near], [c.lat for c in near])
    stops = [Stop(c.id, c.name, c.municipality, Point(c.lon, c.lat), c.kind, i) for i, c in enumerate(near)]
    return arrays, stops, snap.nodes, dropped


def snap_candidates(
    arrays: NetworkArrays, candidates: Sequence[StopCandidate], service_area: BaseGeometry
) -> tuple[list[Stop], np.ndarray]:
    """Stops for the candidates inside the area and within ``STOP_SNAP_LIMIT_M`` of a node, with their nodes."""
    import shapely
    from scipy.spatial import cKDTree

    if not candidates:
        return [], np.zeros(0, dtype=np.int64)
    proj = LocalProjection.around(arrays.node_lon, arrays.node_lat)
    tree = cKDTree(proj.xy(arrays.node_lon, arrays.node_lat))
    c_lon = np.array([c.lon for c in candidates], dtype=np.float64)
    c_lat = np.array([c.lat for c in candidates], dtype=np.float64)
    gap, node = tree.query(proj.xy(c_lon, c_lat))
    inside = shapely.contains_xy(service_area, c_lon, c_lat)
    stops: list[Stop] = []
    stop_nodes: list[int] = []
    for c, g, nd, ok in zip(candidates, gap, node, inside, strict=True):
        if ok and g <= STOP_SNAP_LIMIT_M:
            stops.append(Stop(c.id, c.name, c.municipality, Point(c.lon, c.lat), c.kind, len(stops)))
            stop_nodes.append(int(nd))
    return stops, np.array(stop_nodes, dtype=np.int64)


def road_km(arrays: NetworkArrays) -> float:
    """Length of road (km): a two-way street counts once, a one-way street once."""
    lo = np.minimum(arrays.edge_u, arrays.edge_v).astype(np.int64)
    hi = np.maximum(arrays.edge_u, arrays.edge_v).astype(np.int64)
    key = lo * arrays.n_nodes + hi
    order = np.lexsort((arrays.edge_length_m, key))
    first = np.ones(len(order), dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    return round(float(arrays.edge_length_m[order][first].sum()) / 1000.0, 1)


def _content_hash(arrays: NetworkArrays, stops: Sequence[Stop], nodes: np.ndarray, area_wkb: bytes) -> str:
    h = hashlib.sha256(arrays.digest().encode())
    for stop, node in zip(stops, nodes.tolist(), strict=True):
        h.update(
            f"{stop.id}|{stop.name}|{stop.municipality}|{stop.kind}|{stop.point.lon}|{stop.point.lat}|{node}\n".encode()
        )
    h.update(area_wkb)
    return h.hexdigest()


def build_approximate(data_dir: Path, *, built_at: datetime | None = None) -> RoadNetwork:
    """The approximate district network from the bundled stops, settlements and municipality seats."""
    from routing.network.approximate import approximate_arrays
    from routing.network.service_area import hull_area
    from routing.stops.sources import (
        all_stop_rows,
        district_stop_candidates,
        municipality_seats,
        settlements,
    )

    candidates = district_stop_candidates(data_dir)
    points = [(float(r["lon"]), float(r["lat"])) for r in all_stop_rows(data_dir)]
    points += [(p.lon, p.lat) for p in (*settlements(data_dir), *municipality_seats(data_dir))]
    arrays, _ = approximate_arrays(points)
    area = hull_area(np.array([c.lon for c in candidates]), np.array([c.lat for c in candidates]), buffer_m=1_500.0)
    inputs = {"data": "data/salzlandkreis (stops_db_hafas.csv, places_geonames500.csv, gemeinden_gv100ad)"}
    return assemble(
        arrays,
        candidates,
        area,
        source="approximate",
        attribution=APPROXIMATE_ATTRIBUTION,
        inputs=inputs,
        built_at=built_at,
    )


def build_osm(
    mode: Literal["extract", "overpass"],
    *,
    extract: Path | None = None,
    polygon: BaseGeometry | None = None,
    candidates: Sequence[StopCandidate] = (),
    built_at: datetime | None = None,
    step: Callable[[str], None] | None = None,
    profile: SpeedProfile | None = None,
) -> RoadNetwork:
    """A network from a local OSM extract or from Overpass, clipped to ``polygon``, with the candidates inside.

    Without a polygon (extract only) the whole extract is used and its service area is the buffered
    hull of the road nodes. ``step`` is told the name of each of the ``OSM_BUILD_STEPS`` as it starts.
    """
    return build_osm_report(mode, extract=extract, polygon=polygon, candidates=candidates, built_at=built_at,
                            step=step, profile=profile)[0]


def build_osm_report(
    mode: Literal["extract", "overpass"],
    *,
    extract: Path | None = None,
    polygon: BaseGeometry | None = None,
    candidates: Sequence[StopCandidate] = (),
    built_at: datetime | None = None,
    step: Callable[[str], None] | None = None,
    profile: SpeedProfile | None = None,
    service_area: BaseGeometry | None = None,
    snap_limit_m: float = STOP_SNAP_LIMIT_M,
) -> tuple[RoadNetwork, list[DroppedStop], float]:
    """:func:`build_osm`, the stop candidates left out with their reasons and the share of road nodes in the
    largest strongly connected component (the rest is left out); ``service_area`` (default: the polygon) is where
    stops are served, ``polygon`` where roads are kept."""
    tell = step or (lambda _name: None)
    from routing.network.from_osmnx import arrays_from_graph
    from routing.network.osm_build import graph_from_extract, graph_from_overpass
    from routing.network.service_area import hull_area

    if mode == "extract":
        if extract is None:
            msg = "an OSM extract file is needed to build from an extract"
            raise ValueError(msg)
        tell(OSM_BUILD_STEPS[0])
        graph = graph_from_extract(extract, polygon, profile)
        inputs = {"extract": extract.name}
    else:
        if polygon is None:
            msg = "a boundary polygon is needed to download from Overpass"
            raise ValueError(msg)
        tell(OSM_BUILD_STEPS[0])
        graph = graph_from_overpass(polygon, profile)
        inputs = {"overpass": "osmnx graph_from_polygon, network_type=drive"}
    tell(OSM_BUILD_STEPS[1])
    whole = arrays_from_graph(graph, profile)
    arrays = largest_scc(whole)
    tell(OSM_BUILD_STEPS[2])
    area = service_area if service_area is not None else polygon
    if area is None:
        area = hull_area(arrays.node_lon, arrays.node_lat, buffer_m=300.0)
    source: Source = "osm-extract" if mode == "extract" else "overpass"
    network, dropped = assemble_report(arrays, candidates, area, source=source, attribution=OSM_ATTRIBUTION,
                                       inputs=inputs, built_at=built_at, snap_limit_m=snap_limit_m)
    return network, dropped, arrays.n_nodes / whole.n_nodes
