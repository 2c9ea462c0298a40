"""GTFS-Realtime TripUpdates of the planned on-demand trips (official ``gtfs-realtime-bindings``).

Each vehicle's remaining tour is one trip (``schedule_relationship = NEW``: not in the static timetable) with a
stop time update per remaining visit; ``stop_id`` is the virtual stop's id (the DB HAFAS id for real stops).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from mobility.domain.fleet import Vehicle
from mobility.domain.plan import Plan, VisitStatus

TZ = ZoneInfo("Europe/Berlin")
ROUTE_ID = "on-demand-salzlandkreis"


def trip_updates(plan: Plan, vehicles: Sequence[Vehicle], now: datetime) -> Any:
    """A ``FeedMessage`` (FULL_DATASET) with one TripUpdate per vehicle that has visits ahead."""
    from google.transit import gtfs_realtime_pb2 as rt

    feed = rt.FeedMessage()
    feed.header.gtfs_realtime_version = "2.0"
    feed.header.incrementality = rt.FeedHeader.FULL_DATASET
    feed.header.timestamp = int(now.timestamp())
    names = {v.id: v.name for v in vehicles}
    for vehicle_id in sorted(plan.tours):
        visits = [(i, v) for i, v in enumerate(plan.tours[vehicle_id].visits) if v.status is not VisitStatus.DONE]
        if not visits:
            continue
        first = visits[0][1].planned_departure.astimezone(TZ)
        entity = feed.entity.add()
        entity.id = f"{vehicle_id}-v{plan.version}"
        update = entity.trip_update
        update.trip.trip_id = f"odm-{vehicle_id}-{first:%Y%m%d}"
        update.trip.route_id = ROUTE_ID
        update.trip.start_date = f"{first:%Y%m%d}"
        update.trip.start_time = f"{first:%H:%M:%S}"
        update.trip.schedule_relationship = rt.TripDescriptor.NEW
        update.vehicle.id = vehicle_id
        update.vehicle.label = names.get(vehicle_id, vehicle_id)
        update.timestamp = int(now.timestamp())
        for seq, visit in visits:
            stu = update.stop_time_update.add()
            stu.stop_sequence = seq + 1
            stu.stop_id = visit.stop.id
            stu.arrival.time = int(visit.planned_arrival.timestamp())
            stu.departure.time = int(visit.planned_departure.timestamp())
    return feed


def as_json(feed: Any) -> dict[str, Any]:
    """The feed as JSON (for debugging)."""
    from google.protobuf.json_format import MessageToDict  # type: ignore[import-untyped]

    result: dict[str, Any] = MessageToDict(feed, preserving_proto_field_name=True)
    return result
