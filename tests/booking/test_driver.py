"""Drivers: the manifest and the events that move a booking from CONFIRMED to FINISHED (or no-show)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.booking.conftest import BERNBURG_HBF, STASSFURT_BF, Env
from tests.booking.test_dispatch import _book
from tests.booking.test_offers import problem


def _event(env: Env, headers: dict[str, str], kind: str, booking_id: str | None = None) -> Any:
    body = {"type": kind, **({"booking_id": booking_id} if booking_id else {})}
    return env.client.post("/api/v1/driver/events", json=body, headers=headers)


def _advance_to(env: Env, iso: str) -> None:
    target = datetime.fromisoformat(iso)
    env.clock.advance(max(0.0, (target - env.clock.now()).total_seconds()))


def test_manifest_lists_who_boards_and_alights_with_needs(env: Env) -> None:
    """The driver's manifest shows the pickup with the rider's party and needs, then the drop-off."""
    booking = _book(env, env.user("erika"), BERNBURG_HBF, STASSFURT_BF, 20, passengers=2, wheelchairs=1)
    driver = env.user("fahrer", "driver", vehicle_id=booking["vehicle_id"])
    stops = env.client.get("/api/v1/driver/manifest", headers=driver).json()["stops"]
    assert [s["stop_id"] for s in stops] == [BERNBURG_HBF, STASSFURT_BF]
    rider = stops[0]["board"][0]
    assert (rider["booking_id"], rider["passengers"], rider["wheelchairs"]) == (booking["id"], 2, 1)
    assert rider["name"] == "Erika"
    assert stops[1]["alight"][0]["booking_id"] == booking["id"]


def test_arrived_boarded_dropped_off_finishes_the_booking(env: Env) -> None:
    """arrived → boarded → dropped_off moves the booking CONFIRMED → STARTED → FINISHED and logs each step."""
    resident = env.user("erika")
    booking = _book(env, resident, BERNBURG_HBF, STASSFURT_BF, 20)
    driver = env.user("fahrer", "driver", vehicle_id=booking["vehicle_id"])
    _advance_to(env, booking["pickup_window"]["earliest"])
    assert _event(env, driver, "arrived", booking["id"]).status_code == 200
    boarded = _event(env, driver, "boarded", booking["id"])
    assert boarded.json()["booking"]["state"] == "STARTED"
    eta = env.client.get(f"/api/v1/bookings/{booking['id']}/eta", headers=resident).json()
    assert eta["target"] == "dropoff"
    env.clock.advance(20 * 60)
    done = _event(env, driver, "dropped_off", booking["id"])
    assert done.json()["booking"]["state"] == "FINISHED"
    assert env.scalar("SELECT count(*) FROM events WHERE booking_id = '{}'".format(booking["id"])) == 5
    assert env.client.get("/api/v1/driver/manifest", headers=driver).json()["stops"] == []


def test_no_show_only_after_the_wait(env: Env) -> None:
    """A no-show before the configured wait is refused (409, German); after it the booking is cancelled."""
    booking = _book(env, env.user("erika"), BERNBURG_HBF, STASSFURT_BF, 20)
    driver = env.user("fahrer", "driver", vehicle_id=booking["vehicle_id"])
    _advance_to(env, booking["pickup_window"]["earliest"])
    _event(env, driver, "arrived", booking["id"])
    early = problem(_event(env, driver, "no_show", booking["id"]), 409)
    assert "Nichterscheinen" in early["detail"]
    env.clock.advance(env.parts.services.ctx.options.no_show_wait_s + 60)
    late = _event(env, driver, "no_show", booking["id"])
    assert late.status_code == 200, late.text
    assert late.json()["booking"]["state"] == "CANCELLED"
    assert late.json()["booking"]["state_reason"] == "no_show"


def test_driver_cannot_touch_another_vehicles_booking(env: Env) -> None:
    """A driver reporting on a booking of another vehicle gets 403 and changes nothing."""
    booking = _book(env, env.user("erika"), BERNBURG_HBF, STASSFURT_BF, 20)
    other = "sft-1" if booking["vehicle_id"] == "bbg-1" else "bbg-1"
    driver = env.user("fahrer", "driver", vehicle_id=other)
    problem(_event(env, driver, "boarded", booking["id"]), 403)
    assert env.scalar("SELECT state FROM bookings") == "CONFIRMED"


def test_dropped_off_before_boarding_is_refused(env: Env) -> None:
    """Events out of order are a 409 problem and leave the booking as it was."""
    booking = _book(env, env.user("erika"), BERNBURG_HBF, STASSFURT_BF, 20)
    driver = env.user("fahrer", "driver", vehicle_id=booking["vehicle_id"])
    problem(_event(env, driver, "dropped_off", booking["id"]), 409)
    problem(_event(env, driver, "teleported", booking["id"]), 422)
    assert env.scalar("SELECT state FROM bookings") == "CONFIRMED"


def test_driver_stream_reports_only_the_drivers_vehicle(env: Env) -> None:
    """The driver's live stream greets with the vehicle id and passes on only what concerns that vehicle: a
    booking on the other vehicle is not sent; the vehicle back in service, the ride moved onto it when the other
    one goes out of service, and a new booking on it are."""
    import json
    import threading
    import time

    resident, staff = env.user("erika"), env.user("leitstelle", "dispatcher")
    mine, other = "bbg-1", "sft-1"
    driver = env.user("fahrer", "driver", vehicle_id=mine)
    assert env.client.post(f"/api/v1/dispatch/vehicles/{mine}/out-of-service", headers=staff).status_code == 200
    lines: list[str] = []

    def listen() -> None:
        with env.client.stream("GET", "/api/v1/driver/stream?max_events=3", headers=driver) as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            lines.extend(r.iter_lines())

    thread = threading.Thread(target=listen)
    thread.start()
    deadline = time.monotonic() + 5
    while env.parts.services.ctx.bus.subscriber_count == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _book(env, resident, BERNBURG_HBF, STASSFURT_BF, 20)["vehicle_id"] == other  # not for this driver
    env.flush()  # the stored plan of the other vehicle changed: not for this driver either
    assert env.client.post(f"/api/v1/dispatch/vehicles/{mine}/in-service", headers=staff).status_code == 200
    assert env.client.post(f"/api/v1/dispatch/vehicles/{other}/out-of-service", headers=staff).status_code == 200
    assert _book(env, resident, BERNBURG_HBF, STASSFURT_BF, 60)["vehicle_id"] == mine
    thread.join(10)
    assert not thread.is_alive()
    events = [line.removeprefix("event: ") for line in lines if line.startswith("event: ")]
    data = [json.loads(line.removeprefix("data: ")) for line in lines if line.startswith("data: ")]
    assert events[0] == "hello"
    assert data[0] == {"vehicle_id": mine}
    assert events[1] == "vehicle_changed"  # back in service
    assert set(events[2:]) <= {"plan_changed", "booking_changed"}  # the moved ride, the new one
    assert len(events) == 4
    assert all(d.get("vehicle_id") == mine or mine in d.get("vehicles", []) for d in data[1:])


def test_driver_stream_is_for_drivers_only(env: Env) -> None:
    """A resident gets a 403 problem and no stream; without a token it is a 401."""
    r = env.client.get("/api/v1/driver/stream?max_events=1", headers=env.user("erika"))
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    assert env.client.get("/api/v1/driver/stream?max_events=1").status_code == 401
