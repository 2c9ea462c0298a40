"""Fixtures: the bundled Salzlandkreis network, its stop matrix, and dispatchers on it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mobility.config import DEFAULT_NETWORK
from mobility.domain.fleet import Vehicle
from routing.directory import NetworkStopDirectory
from routing.dispatcher import DispatcherConfig, LiveDispatcher
from routing.matrix import TravelTimeMatrix
from routing.network import RoadNetwork, load_network
from tests.routing.dispatcher.dispatch_helpers import DAY

MakeDispatcher = Callable[..., LiveDispatcher]


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


@pytest.fixture
def make_dispatcher(directory: NetworkStopDirectory, matrix: TravelTimeMatrix) -> MakeDispatcher:
    """A factory for dispatchers on the district network."""

    def make(vehicles: list[Vehicle], config: DispatcherConfig | None = None) -> LiveDispatcher:
        return LiveDispatcher(directory=directory, travel=matrix, fleet=vehicles, config=config, origin=DAY)

    return make
