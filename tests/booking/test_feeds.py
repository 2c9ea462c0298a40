"""Feeds: planned trips as GeoJSON (no personal data) and GTFS-Realtime TripUpdates (official bindings) — on SQLite
and on PostGIS."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from google.transit import gtfs_realtime_pb2

from tests.booking.conftest import ASCHERSLEBEN_BF, BERNBURG_HBF, STASSFURT_BF, Env
from tests.booking.test_dispatch import _book


@pytest.fixture
def env(any_env: Env) -> Env:
    """Two minibuses at T0, on SQLite and then on PostGIS."""
    return any_env


def test_trips_geojson_is_public_and_without_booking_ids(env: Env) -> None:
    """The public trips feed shows the tours with their stops and 15-minute slots but no booking or customer ids
    (times and loads per visit only with a staff token: tests/booking/test_public_data.py)."""
    booking = _book(env, env.user("erika"), BERNBURG_HBF, STASSFURT_BF, 20)
    r = env.client.get("/api/v1/feeds/trips.geojson")
    assert r.status_code == 200
    text = r.text
    assert booking["id"] not in text
    assert booking["customer_id"] not in text
    tours = [f for f in r.json()["features"] if f["properties"]["feature_type"] == "tour"]
    assert tours[0]["geometry"]["type"] == "LineString"
    assert {"slot_start", "slot_end", "stop_id"} <= tours[0]["properties"]["stops"][0].keys()


def _stamp(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp())


def test_gtfs_rt_trip_updates_keep_every_promise(env: Env) -> None:
    """Three rides on two buses: the protobuf feed parses as a FeedMessage with one NEW trip per duty (trip id
    ``<vehicle>-<date>-<shift start>``, the shift's local start), stop sequences 1, 2, …, times that never run
    backwards; each rider's pickup stop comes before the drop-off stop on their bus, the bus is there by the end of
    the promised pickup window and leaves after its start, and reaches the drop-off by the promised latest arrival
    — checked against the promises in the booking answers, not against the plan the feed is built from."""
    erika, max_, otto = env.user("erika"), env.user("max"), env.user("otto")
    bookings = [_book(env, erika, BERNBURG_HBF, STASSFURT_BF, 20, passengers=2),
                _book(env, max_, BERNBURG_HBF, STASSFURT_BF, 25),
                _book(env, otto, STASSFURT_BF, ASCHERSLEBEN_BF, 10)]
    r = env.client.get("/api/v1/feeds/gtfs-rt/trip-updates")
    assert r.headers["content-type"] == "application/x-protobuf"
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.ParseFromString(r.content)
    assert feed.header.gtfs_realtime_version == "2.0"
    trips: dict[str, Any] = {e.trip_update.vehicle.id: e.trip_update for e in feed.entity}
    assert set(trips) == {b["vehicle_id"] for b in bookings} == {"bbg-1", "sft-1"}
    assert len(feed.entity) == len(trips)  # one trip per duty: each bus has one shift today
    for vehicle, update in trips.items():
        assert update.trip.trip_id == f"{vehicle}-20261123-0700"
        assert (update.trip.start_date, update.trip.start_time) == ("20261123", "07:00:00")
        assert update.trip.schedule_relationship == gtfs_realtime_pb2.TripDescriptor.NEW
        stops = list(update.stop_time_update)
        assert [s.stop_sequence for s in stops] == list(range(1, len(stops) + 1))
        times = [t for s in stops for t in (s.arrival.time, s.departure.time)]
        assert times == sorted(times)
    for b in bookings:
        stops = list(trips[b["vehicle_id"]].stop_time_update)
        ids = [s.stop_id for s in stops]
        pickup, dropoff = ids.index(b["pickup_stop"]["id"]), ids.index(b["dropoff_stop"]["id"])
        assert pickup < dropoff, b["id"]
        assert stops[pickup].arrival.time <= _stamp(b["pickup_window"]["latest"]), b["id"]
        assert stops[pickup].departure.time >= _stamp(b["pickup_window"]["earliest"]), b["id"]
        assert stops[dropoff].arrival.time <= _stamp(b["latest_arrival"]), b["id"]
    debug = env.client.get("/api/v1/feeds/gtfs-rt/trip-updates?format=json").json()
    assert {e["trip_update"]["trip"]["schedule_relationship"] for e in debug["entity"]} == {"NEW"}


def test_empty_plan_gives_an_empty_but_valid_feed(env: Env) -> None:
    """Without bookings the feed is a valid FeedMessage with no entities."""
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.ParseFromString(env.client.get("/api/v1/feeds/gtfs-rt/trip-updates").content)
    assert list(feed.entity) == []
