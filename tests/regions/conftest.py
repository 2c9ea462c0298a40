"""Fixtures of the region-pack tests: a pack built once from the real north-Bayreuth extract and its real stops."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobility.config import REPO_ROOT
from routing.region.build import BuildOptions, BuildReport, build_pack

OSM = REPO_ROOT / "tests" / "data" / "osm"
BAYREUTH_ROADS = OSM / "north-bayreuth-roads.osm.gz"
BAYREUTH_STOPS = OSM / "north-bayreuth.stops.txt"
TRACKS_ONLY = OSM / "north-bayreuth-tracks.osm.bz2"
HEIDELBERG_PBF = OSM / "heidelberg-altstadt.osm.pbf"
HEIDELBERG_STOPS = OSM / "heidelberg-altstadt.stops.txt"


@pytest.fixture(scope="session")
def bayreuth_pack(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport]:
    """The region pack of the rural north of Bayreuth (real roads, 27 real stops), built once per session."""
    out = tmp_path_factory.mktemp("packs") / "north-bayreuth"
    return build_pack(BuildOptions(stops=BAYREUTH_STOPS, out=out, extract=BAYREUTH_ROADS))
