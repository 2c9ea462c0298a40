"""Fixtures: the bundled Salzlandkreis network, its stop matrix, and a small fleet at real depots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mobility.config import DEFAULT_NETWORK
from mobility.domain.fleet import Shift, Vehicle, VehicleKind, VehicleType
from mobility.domain.rides import Load
from routing.directory import NetworkStopDirectory
from routing.dispatcher import DispatcherConfig, LiveDispatcher
from routing.matrix import TravelTimeMatrix
from routing.network import RoadNetwork, load_network

DAY = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday; 06:00 UTC is 07:00 in Bernburg


@pytest.fixture(scope="session")
def network() -> RoadNetwork:
    """The bundled district network."""
    return load_network(DEFAULT_NETWORK)


@pytest.fixture(scope="session")
def matrix(network: RoadNetwork) -> TravelTimeMatrix:
    """All stops × all stops of the bundled network."""
    return network.stop_matrix(None)


@pytest.fixture(scope="session")
def directory(network: RoadNetwork) -> NetworkStopDirectory:
    """The network as a stop directory."""
    return NetworkStopDirectory(network)


def minibus(vid: str, depot: str, directory: NetworkStopDirectory, *, seats: int = 8, wheelchairs: int = 0,
            start_h: int = 5, end_h: int = 21) -> Vehicle:
    """A minibus at the stop called ``depot`` with one shift on DAY (hours UTC)."""
    stop = directory.find_stop(depot)
    vtype = VehicleType(f"bus-{seats}-{wheelchairs}", "Kleinbus", VehicleKind.MINIBUS, Load(seats, wheelchairs, 1))
    shift = Shift(DAY + timedelta(hours=start_h), DAY + timedelta(hours=end_h))
    return Vehicle(vid, vid, vtype, stop.point, stop.name, (shift,))


@pytest.fixture
def make_dispatcher(directory: NetworkStopDirectory, matrix: TravelTimeMatrix):  # type: ignore[no-untyped-def]
    """A factory for dispatchers on the district network."""

    def make(vehicles: list[Vehicle], config: DispatcherConfig | None = None) -> LiveDispatcher:
        return LiveDispatcher(directory=directory, travel=matrix, fleet=vehicles, config=config,
                              origin=DAY)

    return make
