"""Checks of the published feeds against the GTFS-Realtime rules for NEW trips and the duty rules of the service.

Used by the tests and the rehearsal: each function returns the problems found as sentences (empty: valid).
TripUpdates (https://gtfs.org/documentation/realtime/reference/): a NEW trip has a ``trip_id`` of its own, the
``route_id`` of the static feed, ``start_date``; every stop time update has ``stop_id``, an increasing
``stop_sequence``, ``arrival`` and ``departure`` times. The service adds: one trip per duty (the trip id is a duty of
the plan, its stops in the order of the duty's visits), never the same stop twice in a row, arrival ≤ departure,
times never going back, a trip that is not over yet (its last departure not in the past).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from mobility.domain.plan import Plan

_DATE = re.compile(r"^\d{8}$")
_TIME = re.compile(r"^\d{2}:[0-5]\d:[0-5]\d$")


def trip_update_problems(feed: Any, now: datetime, plan: Plan | None = None,
                         route_ids: frozenset[str] | None = None) -> list[str]:
    """What is wrong with a TripUpdates ``FeedMessage`` at ``now`` (with ``plan``: also against its duties)."""
    from google.transit import gtfs_realtime_pb2 as rt

    problems: list[str] = []
    if feed.header.gtfs_realtime_version != "2.0":
        problems.append(f"header: gtfs_realtime_version {feed.header.gtfs_realtime_version!r}")
    entity_ids: set[str] = set()
    trip_ids: set[str] = set()
    for entity in feed.entity:
        where = f"entity {entity.id!r}"
        if not entity.id or entity.id in entity_ids:
            problems.append(f"{where}: missing or repeated entity id")
        entity_ids.add(entity.id)
        if not entity.HasField("trip_update"):
            problems.append(f"{where}: no trip_update")
            continue
        update = entity.trip_update
        trip = update.trip
        if trip.schedule_relationship != rt.TripDescriptor.NEW:
            problems.append(f"{where}: schedule_relationship is not NEW")
        if not trip.trip_id or trip.trip_id in trip_ids:
            problems.append(f"{where}: missing or repeated trip_id {trip.trip_id!r}")
        trip_ids.add(trip.trip_id)
        if not trip.route_id or (route_ids is not None and trip.route_id not in route_ids):
            problems.append(f"{where}: route_id {trip.route_id!r} is not a route of the static feed")
        if not _DATE.match(trip.start_date) or (trip.start_time and not _TIME.match(trip.start_time)):
            problems.append(f"{where}: start_date/start_time {trip.start_date!r} {trip.start_time!r}")
        problems += [f"{where}: {p}" for p in _stop_time_problems(update.stop_time_update, now)]
        if plan is not None:
            problems += [f"{where}: {p}" for p in _duty_problems(update, plan)]
    return problems


def _stop_time_problems(updates: Any, now: datetime) -> list[str]:
    problems: list[str] = []
    if len(updates) < 2:
        problems.append(f"{len(updates)} stop time update(s); a trip has two or more stops")
    previous: Any = None
    for stu in updates:
        at = f"stop_sequence {stu.stop_sequence}"
        if not stu.stop_id or not stu.HasField("stop_sequence"):
            problems.append(f"{at}: stop_id and stop_sequence are required for NEW trips")
        if not (stu.HasField("arrival") and stu.arrival.HasField("time")
                and stu.HasField("departure") and stu.departure.HasField("time")):
            problems.append(f"{at}: arrival and departure times are required for NEW trips")
            previous = stu
            continue
        if stu.arrival.time > stu.departure.time:
            problems.append(f"{at}: arrival after departure")
        if previous is not None:
            if stu.stop_sequence <= previous.stop_sequence:
                problems.append(f"{at}: stop_sequence not increasing")
            if stu.stop_id == previous.stop_id:
                problems.append(f"{at}: stop {stu.stop_id} twice in a row")
            if previous.departure.HasField("time") and stu.arrival.time < previous.departure.time:
                problems.append(f"{at}: arrives before the previous stop's departure")
        previous = stu
    if previous is not None and previous.departure.time < int(now.timestamp()):
        problems.append("the trip's last departure is in the past")
    return problems


def _duty_problems(update: Any, plan: Plan) -> list[str]:
    duty = plan.duties.get(update.trip.trip_id)
    if duty is None:
        return [f"trip_id {update.trip.trip_id!r} is no duty of the plan"]
    problems = []
    if update.vehicle.id and update.vehicle.id != duty.vehicle_id:
        problems.append(f"vehicle {update.vehicle.id} does not drive duty {duty.id}")
    if update.trip.start_date != f"{duty.day:%Y%m%d}":
        problems.append(f"start_date {update.trip.start_date} is not the duty's day {duty.day}")
    visits = iter(v.stop.id for v in duty.visits)
    for stu in update.stop_time_update:  # the stops must follow the duty's visits in order
        if not any(stop_id == stu.stop_id for stop_id in visits):
            problems.append(f"stop {stu.stop_id} (sequence {stu.stop_sequence}) is not a later visit of duty "
                            f"{duty.id}: the trip leaves its duty")
            break
    return problems


def vehicle_position_problems(feed: Any, trip_ids: frozenset[str] | None = None) -> list[str]:
    """What is wrong with a VehiclePositions ``FeedMessage`` (``trip_ids``: the trips of the TripUpdates feed)."""
    problems: list[str] = []
    vehicles: set[str] = set()
    for entity in feed.entity:
        where = f"entity {entity.id!r}"
        if not entity.HasField("vehicle"):
            problems.append(f"{where}: no vehicle position")
            continue
        vp = entity.vehicle
        if not vp.vehicle.id or vp.vehicle.id in vehicles:
            problems.append(f"{where}: missing or repeated vehicle id {vp.vehicle.id!r}")
        vehicles.add(vp.vehicle.id)
        if not (-90 <= vp.position.latitude <= 90 and -180 <= vp.position.longitude <= 180):
            problems.append(f"{where}: position out of range")
        if vp.HasField("trip") and trip_ids is not None and vp.trip.trip_id not in trip_ids:
            problems.append(f"{where}: trip {vp.trip.trip_id!r} is not in the TripUpdates feed")
    return problems


def geojson_problems(collection: dict[str, Any], plan: Plan | None = None) -> list[str]:
    """What is wrong with a plan FeatureCollection: each tour is one duty of one day, its line a valid LineString."""
    problems: list[str] = []
    day = collection.get("day")
    for feature in collection.get("features", ()):
        props = feature.get("properties") or {}
        if props.get("feature_type") != "tour":
            continue
        where = f"feature {feature.get('id')!r}"
        if day is not None and props.get("day") != day:
            problems.append(f"{where}: day {props.get('day')} in the collection of {day}")
        geometry = feature.get("geometry")
        if geometry is not None:
            coords = geometry.get("coordinates") or []
            if geometry.get("type") != "LineString" or len({tuple(c) for c in coords}) < 2:
                problems.append(f"{where}: not a LineString through two or more places")
        duty_id = props.get("duty_id")
        if plan is not None and plan.duties:
            duty = plan.duties.get(str(duty_id))
            if duty is None:
                problems.append(f"{where}: duty {duty_id!r} is not in the plan")
            elif "visits" in props and len(props["visits"]) != len(duty.visits):  # the public feed has stops only
                problems.append(f"{where}: {len(props.get('visits', ()))} visits, duty {duty_id} has "
                                f"{len(duty.visits)}")
    return problems
