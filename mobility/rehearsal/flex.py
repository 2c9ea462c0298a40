"""Does the service keep the ride duration it publishes? The GTFS-Flex feed's safe duration (``trips.txt``:
``safe_duration_factor × driving + safe_duration_offset``, the 95 % bound of the time on the trip) against the
rides of the rehearsal: boarding to drop-off as the drivers reported them, driving time from the network's matrix
(the planner's own estimate is taken to be the same, ``MOBILITY_FLEX_DRIVING_RATIO`` 1.0)."""

from __future__ import annotations

import csv
import io
import math
import zipfile
from collections.abc import Callable, Sequence

from mobility.domain.flex import SafeDuration
from mobility.rehearsal.api import Api
from mobility.rehearsal.ledger import Ride


def published_safe_duration(api: Api) -> SafeDuration | None:
    """The safe duration of the service's GTFS-Flex trips (None when the feed or the fields are missing)."""
    r = api.call("GET", "/feeds/gtfs-flex.zip", who="rehearsal")
    if r.status_code != 200:
        return None
    with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
        trips = list(csv.DictReader(io.StringIO(archive.read("trips.txt").decode())))
    fields = {(t.get("safe_duration_factor") or "", t.get("safe_duration_offset") or "") for t in trips}
    if len(fields) != 1 or "" in next(iter(fields)):
        return None
    factor, offset = next(iter(fields))
    return SafeDuration(float(factor), round(float(offset)))


def within_safe_duration(rides: Sequence[Ride], safe: SafeDuration,
                         driving_s: Callable[[str, str], int]) -> tuple[int, int, int]:
    """(rides within the bound, rides measured, the offset in seconds that 95 % of them need at the published
    factor): every ride with a boarding, a drop-off and both stops known."""
    within, needed = 0, []
    for ride in rides:
        if ride.boarded_at is None or ride.dropped_at is None or not ride.pickup_stop or not ride.dropoff_stop:
            continue
        on_board = (ride.dropped_at - ride.boarded_at).total_seconds()
        drive = driving_s(ride.pickup_stop, ride.dropoff_stop)
        within += on_board <= safe.bound_s(drive)
        needed.append(on_board - safe.factor * drive)
    p95 = sorted(needed)[math.ceil(0.95 * len(needed)) - 1] if needed else 0.0
    return within, len(needed), round(p95)
