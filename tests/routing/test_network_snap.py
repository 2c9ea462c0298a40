"""Snapping points to stops within a walking limit, and to the nearest node."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mobility.domain.geo import Point, haversine_m
from routing.network import NoStopNearby, OutsideServiceArea, RoadNetwork

BERNBURG = Point(11.7401, 51.79464)


def test_snap_finds_a_stop_within_walking_distance(district_network: RoadNetwork) -> None:
    """A point in Bernburg's centre snaps to a Bernburg stop within 500 m."""
    snap = district_network.snap(BERNBURG)
    assert snap.walk_m <= 500
    assert snap.stop.municipality == "Bernburg (Saale)"
    assert snap.walk_m == round(haversine_m(BERNBURG, snap.stop.point))


FIELD = Point(11.52, 51.89)  # open fields between Hecklingen and Schneidlingen


def test_walk_limit_is_configurable(district_network: RoadNetwork) -> None:
    """A point more than 500 m from every stop fails by default but snaps with a larger limit."""
    gap = min(haversine_m(FIELD, s.point) for s in district_network.stops)
    assert gap > 500
    with pytest.raises(NoStopNearby, match="no stop within 500 m"):
        district_network.snap(FIELD)
    assert district_network.snap(FIELD, walk_limit_m=gap + 10).walk_m == round(gap)
    with pytest.raises(ValueError, match="positive"):
        district_network.snap(FIELD, walk_limit_m=0)


def test_no_stop_nearby_names_nearest(district_network: RoadNetwork) -> None:
    """A field between villages raises NoStopNearby naming the nearest stop and its distance."""
    field = FIELD
    nearest = min(district_network.stops, key=lambda s: haversine_m(field, s.point))
    limit = haversine_m(field, nearest.point) - 1
    with pytest.raises(NoStopNearby, match=nearest.name.replace("(", r"\(").replace(")", r"\)")):
        district_network.snap(field, walk_limit_m=limit)


def test_point_outside_service_area(district_network: RoadNetwork) -> None:
    """A point in Leipzig lies outside the district's service area: a clear error with the coordinates."""
    leipzig = Point(12.3731, 51.3397)
    with pytest.raises(OutsideServiceArea, match=r"12\.37310, 51\.33970"):
        district_network.snap(leipzig)
    with pytest.raises(OutsideServiceArea):
        district_network.nearest_node(leipzig)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.floats(min_value=11.45, max_value=11.85), st.floats(min_value=51.72, max_value=52.0))
def test_snap_returns_the_truly_nearest_stop(district_network: RoadNetwork, lon: float, lat: float) -> None:
    """Whatever the point, the snapped stop is the nearest by great-circle distance (brute force)."""
    point = Point(lon, lat)
    try:
        snap = district_network.snap(point, walk_limit_m=50_000)
    except OutsideServiceArea:
        return
    best = min(haversine_m(point, s.point) for s in district_network.stops)
    assert snap.walk_m == round(best)


def test_nearest_node_is_nearest(district_network: RoadNetwork) -> None:
    """nearest_node returns the node with the smallest distance (brute force over all nodes)."""
    arr = district_network.arrays
    node = district_network.nearest_node(BERNBURG)
    d = [haversine_m(BERNBURG, Point(float(x), float(y))) for x, y in zip(arr.node_lon, arr.node_lat, strict=True)]
    assert node == int(np.argmin(d))
