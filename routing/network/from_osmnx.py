"""An osmnx ``MultiDiGraph`` (drive network) turned into :class:`NetworkArrays` with speeds and times."""

from __future__ import annotations

from typing import Any

import numpy as np

from routing.network.arrays import NetworkArrays, geometry_arrays
from routing.network.errors import NoDrivableRoads
from routing.network.speeds import SpeedProfile, class_index, edge_speed_kmh, parse_maxspeed, travel_time_s


def arrays_from_graph(graph: Any, profile: SpeedProfile | None = None) -> NetworkArrays:
    """Nodes, edges (length, class, speed-based integer travel time) and edge lines of an osmnx graph.

    An edge's ``travel_time`` (seconds, set before simplification: the sum of its parts) is used where present;
    otherwise the time is its length at the speed of its class and ``maxspeed``.
    """
    if graph.number_of_edges() == 0:
        msg = "the OSM graph has no drivable edge"
        raise NoDrivableRoads(msg)
    ids = {node: i for i, node in enumerate(graph.nodes)}
    node_lon = np.array([float(d["x"]) for _, d in graph.nodes(data=True)], dtype=np.float64)
    node_lat = np.array([float(d["y"]) for _, d in graph.nodes(data=True)], dtype=np.float64)
    u: list[int] = []
    v: list[int] = []
    length: list[int] = []
    time: list[int] = []
    cls: list[int] = []
    inner: list[list[tuple[float, float]]] = []
    for a, b, data in graph.edges(data=True):
        metres = max(1.0, float(data.get("length", 0.0)))
        road_class = class_index(data.get("highway"))
        timed = data.get("travel_time")
        if timed is None:
            seconds = travel_time_s(metres, edge_speed_kmh(road_class, parse_maxspeed(data.get("maxspeed")), profile))
        else:
            seconds = max(1, round(float(timed)))
        u.append(ids[a])
        v.append(ids[b])
        length.append(max(1, round(metres)))
        time.append(seconds)
        cls.append(road_class)
        line = data.get("geometry")
        inner.append([(float(x), float(y)) for x, y in line.coords[1:-1]] if line is not None else [])
    offsets, geom_lon, geom_lat = geometry_arrays(inner)
    return NetworkArrays(
        node_lon=node_lon,
        node_lat=node_lat,
        edge_u=np.array(u, dtype=np.int32),
        edge_v=np.array(v, dtype=np.int32),
        edge_length_m=np.array(length, dtype=np.int32),
        edge_time_s=np.array(time, dtype=np.int32),
        edge_class=np.array(cls, dtype=np.uint8),
        geom_offsets=offsets,
        geom_lon=geom_lon,
        geom_lat=geom_lat,
    )
