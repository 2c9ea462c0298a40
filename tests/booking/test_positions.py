"""Vehicle positions through the API on both stores: stored at the server's clock and handed to the dispatcher,
shown to the dispatcher with their age, refused in German when they cannot be true, purged after the retention."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from google.transit import gtfs_realtime_pb2

from booking.service.background import Reoptimiser
from booking.service.positions import MAX_SPEED_MPS, PositionFix, PositionService, allowed_jump_m
from mobility.domain.geo import Point, haversine_m
from mobility.domain.positions import VehiclePosition
from tests.booking.conftest import BERNBURG, BERNBURG_HBF, STASSFURT, STASSFURT_BF, T0, Env, EnvFactory
from tests.booking.test_dispatch import _book
from tests.booking.test_offers import problem

BERLIN = {"lon": 13.405, "lat": 52.52}


def report(env: Env, headers: dict[str, str], point: Point, **extra: Any) -> Any:
    return env.client.post("/api/v1/driver/position", json={"lon": point.lon, "lat": point.lat, **extra},
                           headers=headers)


def stored(env: Env) -> int:
    return int(env.scalar("SELECT count(*) FROM vehicle_positions"))  # type: ignore[call-overload]


def test_a_position_is_stored_handed_on_and_shown_with_its_age(any_env: Env) -> None:
    """202 with the vehicle and the server time; the dispatcher has it in memory; the dispatch view shows it with
    its age once the clock moved on; the row is a point of the store."""
    env = any_env
    driver, staff = env.user("fahrer", "driver", vehicle_id="bbg-1"), env.user("leitstelle", "dispatcher")
    r = report(env, driver, BERNBURG, accuracy_m=8.5, speed_mps=11.0, heading_deg=270.0)
    assert r.status_code == 202, r.text
    assert r.json()["vehicle_id"] == "bbg-1"
    assert r.json()["at"] == "2026-11-23T08:00:00+01:00"  # T0 in Bernburg
    kept = env.parts.dispatcher.last_position("bbg-1")
    assert kept == VehiclePosition("bbg-1", BERNBURG, T0, 8.5, 11.0, 270.0)
    env.clock.advance(125)
    shown = env.client.get("/api/v1/dispatch/positions", headers=staff).json()
    assert shown == [{"vehicle_id": "bbg-1", "lon": BERNBURG.lon, "lat": BERNBURG.lat,
                      "at": "2026-11-23T08:00:00+01:00", "age_s": 125, "accuracy_m": 8.5, "speed_mps": 11.0,
                      "heading_deg": 270.0}]
    assert stored(env) == 1
    if env.parts.engine.dialect.name == "postgresql":
        srid = env.scalar("SELECT ST_SRID(geom) FROM vehicle_positions")
        assert srid == 4326
        assert env.scalar("SELECT ST_X(geom) FROM vehicle_positions") == pytest.approx(BERNBURG.lon)


def test_the_latest_position_per_vehicle_wins(any_env: Env) -> None:
    """Several reports of two vehicles: the dispatch view lists each vehicle once, with its last position."""
    env = any_env
    bbg, sft = env.user("f1", "driver", vehicle_id="bbg-1"), env.user("f2", "driver", vehicle_id="sft-1")
    staff = env.user("leitstelle", "dispatcher")
    near = Point(BERNBURG.lon + 0.004, BERNBURG.lat)
    for headers, point in ((bbg, BERNBURG), (sft, STASSFURT), (bbg, near)):
        assert report(env, headers, point).status_code == 202
        env.clock.advance(30)
    beside = Point(near.lon + 0.0007, near.lat)  # about 50 m on, reported in the same instant: stored last wins
    assert report(env, bbg, near).status_code == 202
    assert report(env, bbg, beside).status_code == 202
    shown = {p["vehicle_id"]: p for p in env.client.get("/api/v1/dispatch/positions", headers=staff).json()}
    assert set(shown) == {"bbg-1", "sft-1"}
    assert (shown["bbg-1"]["lon"], shown["bbg-1"]["age_s"]) == (beside.lon, 0)
    assert (shown["sft-1"]["lon"], shown["sft-1"]["age_s"]) == (STASSFURT.lon, 60)


def test_outside_the_service_area_is_refused_in_german(any_env: Env) -> None:
    """A point in Berlin is a 422 problem naming the service area; nothing is stored or handed on."""
    env = any_env
    driver = env.user("fahrer", "driver", vehicle_id="bbg-1")
    body = problem(env.client.post("/api/v1/driver/position", json=BERLIN, headers=driver), 422)
    assert body["type"].endswith("outside_service_area")
    assert "außerhalb des Bediengebiets" in body["detail"]
    assert stored(env) == 0
    assert env.parts.dispatcher.last_position("bbg-1") is None


def test_an_impossible_jump_is_refused_until_time_allows_it(any_env: Env) -> None:
    """Bernburg → Staßfurt (≈ 12 km) one minute later would be > 200 km/h: 422, nothing stored; ten minutes later
    the same report is fine."""
    env = any_env
    driver = env.user("fahrer", "driver", vehicle_id="bbg-1")
    assert report(env, driver, BERNBURG).status_code == 202
    env.clock.advance(60)
    body = problem(report(env, driver, STASSFURT), 422)
    assert body["type"].endswith("impossible_speed")
    assert "km/h" in body["detail"]
    assert body["distance_m"] == round(haversine_m(BERNBURG, STASSFURT))
    assert stored(env) == 1
    assert env.parts.dispatcher.last_position("bbg-1").point == BERNBURG  # type: ignore[union-attr]
    env.clock.advance(540)
    assert report(env, driver, STASSFURT).status_code == 202
    assert stored(env) == 2


def test_jitter_in_the_same_instant_is_no_jump_but_kilometres_are(env: Env) -> None:
    """Two fixes in the same second 40 m apart are accepted; 3 km apart they are refused (no division by zero)."""
    driver = env.user("fahrer", "driver", vehicle_id="bbg-1")
    assert report(env, driver, BERNBURG).status_code == 202
    assert report(env, driver, Point(BERNBURG.lon + 0.0005, BERNBURG.lat)).status_code == 202
    far = problem(report(env, driver, Point(BERNBURG.lon + 0.045, BERNBURG.lat)), 422)
    assert "mehr als 200 km/h" in far["detail"]
    assert stored(env) == 2


def test_the_jump_allowance() -> None:
    """Allowed distance = 200 km/h × time + the fixes' accuracy, the tolerance kept within 100 m … 1 km."""
    last = VehiclePosition("v", BERNBURG, T0, accuracy_m=30.0)
    assert allowed_jump_m(last, 20.0, T0) == 100.0
    assert allowed_jump_m(last, 400.0, T0) == 430.0
    assert allowed_jump_m(last, 5_000.0, T0) == 1_000.0
    later = T0.replace(minute=1)
    assert allowed_jump_m(last, None, later) == pytest.approx(60 * MAX_SPEED_MPS + 100.0)
    assert allowed_jump_m(last, None, T0.replace(hour=6)) == 100.0  # a clock that went back allows no travel


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"lon": 11.74, "lat": 51.79, "altitude": 80}, "altitude", "unbekanntes Feld"),
    ({"lon": "11.74", "lat": 51.79}, "lon", "keine Zahl"),
    ({"lon": True, "lat": 51.79}, "lon", "keine Zahl"),
    ({"lon": 11.74}, "lat", "Pflichtfeld fehlt"),
    ({"lon": 11.74, "lat": 95.0}, "lat", "höchstens 90"),
    ({"lon": 181, "lat": 51.79}, "lon", "höchstens 180"),
    ({"lon": 11.74, "lat": 51.79, "heading_deg": 360}, "heading_deg", "kleiner als 360"),
    ({"lon": 11.74, "lat": 51.79, "accuracy_m": -1}, "accuracy_m", "mindestens 0"),
    ({"lon": 11.74, "lat": 51.79, "speed_mps": 250.0}, "speed_mps", "höchstens 100"),
])
def test_bad_bodies_are_german_422_problems(env: Env, body: dict[str, Any], field: str, words: str) -> None:
    """Unknown fields, numbers as text or booleans, missing or out-of-range values: 422 naming the field."""
    driver = env.user("fahrer", "driver", vehicle_id="bbg-1")
    answer = problem(env.client.post("/api/v1/driver/position", json=body, headers=driver), 422)
    assert field in answer["detail"]
    assert words in answer["detail"]
    assert stored(env) == 0


def test_not_a_number_is_refused(env: Env) -> None:
    """NaN (which Python's JSON reader accepts) is a 422, not a stored position."""
    driver = env.user("fahrer", "driver", vehicle_id="bbg-1")
    r = env.client.post("/api/v1/driver/position", content=b'{"lon": NaN, "lat": 51.79}',
                        headers={**driver, "Content-Type": "application/json"})
    assert "keine endliche Zahl" in problem(r, 422)["detail"]
    assert stored(env) == 0


def test_who_may_report_and_see(env: Env) -> None:
    """A driver (or admin) account without a vehicle gets 403 in German, a vehicle not in the fleet 422;
    residents may neither report nor see positions, drivers may not see the dispatch view."""
    body = {"lon": BERNBURG.lon, "lat": BERNBURG.lat}
    env.user("ohne", "driver", vehicle_id="bbg-1")
    with env.parts.engine.begin() as conn:  # an account whose vehicle was taken away
        conn.execute(sa.text("UPDATE users SET vehicle_id = NULL WHERE username = 'ohne'"))
    for headers in (env.login("ohne"), env.user("chefin", "admin")):
        answer = problem(env.client.post("/api/v1/driver/position", json=body, headers=headers), 403)
        assert "kein Fahrzeug" in answer["detail"]
    ghost = env.user("geist", "driver", vehicle_id="bus-99")
    assert problem(env.client.post("/api/v1/driver/position", json=body, headers=ghost), 422)["type"].endswith(
        "unknown_vehicle")
    resident = env.user("erika")
    problem(env.client.post("/api/v1/driver/position", json=body, headers=resident), 403)
    problem(env.client.get("/api/v1/dispatch/positions", headers=resident), 403)
    driver = env.user("fahrer", "driver", vehicle_id="bbg-1")
    problem(env.client.get("/api/v1/dispatch/positions", headers=driver), 403)
    problem(env.client.post("/api/v1/driver/position", json=body), 401)
    assert stored(env) == 0


def test_purge_keeps_only_the_retention_period(make_env: EnvFactory) -> None:
    """With a 2-hour retention, the purge deletes the positions older than two hours and keeps the rest; the
    dispatch view never shows a position past the retention."""
    env = make_env(position_retention_h=2)
    service = PositionService(env.parts.services.ctx)
    assert env.parts.services.ctx.options.position_retention_h == 2
    for _ in range(3):
        service.record("bbg-1", PositionFix(BERNBURG.lon, BERNBURG.lat))
        env.clock.advance(3600)
    service.record("sft-1", PositionFix(STASSFURT.lon, STASSFURT.lat))
    # at T0+3h: positions at T0, T0+1h, T0+2h of bbg-1 and T0+3h of sft-1
    assert [a.position.vehicle_id for a in service.latest()] == ["bbg-1", "sft-1"]
    assert service.purge() == 1
    assert stored(env) == 3
    env.clock.advance(3 * 3600)
    assert service.latest() == []
    assert service.purge() == 3
    assert service.purge() == 0


def test_the_background_round_purges(make_env: EnvFactory) -> None:
    """A round of the background worker (what its thread runs every interval) deletes positions past the default
    24 h retention and keeps the others."""
    env = make_env()
    service = PositionService(env.parts.services.ctx)
    service.record("bbg-1", PositionFix(BERNBURG.lon, BERNBURG.lat))
    env.clock.advance(25 * 3600)
    service.record("bbg-1", PositionFix(BERNBURG.lon, BERNBURG.lat))
    loop = Reoptimiser(env.parts.services.operations, interval_s=300, time_limit_s=0.2)
    loop.run_once()
    assert loop.runs == 1
    assert stored(env) == 1
    assert [a.position.at for a in service.latest()] == [env.clock.now()]


def test_gtfs_rt_vehicle_positions(any_env: Env) -> None:
    """The VehiclePositions feed parses with the official bindings: one entity per vehicle with a recent position,
    the trip of its duty (the TripUpdates trip), position, bearing, speed and the stop it heads for."""
    env = any_env
    booking = _book(env, env.user("erika"), BERNBURG_HBF, STASSFURT_BF, 20)
    vehicle_id = booking["vehicle_id"]
    other = "sft-1" if vehicle_id == "bbg-1" else "bbg-1"
    here = BERNBURG if vehicle_id == "bbg-1" else STASSFURT
    there = STASSFURT if vehicle_id == "bbg-1" else BERNBURG
    assert report(env, env.user("f1", "driver", vehicle_id=other), there).status_code == 202
    env.clock.advance(11 * 60)  # the other vehicle's position is now too old for the feed
    assert report(env, env.user("f2", "driver", vehicle_id=vehicle_id), here, heading_deg=90.0,
                  speed_mps=12.5).status_code == 202
    r = env.client.get("/api/v1/feeds/gtfs-rt/vehicle-positions")
    assert r.headers["content-type"] == "application/x-protobuf"
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.ParseFromString(r.content)
    assert feed.header.gtfs_realtime_version == "2.0"
    assert [e.vehicle.vehicle.id for e in feed.entity] == [vehicle_id]
    vp = feed.entity[0].vehicle
    assert (vp.position.longitude, vp.position.latitude) == pytest.approx(here.as_lonlat())
    assert (vp.position.bearing, vp.position.speed) == (90.0, 12.5)
    assert vp.timestamp == int(env.clock.now().timestamp())
    trips = gtfs_realtime_pb2.FeedMessage()
    trips.ParseFromString(env.client.get("/api/v1/feeds/gtfs-rt/trip-updates").content)
    duty = env.parts.dispatcher.plan().duty_of_booking(booking["id"])
    assert duty is not None
    assert vp.trip.trip_id == duty.id == trips.entity[0].trip_update.trip.trip_id
    assert vp.trip.schedule_relationship == gtfs_realtime_pb2.TripDescriptor.NEW
    assert (vp.stop_id, vp.current_stop_sequence) == (BERNBURG_HBF, 1)
    assert vp.current_status == gtfs_realtime_pb2.VehiclePosition.IN_TRANSIT_TO
    debug = env.client.get("/api/v1/feeds/gtfs-rt/vehicle-positions?format=json").json()
    assert debug["entity"][0]["vehicle"]["trip"]["trip_id"] == duty.id
