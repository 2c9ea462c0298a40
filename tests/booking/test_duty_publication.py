"""Publication per duty with the real dispatcher on both stores: GTFS-RT trips, GeoJSON tours and the stored
``plan_visits``/``tour_legs`` of a fleet with shifts (and breaks) yesterday, today and tomorrow."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from google.transit import gtfs_realtime_pb2

from booking.feeds.checks import geojson_problems, trip_update_problems
from booking.feeds.gtfs_rt import ROUTE_ID
from mobility.domain.fleet import Break, Shift, Vehicle
from mobility.domain.plan import Plan, VisitKind
from tests.booking.conftest import BERNBURG, BERNBURG_HBF, MINIBUS, STASSFURT, STASSFURT_BF, T0, Env, EnvFactory
from tests.booking.test_dispatch import _book


def shifts() -> tuple[Shift, ...]:
    """07:00–15:00 Berlin yesterday, today and tomorrow, each with a 30-minute break starting 10:00–10:30."""
    out = []
    for days in (-1, 0, 1):
        begin = T0 - timedelta(hours=1) + timedelta(days=days)
        out.append(Shift(begin, begin + timedelta(hours=8),
                         Break(begin + timedelta(hours=3), begin + timedelta(hours=3, minutes=30), 1800)))
    return tuple(out)


def fleet() -> list[Vehicle]:
    return [Vehicle("bbg-1", "Bernburg 1", MINIBUS, BERNBURG, "Bernburg", shifts()),
            Vehicle("sft-1", "Staßfurt 1", MINIBUS, STASSFURT, "Staßfurt", shifts())]


@pytest.fixture
def booked(any_env_factory: EnvFactory) -> tuple[Env, list[dict[str, Any]]]:
    """Two parties from Bernburg Hbf to Staßfurt at 08:20 today (one bus, the same stops in a row) and one ride
    tomorrow, on SQLite and on PostGIS."""
    env = any_env_factory(fleet=fleet())
    resident = env.user("erika")
    rides = [_book(env, resident, BERNBURG_HBF, STASSFURT_BF, 20, passengers=2),
             _book(env, env.user("paul"), BERNBURG_HBF, STASSFURT_BF, 20),
             _book(env, resident, BERNBURG_HBF, STASSFURT_BF, 24 * 60 + 20)]
    return env, rides


def trip_feed(env: Env) -> Any:
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.ParseFromString(env.client.get("/api/v1/feeds/gtfs-rt/trip-updates").content)
    return feed


def duty_of(plan: Plan, booking: dict[str, Any]) -> str:
    duty = plan.duty_of_booking(booking["id"])
    assert duty is not None
    return duty.id


def test_one_trip_per_duty_of_today_valid_by_the_spec(booked: tuple[Env, list[dict[str, Any]]]) -> None:
    """Today's duty of the booked bus is one NEW trip (yesterday's and tomorrow's duties are not published), its
    stops are the duty's stops with the shared pickup and drop-off merged, and every check passes."""
    env, rides = booked
    plan = env.parts.dispatcher.plan()
    today, tomorrow = duty_of(plan, rides[0]), duty_of(plan, rides[2])
    assert duty_of(plan, rides[1]) == today != tomorrow
    feed = trip_feed(env)
    assert trip_update_problems(feed, env.clock.now(), plan, frozenset({ROUTE_ID})) == []
    assert [e.trip_update.trip.trip_id for e in feed.entity] == [today]
    update = feed.entity[0].trip_update
    assert update.trip.start_date == "20261123"
    assert update.trip.start_time == "07:00:00"
    assert [s.stop_id for s in update.stop_time_update] == [BERNBURG_HBF, STASSFURT_BF]
    assert all(s.arrival.time >= int(env.clock.now().timestamp()) for s in update.stop_time_update)


def test_the_trip_keeps_its_served_stops_and_ends_with_its_rides(booked: tuple[Env, list[dict[str, Any]]]) -> None:
    """After both parties boarded the trip still lists Bernburg Hbf (served, not in the future) and stays valid;
    once they are dropped off the duty has no ride ahead and is no longer published."""
    env, rides = booked
    driver = env.user("fahrer", "driver", vehicle_id=rides[0]["vehicle_id"])
    pickup = datetime.fromisoformat(rides[0]["pickup_window"]["earliest"])
    env.clock.advance(max(0.0, (pickup - env.clock.now()).total_seconds()))
    for kind, booking in (("arrived", rides[0]), ("boarded", rides[0]), ("boarded", rides[1])):
        r = env.client.post("/api/v1/driver/events", json={"type": kind, "booking_id": booking["id"]}, headers=driver)
        assert r.status_code == 200, r.text
    env.clock.advance(600)
    feed = trip_feed(env)
    plan = env.parts.dispatcher.plan()
    assert trip_update_problems(feed, env.clock.now(), plan) == []
    stus = feed.entity[0].trip_update.stop_time_update
    assert [s.stop_id for s in stus] == [BERNBURG_HBF, STASSFURT_BF]
    assert stus[0].departure.time <= int(env.clock.now().timestamp()) <= stus[1].arrival.time
    env.clock.advance(1800)
    for kind, booking in (("arrived", rides[0]), ("dropped_off", rides[0]), ("dropped_off", rides[1])):
        r = env.client.post("/api/v1/driver/events", json={"type": kind, "booking_id": booking["id"]}, headers=driver)
        assert r.status_code == 200, r.text
    assert list(trip_feed(env).entity) == []


def test_geojson_tours_are_the_duties_of_one_day(booked: tuple[Env, list[dict[str, Any]]]) -> None:
    """The dispatcher's and the public collection hold today's duties by default (duty_id, day), another day on
    request; each is a valid line of one duty."""
    env, rides = booked
    staff = env.user("leitstelle", "dispatcher")
    plan = env.parts.dispatcher.plan()
    for url, headers in (("/api/v1/dispatch/tours.geojson", staff), ("/api/v1/feeds/trips.geojson", {})):
        fc = env.client.get(url, headers=headers).json()
        tours = [f["properties"] for f in fc["features"] if f["properties"]["feature_type"] == "tour"]
        assert fc["day"] == "2026-11-23"
        assert {t["day"] for t in tours} == {"2026-11-23"}
        assert duty_of(plan, rides[0]) in {t["duty_id"] for t in tours}
        assert duty_of(plan, rides[2]) not in {t["duty_id"] for t in tours}
        assert geojson_problems(fc, plan) == []
        later = env.client.get(url + "?day=2026-11-24", headers=headers).json()
        assert duty_of(plan, rides[2]) in {f["properties"]["duty_id"] for f in later["features"]}
    bad = env.client.get("/api/v1/dispatch/tours.geojson?day=morgen", headers=staff)
    assert bad.status_code == 422


def test_stored_legs_are_valid_lines_of_one_duty(booked: tuple[Env, list[dict[str, Any]]]) -> None:
    """Every stored visit and leg names its duty; no leg joins two visits at the same stop or two duties; on
    PostGIS every leg is a valid line of positive length (QGIS draws them)."""
    env, _ = booked
    env.flush()
    plan = env.parts.dispatcher.plan()
    visits = [v for d in plan.duties.values() for v in d.visits]
    assert any(v.kind is VisitKind.BREAK for v in visits)  # the plan has breaks …
    assert any(a.stop.id == b.stop.id for d in plan.duties.values() for a, b in itertools.pairwise(d.visits))
    # … and consecutive visits at one stop: what made zero-length legs before
    assert env.scalar("SELECT count(*) FROM plan_visits WHERE duty_id IS NULL") == 0
    assert env.scalar("SELECT count(*) FROM tour_legs WHERE duty_id IS NULL") == 0
    assert env.scalar("SELECT count(*) FROM tour_legs WHERE from_stop_id = to_stop_id") == 0
    expected = sum(1 for d in plan.duties.values() for a, b in itertools.pairwise(d.visits) if a.stop.id != b.stop.id)
    assert env.scalar("SELECT count(*) FROM tour_legs") == expected > 0
    with env.parts.engine.connect() as conn:
        pairs = conn.execute(sa.text("SELECT l.duty_id, count(DISTINCT v.duty_id) FROM tour_legs l JOIN plan_visits v"
                                     " ON v.vehicle_id = l.vehicle_id AND v.planned_departure = l.depart"
                                     " AND v.stop_id = l.from_stop_id GROUP BY l.duty_id")).all()
    assert pairs
    assert all(n == 1 for _, n in pairs)
    if env.parts.engine.dialect.name == "postgresql":
        assert env.scalar("SELECT count(*) FROM tour_legs WHERE NOT ST_IsValid(geom)"
                          " OR ST_Length(geom::geography) <= 0 OR ST_NPoints(geom) < 2") == 0
        assert env.scalar("SELECT count(*) FROM tour_legs WHERE geom IS NULL") == 0
