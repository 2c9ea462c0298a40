"""Feeds: planned trips as GeoJSON (no personal data) and GTFS-Realtime TripUpdates (official bindings)."""

from __future__ import annotations

from google.transit import gtfs_realtime_pb2

from tests.booking.conftest import BERNBURG_HBF, STASSFURT_BF, Env
from tests.booking.test_dispatch import _book


def test_trips_geojson_is_public_and_without_booking_ids(env: Env) -> None:
    """The public trips feed shows the tours with stop times and loads but no booking or customer ids."""
    booking = _book(env, env.user("erika"), BERNBURG_HBF, STASSFURT_BF, 20)
    r = env.client.get("/api/v1/feeds/trips.geojson")
    assert r.status_code == 200
    text = r.text
    assert booking["id"] not in text
    assert booking["customer_id"] not in text
    tours = [f for f in r.json()["features"] if f["properties"]["feature_type"] == "tour"]
    assert tours[0]["geometry"]["type"] == "LineString"
    assert {"planned_arrival", "load_seats", "stop_id"} <= tours[0]["properties"]["visits"][0].keys()


def test_gtfs_rt_trip_updates_parse_with_the_official_bindings(env: Env) -> None:
    """The protobuf feed parses as a FeedMessage with one NEW trip whose stop times match the plan."""
    booking = _book(env, env.user("erika"), BERNBURG_HBF, STASSFURT_BF, 20)
    r = env.client.get("/api/v1/feeds/gtfs-rt/trip-updates")
    assert r.headers["content-type"] == "application/x-protobuf"
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.ParseFromString(r.content)
    assert feed.header.gtfs_realtime_version == "2.0"
    assert len(feed.entity) == 1
    update = feed.entity[0].trip_update
    assert update.trip.schedule_relationship == gtfs_realtime_pb2.TripDescriptor.NEW
    assert update.vehicle.id == booking["vehicle_id"]
    assert [s.stop_id for s in update.stop_time_update] == [BERNBURG_HBF, STASSFURT_BF]
    visits = env.parts.dispatcher.plan().tour(booking["vehicle_id"]).visits
    assert [s.arrival.time for s in update.stop_time_update] == [int(v.planned_arrival.timestamp()) for v in visits]
    debug = env.client.get("/api/v1/feeds/gtfs-rt/trip-updates?format=json").json()
    assert debug["entity"][0]["trip_update"]["trip"]["schedule_relationship"] == "NEW"


def test_empty_plan_gives_an_empty_but_valid_feed(env: Env) -> None:
    """Without bookings the feed is a valid FeedMessage with no entities."""
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.ParseFromString(env.client.get("/api/v1/feeds/gtfs-rt/trip-updates").content)
    assert list(feed.entity) == []
