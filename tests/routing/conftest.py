"""Shared fixtures of the road-network tests: the bundled district network and real OSM fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobility.config import DEFAULT_NETWORK, REPO_ROOT
from routing.network import RoadNetwork, load_network

OSM_FIXTURES = REPO_ROOT / "tests" / "data" / "osm"
HEIDELBERG_PBF = OSM_FIXTURES / "heidelberg-altstadt.osm.pbf"
BAYREUTH_GZ = OSM_FIXTURES / "north-bayreuth-roads.osm.gz"
TRACKS_BZ2 = OSM_FIXTURES / "north-bayreuth-tracks.osm.bz2"
DISTRICT_DATA = REPO_ROOT / "data" / "salzlandkreis"


@pytest.fixture(scope="session")
def district_network() -> RoadNetwork:
    """The bundled approximate Salzlandkreis network (data/osm)."""
    return load_network(DEFAULT_NETWORK)


@pytest.fixture(scope="session")
def heidelberg_network() -> RoadNetwork:
    """A network built from the real Heidelberg old-town extract (whole extract, no stops)."""
    from routing.network.build import build_osm

    return build_osm("extract", extract=HEIDELBERG_PBF)


@pytest.fixture(scope="session")
def bayreuth_network() -> RoadNetwork:
    """A network built from the real rural north-Bayreuth extract (whole extract, no stops)."""
    from routing.network.build import build_osm

    return build_osm("extract", extract=BAYREUTH_GZ)


@pytest.fixture
def fixtures_dir() -> Path:
    """The folder of the real OSM test fixtures."""
    return OSM_FIXTURES
