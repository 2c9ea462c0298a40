"""Dispatcher functions: tours as GeoJSON, fleet, out of service, problems, figures, re-plan, live stream — on
SQLite and on PostGIS."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from tests.booking.conftest import (
    ASCHERSLEBEN_BF,
    BERNBURG_FRIEDENSHALL,
    BERNBURG_HBF,
    BERNBURG_KALISTR,
    STASSFURT_BF,
    Env,
    EnvFactory,
    ride,
)
from tests.booking.test_offers import problem


@pytest.fixture
def env(any_env: Env) -> Env:
    """Two minibuses at T0, on SQLite and then on PostGIS."""
    return any_env


def _book(env: Env, headers: dict[str, str], origin: str, destination: str, minutes: int, **kw: Any) -> dict[str, Any]:
    offer = env.client.post("/api/v1/offers", json=ride(origin, destination, minutes, **kw), headers=headers)
    assert offer.status_code == 201, offer.text
    r = env.client.post("/api/v1/bookings", json={"offer_id": offer.json()["id"]}, headers=headers)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def test_tours_geojson_has_a_road_line_and_visits_with_times_and_loads(env: Env) -> None:
    """Each vehicle with bookings is a LineString along the roads plus a Point per visit with time and load."""
    resident, staff = env.user("erika"), env.user("leitstelle", "dispatcher")
    booking = _book(env, resident, BERNBURG_HBF, STASSFURT_BF, 20, passengers=2)
    r = env.client.get("/api/v1/dispatch/tours.geojson", headers=staff)
    assert r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    tours = [f for f in fc["features"] if f["properties"]["feature_type"] == "tour"]
    assert [t["properties"]["vehicle_id"] for t in tours] == [booking["vehicle_id"]]
    line = tours[0]["geometry"]
    assert line["type"] == "LineString"
    assert len(line["coordinates"]) > 2  # follows the roads, not one straight segment
    visits = tours[0]["properties"]["visits"]
    assert [(v["kind"], v["booking_id"]) for v in visits] == [("pickup", booking["id"]), ("dropoff", booking["id"])]
    assert visits[0]["load_seats"] == 2
    assert visits[1]["load_seats"] == 0
    assert visits[0]["planned_arrival"] < visits[1]["planned_arrival"]
    points = [f for f in fc["features"] if f["properties"]["feature_type"] == "visit"]
    assert len(points) == 2
    env.flush()
    stored = env.scalar("SELECT count(*) FROM tour_legs WHERE vehicle_id = '{}'".format(booking["vehicle_id"]))
    assert stored == 1


def test_vehicles_list_the_fleet_with_state(env: Env) -> None:
    """The fleet view lists every vehicle with capacity, depot, in-service flag and next stop."""
    staff = env.user("leitstelle", "dispatcher")
    _book(env, env.user("erika"), BERNBURG_HBF, BERNBURG_KALISTR, 15)
    vehicles = {v["id"]: v for v in env.client.get("/api/v1/dispatch/vehicles", headers=staff).json()}
    assert set(vehicles) == {"bbg-1", "sft-1"}
    assert vehicles["bbg-1"]["capacity"] == {"seats": 8, "wheelchairs": 1, "strollers": 2}
    assert vehicles["bbg-1"]["next_stop"]["stop_id"] == BERNBURG_HBF
    assert vehicles["sft-1"]["next_stop"] is None


def test_out_of_service_moves_bookings_to_another_vehicle(env: Env) -> None:
    """Taking a vehicle out of service re-plans its bookings onto another vehicle; none is lost."""
    resident, staff = env.user("erika"), env.user("leitstelle", "dispatcher")
    booking = _book(env, resident, BERNBURG_HBF, ASCHERSLEBEN_BF, 60)
    assert booking["vehicle_id"] == "bbg-1"
    r = env.client.post("/api/v1/dispatch/vehicles/bbg-1/out-of-service", headers=staff)
    assert r.status_code == 200, r.text
    assert r.json()["lost_bookings"] == []
    moved = env.client.get(f"/api/v1/bookings/{booking['id']}", headers=resident).json()
    assert moved["vehicle_id"] == "sft-1"
    assert moved["state"] == "CONFIRMED"
    assert moved["pickup_window"] == booking["pickup_window"]  # the promise stays
    assert env.scalar("SELECT count(*) FROM events WHERE type = 'vehicle_out_of_service'") == 1


def test_bookings_that_cannot_be_kept_are_reported(any_env_factory: EnvFactory) -> None:
    """With the only vehicle out of service its bookings are REJECTED and listed as problems for the dispatcher."""
    from tests.booking.conftest import one_small_car

    env = any_env_factory(fleet=one_small_car())
    resident, staff = env.user("erika"), env.user("leitstelle", "dispatcher")
    booking = _book(env, resident, BERNBURG_HBF, BERNBURG_FRIEDENSHALL, 30)
    lost = env.client.post("/api/v1/dispatch/vehicles/bbg-car/out-of-service", headers=staff).json()["lost_bookings"]
    assert lost == [booking["id"]]
    problems = env.client.get("/api/v1/dispatch/problems", headers=staff).json()
    assert [p["booking_id"] for p in problems] == [booking["id"]]
    assert "außer Dienst" in problems[0]["reason"]
    state = env.client.get(f"/api/v1/bookings/{booking['id']}", headers=resident).json()["state"]
    assert state == "REJECTED"
    resolved = env.client.post(f"/api/v1/dispatch/problems/{problems[0]['id']}/resolve", headers=staff)
    assert resolved.status_code == 200
    assert env.client.get("/api/v1/dispatch/problems", headers=staff).json() == []


def test_unknown_vehicle_is_a_404(env: Env) -> None:
    """Out of service for a vehicle that does not exist is a 404 problem naming it."""
    staff = env.user("leitstelle", "dispatcher")
    p = problem(env.client.post("/api/v1/dispatch/vehicles/XYZ-9/out-of-service", headers=staff), 404)
    assert "XYZ-9" in p["detail"]


def test_kpis_count_todays_bookings_and_rejections(env: Env) -> None:
    """Today's figures count booked rides, rejections and pooled share."""
    resident, staff = env.user("erika"), env.user("leitstelle", "dispatcher")
    _book(env, resident, BERNBURG_HBF, STASSFURT_BF, 20)
    _book(env, resident, BERNBURG_HBF, STASSFURT_BF, 21)
    env.clock.advance(60)
    env.client.post("/api/v1/offers", json=ride(BERNBURG_HBF, STASSFURT_BF, 20, passengers=15), headers=resident)
    kpis = env.client.get("/api/v1/dispatch/kpis", headers=staff).json()
    assert kpis["day"] == "2026-11-23"
    assert kpis["booked"] == 2
    assert (kpis["rejected"], kpis["refused_offers"], kpis["lost"]) == (1, 1, 0)
    assert kpis["pooled_share"] == 1.0  # both ride the same bus at the same time
    assert kpis["average_wait_s"] is not None


def test_a_refusal_followed_by_a_booking_is_not_turned_away(any_env_factory: EnvFactory) -> None:
    """Refused, asked again at once (refused again), then booked an alternative time: two refused offers, nobody
    turned away; another rider refused and never booked is one turned away."""
    env = any_env_factory()
    resident, other, staff = env.user("erika"), env.user("max"), env.user("leitstelle", "dispatcher")
    for _ in range(2):
        r = env.client.post("/api/v1/offers", json=ride(BERNBURG_HBF, STASSFURT_BF, 20, passengers=15),
                            headers=resident)
        assert r.status_code == 422
    env.clock.advance(120)
    _book(env, resident, BERNBURG_HBF, STASSFURT_BF, 30)
    env.client.post("/api/v1/offers", json=ride(BERNBURG_HBF, STASSFURT_BF, 20, passengers=15), headers=other)
    kpis = env.client.get("/api/v1/dispatch/kpis", headers=staff).json()
    assert (kpis["booked"], kpis["refused_offers"], kpis["rejected"]) == (1, 3, 1)


def turned(refusals: list[int], bookings: list[int]) -> int:
    """turned_away for one rider, times in minutes."""
    from datetime import UTC, datetime, timedelta

    from booking.service.views import turned_away

    t0 = datetime(2026, 11, 23, 7, tzinfo=UTC)
    return turned_away([("r", t0 + timedelta(minutes=m)) for m in refusals],
                       [("r", t0 + timedelta(minutes=m)) for m in bookings])


def test_turned_away_counts_wishes_not_refusals() -> None:
    """Repeated refusals of one wish count once; a booking within 30 minutes after a refusal resolves it; a booking
    before it or long after does not."""
    assert turned([0, 5, 10], []) == 1
    assert turned([0, 5], [12]) == 0
    assert turned([0], [-5, 31]) == 1
    assert turned([0], [0]) == 0  # asked again at an alternative time at once
    assert turned([0, 60], [65]) == 1
    assert turned([], [0]) == 0


def _vehicles_of(env: Env, ids: set[str]) -> dict[str, str]:
    return {v.booking_id: vid for vid, t in env.parts.dispatcher.plan().tours.items() for v in t.visits
            if v.booking_id in ids}


def test_replan_moves_rides_back_to_the_nearer_bus_and_keeps_every_promise(env: Env) -> None:
    """Two Bernburg rides moved to the Staßfurt bus while the Bernburg bus was out of service stay there when it
    returns (insertion never moves a booking); a manual re-plan gives them back to the Bernburg bus: the plan is
    replaced (new version, logged with the dispatcher), drives less, and every promised window is unchanged. A
    second re-plan finds nothing better and changes nothing."""
    resident, staff = env.user("erika"), env.user("leitstelle", "dispatcher")
    booked = [_book(env, resident, BERNBURG_HBF, BERNBURG_KALISTR, m) for m in (30, 60)]
    ids = {b["id"] for b in booked}
    assert set(_vehicles_of(env, ids).values()) == {"bbg-1"}
    assert env.client.post("/api/v1/dispatch/vehicles/bbg-1/out-of-service", headers=staff).status_code == 200
    assert env.client.post("/api/v1/dispatch/vehicles/bbg-1/in-service", headers=staff).status_code == 200
    assert set(_vehicles_of(env, ids).values()) == {"sft-1"}
    day = date(2026, 11, 23)
    before = env.parts.dispatcher.day_summary(day)
    version = env.parts.dispatcher.plan().version
    r = env.client.post("/api/v1/dispatch/replan", headers=staff)
    assert r.status_code == 200, r.text
    assert r.json() == {"replaced": True, "plan_version": version + 1}
    assert set(_vehicles_of(env, ids).values()) == {"bbg-1"}
    assert env.parts.dispatcher.day_summary(day).distance_m < before.distance_m
    for b in booked:
        now = env.client.get(f"/api/v1/bookings/{b['id']}", headers=resident).json()
        assert (now["state"], now["vehicle_id"], now["pickup_window"]) == ("CONFIRMED", "bbg-1", b["pickup_window"])
    again = env.client.post("/api/v1/dispatch/replan", headers=staff).json()
    assert again == {"replaced": False, "plan_version": version + 1}
    env.flush()
    assert env.scalar("SELECT count(*) FROM events WHERE type = 'plan_replaced'") == 1
    assert env.scalar("SELECT count(DISTINCT vehicle_id) FROM plan_visits") == 1
    assert env.scalar("SELECT count(*) FROM plan_visits WHERE vehicle_id = 'bbg-1'") == 4


def test_stream_sends_live_events(env: Env) -> None:
    """The SSE stream greets with the plan version and then reports a new booking."""
    import threading

    resident, staff = env.user("erika"), env.user("leitstelle", "dispatcher")
    lines: list[str] = []
    started = threading.Event()

    def listen() -> None:
        with env.client.stream("GET", "/api/v1/dispatch/stream?max_events=2", headers=staff) as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            for line in r.iter_lines():
                lines.append(line)
                started.set()

    thread = threading.Thread(target=listen)
    thread.start()
    assert started.wait(10)
    import time

    deadline = time.monotonic() + 5
    while env.parts.services.ctx.bus.subscriber_count == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    _book(env, resident, BERNBURG_HBF, STASSFURT_BF, 20)
    thread.join(10)
    events = [line.removeprefix("event: ") for line in lines if line.startswith("event: ")]
    assert events[0] == "hello"
    assert set(events[1:]) <= {"plan_changed", "booking_changed"}
    assert len(events) == 3
    data = [json.loads(line.removeprefix("data: ")) for line in lines if line.startswith("data: ")]
    assert "plan_version" in data[0]


def test_background_reoptimiser_runs_and_keeps_quotes_answering(env: Env) -> None:
    """The background thread re-optimises on its interval while quotes keep being answered; bookings stay."""
    import time

    from booking.service.background import Reoptimiser

    resident = env.user("erika")
    ids = {_book(env, resident, BERNBURG_HBF, STASSFURT_BF, m)["id"] for m in (20, 50)}
    reoptimiser = Reoptimiser(env.parts.services.operations, interval_s=0.05, time_limit_s=0.5)
    reoptimiser.start()
    try:
        deadline = time.monotonic() + 20
        while reoptimiser.runs < 1 and time.monotonic() < deadline:
            r = env.client.post("/api/v1/offers", json=ride(BERNBURG_HBF, BERNBURG_KALISTR, 30), headers=resident)
            assert r.status_code == 201, r.text  # two eight-seat buses, two riders: always room
    finally:
        reoptimiser.stop()
    assert reoptimiser.runs >= 1
    planned = {v.booking_id for t in env.parts.dispatcher.plan().tours.values() for v in t.visits}
    assert ids <= planned
