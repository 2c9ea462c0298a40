"""A Rufbus service in the area of the real test feed (Cairns, tests/data/transit/README.md).

Its stops stand where stops of the feed stand (the terminus at The Pier, Smithfield shopping centre, Palm Cove, James
Cook University, Raintrees) on an approximate road network built over all stops of the feed, so the Rufbus stops are
joined to the feed's stops as in the district (within the station radius).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from booking.transit.gtfs import GtfsFeed
from mobility.app import Routing
from mobility.domain.clock import ManualClock
from mobility.domain.fleet import Shift, Vehicle, VehicleKind, VehicleType
from mobility.domain.geo import Point
from mobility.domain.rides import Load

FEED = Path(__file__).resolve().parents[1] / "data" / "transit" / "cairns_gtfs.zip"
#: Tuesday 10 June 2014, 07:00 in Berlin = 15:00 in Cairns (within the Rufbus hours and the feed's calendar).
T_CAIRNS = datetime(2014, 6, 10, 5, 0, tzinfo=UTC)
MINIBUS = VehicleType("minibus-8", "Kleinbus 8 Sitze", VehicleKind.MINIBUS, Load(8, 1, 2))
#: Rufbus stops (own ids) at stops of the feed: (id, name, lon, lat).
SERVICE_STOPS = (
    ("rb-pier", "Cairns, The Pier (Busbahnhof)", 145.779259, -16.920876),
    ("rb-smithfield", "Smithfield, Einkaufszentrum", 145.692535, -16.835082),
    ("rb-palmcove", "Palm Cove", 145.668525, -16.743472),
    ("rb-jcu", "James Cook University", 145.687364, -16.818651),
    ("rb-raintrees", "Raintrees", 145.74008, -16.927291),
    # 470 m east of the feed's stop "Captain Cook Hwy N17", whose nearest other stop is 948 m away: no feed stop
    # within the 400 m station radius
    ("rb-highway", "Captain Cook Highway", 145.695207, -16.805681),
)
PIER, SMITHFIELD, PALM_COVE, JCU, RAINTREES, HIGHWAY = (s[0] for s in SERVICE_STOPS)


def cairns_routing(cache_dir: Path) -> Routing:
    """The approximate network over the feed's stops with the Rufbus stops on it, its directory and matrix."""
    from routing.directory import NetworkStopDirectory
    from routing.network.approximate import approximate_arrays
    from routing.network.build import assemble
    from routing.network.service_area import hull_area
    from routing.stops.sources import StopCandidate

    with GtfsFeed(FEED) as feed:
        stops = list(feed.tables().stops.values())
    arrays, _ = approximate_arrays([(s.lon, s.lat) for s in stops])
    area = hull_area(np.array([s.lon for s in stops]), np.array([s.lat for s in stops]), buffer_m=1_500.0)
    candidates = [StopCandidate(i, name, "Cairns", lon, lat) for i, name, lon, lat in SERVICE_STOPS]
    network = assemble(arrays, candidates, area, source="approximate", attribution="test network (GTFS stops)",
                       inputs={"data": "tests/data/transit/cairns_gtfs.zip"})
    return Routing(network, NetworkStopDirectory(network, walk_limit_m=500), network.stop_matrix(cache_dir))


def cairns_fleet() -> list[Vehicle]:
    """Two minibuses, at The Pier and at Smithfield, from an hour before ``T_CAIRNS`` for 14 hours."""
    shifts = (Shift(T_CAIRNS - timedelta(hours=1), T_CAIRNS + timedelta(hours=14)),)
    return [Vehicle("cns-1", "Cairns 1", MINIBUS, Point(145.779259, -16.920876), "The Pier", shifts),
            Vehicle("cns-2", "Cairns 2", MINIBUS, Point(145.692535, -16.835082), "Smithfield", shifts)]


def cairns_clock() -> ManualClock:
    """A manual clock at ``T_CAIRNS``."""
    return ManualClock(T_CAIRNS)
