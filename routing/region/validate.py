"""Checks of a pack against its network: depots and pool-car stations inside it, one strongly connected component."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from mobility.domain.geo import Point, haversine_m
from routing.region.errors import RegionError

if TYPE_CHECKING:
    from routing.fleet import FleetSpec
    from routing.network import RoadNetwork

#: The dispatcher starts a vehicle at the stop nearest its depot; farther than this is not "at" the network.
DEPOT_STOP_LIMIT_M = 5_000.0
#: A pool-car station must lie this close to a road of the network.
STATION_ROAD_LIMIT_M = 1_000.0


def _where(network: RoadNetwork, point: Point) -> str:
    """Why ``point`` is not served by ``network`` ("" when it is)."""
    try:
        network.check_inside(point)
    except ValueError:
        return "lies outside the service area of the network"
    if not network.stops:
        return "has no stop of the network near it (the network has no stops)"
    snapped = min(network.stops, key=lambda s: haversine_m(point, s.point))
    gap = haversine_m(point, snapped.point)
    if gap > DEPOT_STOP_LIMIT_M:
        limit = DEPOT_STOP_LIMIT_M / 1000
        return f"is {gap / 1000:.1f} km from the nearest stop ({snapped.name}; limit {limit:.0f} km)"
    return ""


def check_fleet(network: RoadNetwork, spec: FleetSpec, source: str) -> list[dict[str, Any]]:
    """Every depot of ``spec`` inside the network; :class:`RegionError` names the depot and its vehicles otherwise.

    Returns per depot its nearest stop and the gap (for the build report).
    """
    seen: dict[str, dict[str, Any]] = {}
    for vehicle in spec.vehicles:
        depot = vehicle.depot
        if depot.id in seen:
            continue
        problem = _where(network, depot.point)
        if problem:
            users = [v.id for v in spec.vehicles if v.depot.id == depot.id]
            msg = (f"{source}: depot {depot.id!r} ({depot.name}, lon {depot.point.lon:.5f}, lat {depot.point.lat:.5f}) "
                   f"of vehicle {users[0]}{f' and {len(users) - 1} more' if len(users) > 1 else ''} {problem}")
            raise RegionError(msg)
        stop = min(network.stops, key=lambda s: haversine_m(depot.point, s.point))
        seen[depot.id] = {"id": depot.id, "name": depot.name, "stop": stop.name,
                          "gap_m": round(haversine_m(depot.point, stop.point)),
                          "vehicles": sum(v.depot.id == depot.id for v in spec.vehicles)}
    return list(seen.values())


def check_stations(network: RoadNetwork, stations: Sequence[Any], source: str) -> None:
    """Every pool-car station inside the service area and near a road; :class:`RegionError` names it otherwise."""
    for n, station in enumerate(stations, start=1):
        point = station.point
        try:
            network.check_inside(point)
        except ValueError:
            msg = (f"{source}: station #{n} {station.id!r} ({station.name}, lon {point.lon:.5f}, lat {point.lat:.5f}) "
                   "lies outside the service area of the network")
            raise RegionError(msg) from None
        node = network.nearest_node(point)
        a = network.arrays
        gap = haversine_m(point, Point(float(a.node_lon[node]), float(a.node_lat[node])))
        if gap > STATION_ROAD_LIMIT_M:
            msg = f"{source}: station #{n} {station.id!r} ({station.name}) is {gap:.0f} m from the nearest road node"
            raise RegionError(msg)


def components(network: RoadNetwork) -> int:
    """Number of strongly connected components of the network (a pack needs exactly one)."""
    from scipy.sparse.csgraph import connected_components

    from routing.network.arrays import weight_csr

    count, _ = connected_components(weight_csr(network.arrays)[0], directed=True, connection="strong")
    return int(count)


def stop_components(network: RoadNetwork) -> int:
    """Number of distinct strongly connected components holding a stop."""
    from scipy.sparse.csgraph import connected_components

    from routing.network.arrays import weight_csr

    _, labels = connected_components(weight_csr(network.arrays)[0], directed=True, connection="strong")
    return len(np.unique(labels[network.stop_nodes])) if len(network.stop_nodes) else 0
