"""Invariants checked at snapshots: the public feeds as a consumer reads them.

GTFS-Realtime TripUpdates are parsed with the official bindings; each trip must be one duty (its times inside one
shift of its vehicle, none inside another), NEW, with increasing sequences, no two consecutive updates at the same
stop, times that do not go back, and no time in the past for a stop the vehicle has not reached. The GeoJSON of the
trips must be a FeatureCollection of valid lines and points inside the district, one tour per duty.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mobility.domain.fleet import Shift, Vehicle
from mobility.rehearsal.api import Api
from mobility.rehearsal.ledger import Ledger

PAST_GRACE = timedelta(minutes=1)  # a stop time this much before the snapshot counts as in the past
SHIFT_MARGIN = timedelta(minutes=15)  # a time this far inside another shift belongs to that shift
HORIZON = timedelta(hours=24)
BERLIN = ZoneInfo("Europe/Berlin")  # trips further ahead are not "today and the next hours"


@dataclass
class SnapshotResult:
    """What one snapshot of the feeds found."""

    at: datetime
    trips: int = 0
    stop_updates: int = 0
    tours: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """Nothing wrong."""
        return not self.problems


def _inside(t: datetime, shift: Shift, margin: timedelta) -> bool:
    return shift.start + margin < t < shift.end - margin


def own_shift(trip: Any, shifts: Sequence[Shift], tz: ZoneInfo) -> Shift | None:
    """The shift whose local start is the trip's ``start_date`` and ``start_time`` (a trip is one duty)."""
    try:
        start = datetime.strptime(f"{trip.start_date} {trip.start_time}", "%Y%m%d %H:%M:%S").replace(tzinfo=tz)
    except ValueError:
        return None
    return next((s for s in shifts if s.start == start), None)


def trip_problems(update: Any, now: datetime, shifts: Sequence[Shift], reached: set[str] | None,
                  tz: ZoneInfo = BERLIN) -> list[str]:
    """What is wrong with one TripUpdate (a ``gtfs_realtime_pb2.TripUpdate``)."""
    from google.transit import gtfs_realtime_pb2 as rt

    trip = update.trip
    name = trip.trip_id or "(no trip_id)"
    problems = []
    if not trip.trip_id or not update.vehicle.id:
        problems.append(f"{name}: trip_id or vehicle id missing")
    if trip.schedule_relationship != rt.TripDescriptor.NEW:  # not in the static timetable
        problems.append(f"{name}: schedule_relationship {trip.schedule_relationship}, not NEW")
    if not trip.route_id or len(trip.start_date) != 8 or not trip.start_date.isdigit():
        problems.append(f"{name}: route_id {trip.route_id!r} or start_date {trip.start_date!r} missing")
    times: list[tuple[str, datetime, datetime, int]] = []
    for stu in update.stop_time_update:
        arrival = datetime.fromtimestamp(stu.arrival.time or stu.departure.time, UTC)
        departure = datetime.fromtimestamp(stu.departure.time or stu.arrival.time, UTC)
        times.append((stu.stop_id, arrival, departure, stu.stop_sequence))
    if not times:
        problems.append(f"{name}: no stop time updates")
        return problems
    for (a_stop, _, a_dep, a_seq), (b_stop, b_arr, _, b_seq) in itertools.pairwise(times):
        if a_stop == b_stop:
            problems.append(f"{name}: two consecutive updates at stop {a_stop}")
        if b_seq <= a_seq:
            problems.append(f"{name}: stop_sequence {a_seq} then {b_seq}")
        if b_arr < a_dep:
            problems.append(f"{name}: arrival at {b_stop} before the departure from {a_stop}")
    for stop_id, arrival, departure, _ in times:
        if departure < arrival:
            problems.append(f"{name}: departure before arrival at {stop_id}")
        if departure < now - PAST_GRACE and reached is not None and stop_id not in reached:
            problems.append(f"{name}: stop {stop_id} not reached but its time {departure:%H:%M} UTC is past")
    first, last = times[0][1], times[-1][2]
    if first > now + HORIZON:
        problems.append(f"{name}: starts {first.isoformat()}, more than a day ahead")
    own = own_shift(trip, shifts, tz)
    if own is None:
        problems.append(f"{name}: start {trip.start_date} {trip.start_time} is no shift start of {update.vehicle.id}")
        return problems
    crossing = [t for _, t, _, _ in times if any(_inside(t, s, SHIFT_MARGIN) for s in shifts if s != own)]
    if crossing:
        problems.append(f"{name}: {len(crossing)} stop time(s) inside another shift of {update.vehicle.id} "
                        f"(first {crossing[0].isoformat()}); runs {first:%H:%M}–{last:%H:%M} UTC")
    return problems


def geojson_problems(body: Any, bbox: tuple[float, float, float, float]) -> tuple[int, list[str]]:
    """Tours counted and what is wrong with a trips GeoJSON (FeatureCollection of tour lines and visit points)."""
    if not isinstance(body, dict) or body.get("type") != "FeatureCollection" or not isinstance(
            body.get("features"), list):
        return 0, ["not a GeoJSON FeatureCollection"]
    problems: list[str] = []
    tours = 0
    seen: set[str] = set()
    for feature in body["features"]:
        props = feature.get("properties") or {}
        fid = str(feature.get("id", "?"))
        if feature.get("type") != "Feature":
            problems.append(f"{fid}: not a Feature")
            continue
        geometry = feature.get("geometry")
        if props.get("feature_type") == "tour":
            tours += 1
            duty = props.get("duty_id")
            if duty in seen:
                problems.append(f"{fid}: a second tour for duty {duty}")
            seen.add(str(duty))
        if geometry is None:
            continue
        kind, coords = geometry.get("type"), geometry.get("coordinates")
        points = coords if kind == "LineString" else [coords] if kind == "Point" else None
        if points is None:
            problems.append(f"{fid}: geometry type {kind}")
            continue
        if kind == "LineString" and (len(points) < 2 or all(p == points[0] for p in points)):
            problems.append(f"{fid}: a line without length")
        for p in points:
            ok = (isinstance(p, list) and len(p) == 2 and all(isinstance(x, int | float) and math.isfinite(x)
                                                                for x in p))
            if not ok or not (bbox[0] <= p[0] <= bbox[2] and bbox[1] <= p[1] <= bbox[3]):
                problems.append(f"{fid}: position {p} outside the district or not [lon, lat]")
                break
    return tours, problems


class FeedChecker:
    """Reads the feeds at snapshots and checks them."""

    def __init__(self, api: Api, ledger: Ledger, vehicles: Sequence[Vehicle], bbox: tuple[float, float, float, float],
                 reached: Callable[[], Mapping[str, set[str]]]) -> None:
        self.api = api
        self.ledger = ledger
        self.shifts = {v.id: v.shifts for v in vehicles}
        self.bbox = bbox
        self.reached = reached
        self.results: list[SnapshotResult] = []

    def snapshot(self) -> SnapshotResult:
        """Check the feeds now."""
        from google.transit import gtfs_realtime_pb2 as rt

        now = self.api.clock.now()
        result = SnapshotResult(now)
        r = self.api.call("GET", "/feeds/gtfs-rt/trip-updates", who="feeds")
        if r.status_code == 200:
            feed = rt.FeedMessage()
            try:
                feed.ParseFromString(r.content)
            except Exception as exc:  # the bindings raise DecodeError (a protobuf internal class)
                result.problems.append(f"GTFS-RT does not parse: {exc}")
            else:
                self._trips(feed, now, result)
        else:
            result.problems.append(f"GTFS-RT: HTTP {r.status_code}")
        g = self.api.call("GET", "/feeds/trips.geojson", who="feeds")
        if g.status_code == 200:
            result.tours, found = geojson_problems(g.json(), self.bbox)
            result.problems.extend(f"GeoJSON {p}" for p in found)
        else:
            result.problems.append(f"GeoJSON: HTTP {g.status_code}")
        for problem in result.problems:
            self.ledger.observe(now, "feed_invalid", problem)
        self.results.append(result)
        return result

    def _trips(self, feed: Any, now: datetime, result: SnapshotResult) -> None:
        header = feed.header
        if header.gtfs_realtime_version != "2.0" or abs(header.timestamp - now.timestamp()) > 60:
            result.problems.append(f"GTFS-RT header: version {header.gtfs_realtime_version!r}, timestamp "
                                   f"{header.timestamp} at {int(now.timestamp())}")
        reached = self.reached()
        ids: set[str] = set()
        for entity in feed.entity:
            if not entity.HasField("trip_update"):
                continue
            update = entity.trip_update
            result.trips += 1
            result.stop_updates += len(update.stop_time_update)
            if update.trip.trip_id in ids:
                result.problems.append(f"GTFS-RT: trip {update.trip.trip_id} twice")
            ids.add(update.trip.trip_id)
            shifts = self.shifts.get(update.vehicle.id, ())
            result.problems.extend(f"GTFS-RT {p}" for p in trip_problems(update, now, shifts,
                                                                           reached.get(update.trip.trip_id)))
