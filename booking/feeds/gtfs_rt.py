"""GTFS-Realtime TripUpdates and VehiclePositions of the on-demand service (official ``gtfs-realtime-bindings``).

One trip per **duty** (one vehicle, one shift, one service day): ``trip_id`` is the duty id, ``start_date`` and
``start_time`` are the duty's local shift start (stable while the duty lasts), ``route_id`` is the on-demand route
of the static GTFS-Flex feed and ``schedule_relationship`` is ``NEW`` (not in the static timetable). Published are
the duties of today and those starting within :data:`HORIZON` that are not ended and have a ride ahead; a duty whose
shift ended more than :data:`OVERRUN` ago without being begun (or :data:`STALE` ago while under way) is not.
As the specification asks for NEW trips, the stop time updates list every stop of the trip, the ones already served
included, each with ``stop_id``, an increasing ``stop_sequence``, ``arrival`` and ``departure``:

* the stops are the pickups and drop-offs; a break is no stop (riders neither board nor alight), only time between
  two stops;
* consecutive visits at one stop are one stop (arrival of the first, departure of the last);
* arrival ≤ departure, and every time ≥ the previous stop's departure;
* a stop not reached yet is never in the past: a late vehicle's times move to now and on, keeping the planned
  drive between stops (a delay runs on until planned waiting absorbs it; a break keeps its length);
  a served stop is never in the future.

Each stop time update says ``SCHEDULED`` and carries, beside the published ``time``, the plan's time as
``scheduled_time`` (so a planner can show the delay); the trip's ``trip_properties.trip_headsign`` is
:data:`HEADSIGN` (a NEW trip has no static trip to take one from).

VehiclePositions: one entity per vehicle with a position no older than :data:`POSITION_MAX_AGE`, with the trip of the
vehicle's current duty when that duty is published.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mobility.domain.fleet import Vehicle
from mobility.domain.plan import Duty, DutyStatus, Plan, StopVisit, VisitKind, VisitStatus
from mobility.domain.positions import VehiclePosition

TZ = ZoneInfo("Europe/Berlin")
ROUTE_ID = "on-demand-salzlandkreis"
HORIZON = timedelta(hours=6)  # duties of a later day are published this long before they start
OVERRUN = timedelta(hours=2)  # a duty not begun is published until this long after its shift's end
STALE = timedelta(hours=12)  # a duty under way is published until this long after its shift's end
POSITION_MAX_AGE = timedelta(minutes=10)
HEADSIGN = "Rufbus – auf Bestellung"  # trip_properties.trip_headsign of every NEW trip


@dataclass(frozen=True, slots=True)
class TripStop:
    """One stop of a published trip: ``sequence`` from 1, times as published, whether the vehicle is done there or
    standing there."""

    stop_id: str
    sequence: int
    arrival: datetime
    departure: datetime
    done: bool
    arrived: bool
    scheduled_arrival: datetime | None = None  # as the plan has it now (``scheduled_time`` of a NEW trip)
    scheduled_departure: datetime | None = None


def published_duties(plan: Plan, now: datetime, *, horizon: timedelta = HORIZON, tz: ZoneInfo = TZ) -> list[Duty]:
    """The duties published as trips at ``now``, by vehicle and start."""
    today = now.astimezone(tz).date()
    out = []
    for duty in sorted(plan.duties.values(), key=lambda d: (d.vehicle_id, d.start)):
        if duty.status is DutyStatus.ENDED or not any(v.booking_id is not None for v in duty.ahead()):
            continue
        if duty.day != today and duty.start > now + horizon:
            continue  # a later day's duty, not yet within the horizon
        if duty.end + (STALE if duty.status is DutyStatus.UNDER_WAY else OVERRUN) < now:
            continue  # a past shift nobody drove (or never ended): its rides are the dispatcher's problem, not a trip
        if len(trip_stops(duty, now)) < 2:
            continue  # in GTFS a trip has two or more stops
        out.append(duty)
    return out


def _times(visit: StopVisit, now: datetime, previous: tuple[datetime, datetime] | None) -> tuple[datetime, datetime]:
    """Arrival and departure to publish for ``visit`` after ``previous`` (its published and planned departure).

    A served visit keeps its planned times, but never later than now. A visit ahead keeps the planned drive from
    the previous visit, so a delay runs on until waiting time absorbs it; a visit not reached is never before now;
    a break keeps its length."""
    planned_arrival = visit.planned_arrival
    planned_departure = max(visit.planned_departure, planned_arrival)
    if visit.status is VisitStatus.DONE:
        departure = min(planned_departure, now)
        arrival = min(planned_arrival, departure)
    else:
        arrival = planned_arrival
        if previous is not None:
            drive = max(timedelta(0), planned_arrival - previous[1])
            arrival = max(arrival, previous[0] + drive)
        # not reached yet: not before now; arrived (the vehicle stands there): not after now
        arrival = max(arrival, now) if visit.status is VisitStatus.PLANNED else min(arrival, now)
        departure = max(planned_departure, now)
        if visit.kind is VisitKind.BREAK and visit.status is VisitStatus.PLANNED:
            departure = max(departure, arrival + (planned_departure - planned_arrival))
    if previous is not None:
        arrival = max(arrival, previous[0])
    return arrival, max(departure, arrival)


def trip_stops(duty: Duty, now: datetime) -> list[TripStop]:
    """The stops of the duty's trip with the times to publish at ``now`` (see the module docstring)."""
    stops: list[TripStop] = []
    previous: tuple[datetime, datetime] | None = None
    for visit in duty.visits:
        arrival, departure = _times(visit, now, previous)
        previous = (departure, max(visit.planned_departure, visit.planned_arrival))
        if visit.kind is VisitKind.BREAK:
            continue  # riders neither board nor alight: the break is time between two stops
        done, arrived = visit.status is VisitStatus.DONE, visit.status is VisitStatus.ARRIVED
        planned_departure = max(visit.planned_departure, visit.planned_arrival)
        if stops and stops[-1].stop_id == visit.stop.id:
            last = stops[-1]
            stops[-1] = TripStop(last.stop_id, last.sequence, last.arrival, departure, last.done and done,
                                 last.arrived or arrived or (last.done and not done), last.scheduled_arrival,
                                 planned_departure)
        else:
            stops.append(TripStop(visit.stop.id, len(stops) + 1, arrival, departure, done, arrived,
                                  visit.planned_arrival, planned_departure))
    return stops


def _gtfs_time(t: datetime, tz: ZoneInfo) -> str:
    return f"{t.astimezone(tz):%H:%M:%S}"


def _describe_trip(trip: Any, duty: Duty, tz: ZoneInfo) -> None:
    from google.transit import gtfs_realtime_pb2 as rt

    trip.trip_id = duty.id
    trip.route_id = ROUTE_ID
    trip.start_date = f"{duty.day:%Y%m%d}"
    trip.start_time = _gtfs_time(duty.start, tz)
    trip.schedule_relationship = rt.TripDescriptor.NEW


def _header(now: datetime) -> Any:
    from google.transit import gtfs_realtime_pb2 as rt

    feed = rt.FeedMessage()
    feed.header.gtfs_realtime_version = "2.0"
    feed.header.incrementality = rt.FeedHeader.FULL_DATASET
    feed.header.timestamp = int(now.timestamp())
    return feed


def trip_updates(plan: Plan, vehicles: Sequence[Vehicle], now: datetime, *, tz: ZoneInfo = TZ) -> Any:
    """A ``FeedMessage`` (FULL_DATASET) with one NEW TripUpdate per published duty."""
    from google.transit import gtfs_realtime_pb2 as rt

    feed = _header(now)
    names = {v.id: v.name for v in vehicles}
    for duty in published_duties(plan, now, tz=tz):
        stops = trip_stops(duty, now)
        entity = feed.entity.add()
        entity.id = duty.id
        update = entity.trip_update
        _describe_trip(update.trip, duty, tz)
        update.trip_properties.trip_headsign = HEADSIGN
        update.vehicle.id = duty.vehicle_id
        update.vehicle.label = names.get(duty.vehicle_id, duty.vehicle_id)
        update.timestamp = int(now.timestamp())
        for stop in stops:
            stu = update.stop_time_update.add()
            stu.stop_sequence = stop.sequence
            stu.stop_id = stop.stop_id
            stu.schedule_relationship = rt.TripUpdate.StopTimeUpdate.SCHEDULED
            stu.arrival.time = int(stop.arrival.timestamp())
            stu.departure.time = int(stop.departure.timestamp())
            if stop.scheduled_arrival is not None and stop.scheduled_departure is not None:
                stu.arrival.scheduled_time = int(stop.scheduled_arrival.timestamp())
                stu.departure.scheduled_time = int(stop.scheduled_departure.timestamp())
    return feed


def vehicle_positions(positions: Sequence[VehiclePosition], plan: Plan, vehicles: Sequence[Vehicle], now: datetime,
                      *, max_age: timedelta = POSITION_MAX_AGE, tz: ZoneInfo = TZ) -> Any:
    """A ``FeedMessage`` (FULL_DATASET) with one VehiclePosition per vehicle whose last position is recent enough."""
    from google.transit import gtfs_realtime_pb2 as rt

    feed = _header(now)
    names = {v.id: v.name for v in vehicles}
    published = {d.id for d in published_duties(plan, now, tz=tz)}
    for position in sorted(positions, key=lambda p: p.vehicle_id):
        if position.at < now - max_age:
            continue
        entity = feed.entity.add()
        entity.id = f"position-{position.vehicle_id}"
        vp = entity.vehicle
        vp.vehicle.id = position.vehicle_id
        vp.vehicle.label = names.get(position.vehicle_id, position.vehicle_id)
        vp.position.latitude = position.point.lat
        vp.position.longitude = position.point.lon
        if position.heading_deg is not None:
            vp.position.bearing = position.heading_deg
        if position.speed_mps is not None:
            vp.position.speed = position.speed_mps
        vp.timestamp = int(position.at.timestamp())
        duty = plan.current_duty(position.vehicle_id, now)
        if duty is None or duty.id not in published:
            continue
        _describe_trip(vp.trip, duty, tz)
        ahead = next((s for s in trip_stops(duty, now) if not s.done), None)
        if ahead is not None:
            vp.current_stop_sequence = ahead.sequence
            vp.stop_id = ahead.stop_id
            vp.current_status = (rt.VehiclePosition.STOPPED_AT if ahead.arrived
                                 else rt.VehiclePosition.IN_TRANSIT_TO)
    return feed


def local_day(now: datetime, tz: ZoneInfo = TZ) -> date:
    """The local service date of ``now``."""
    return now.astimezone(tz).date()


def as_json(feed: Any) -> dict[str, Any]:
    """The feed as JSON (for debugging)."""
    from google.protobuf.json_format import MessageToDict  # type: ignore[import-untyped]

    result: dict[str, Any] = MessageToDict(feed, preserving_proto_field_name=True)
    return result
