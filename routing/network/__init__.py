"""The road network: built from OSM (Overpass or a local extract) or approximated offline; fast queries.

``load_network(path)`` reads a built ``.network.npz``; :class:`RoadNetwork` answers nearest node,
stop snapping, stop lookup, routes, one-to-many times and the all-stops matrix.
"""

from routing.network.errors import (
    NetworkError,
    NetworkFileError,
    NoDrivableRoads,
    NoStopNearby,
    OutsideServiceArea,
    UnknownStop,
)
from routing.network.meta import NetworkMeta
from routing.network.model import RoadNetwork
from routing.network.results import OneToMany, Route, StopSnap
from routing.network.store import load_network, save_network

__all__ = [
    "NetworkError",
    "NetworkFileError",
    "NetworkMeta",
    "NoDrivableRoads",
    "NoStopNearby",
    "OneToMany",
    "OutsideServiceArea",
    "RoadNetwork",
    "Route",
    "StopSnap",
    "UnknownStop",
    "load_network",
    "save_network",
]
