"""The network as a stop directory: snapping, lookup, service area and road geometry between stops."""

from __future__ import annotations

import pytest

from mobility.domain.geo import Point
from routing.directory import NetworkStopDirectory


def test_snap_and_lookup(directory: NetworkStopDirectory) -> None:
    """A point next to Bernburg's bus station snaps to it; a point in Berlin is outside the area."""
    stop = directory.find_stop("959000")
    snapped, walk = directory.snap(Point(stop.point.lon + 0.001, stop.point.lat))
    assert snapped.id == stop.id
    assert 50 < walk < 100
    assert directory.in_service_area(stop.point)
    assert not directory.in_service_area(Point(13.4, 52.5))
    with pytest.raises(ValueError, match="outside the service area"):
        directory.snap(Point(13.4, 52.5))
    assert directory.network_source == "approximate"


def test_leg_geometry_follows_roads(directory: NetworkStopDirectory) -> None:
    """The line between two stops starts and ends at them and follows the network's roads."""
    a, b = directory.find_stop("959000"), directory.find_stop("953445")
    line = directory.leg_geometry(a, b)
    assert line[0] == a.point.as_lonlat()
    assert line[-1] == b.point.as_lonlat()
    assert len(line) > 2
