"""Problems the control room acts on, and out of service for a time with the lost rides put back — on SQLite and
PostGIS."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from booking.store.control import ProblemActionRow
from tests.booking.conftest import BERNBURG_HBF, STASSFURT_BF, T0, Env, EnvFactory
from tests.booking.control_helpers import book_app, book_phone, headers_of, problem_json, take_out

PROBLEMS = "/api/v1/dispatch/problems"


def _lost_ride(env: Env, *, until_min: int | None = None, phone: bool = False) -> tuple[dict[str, str], dict[str, Any]]:
    """Staßfurt 1 out, a ride booked at T0+60 (on Bernburg 1), then Bernburg 1 out (until T0+``until_min``): the
    ride is lost. Returns the dispatcher's headers and the lost booking."""
    staff = headers_of(env, "leitstelle", "dispatcher")
    take_out(env, staff, "sft-1")
    if phone:
        booking = book_phone(env, staff, ("Gerda Schulze", "03471 123456"), BERNBURG_HBF, STASSFURT_BF, minutes=60)
    else:
        booking = book_app(env, headers_of(env, "erika", phone="0171 5550123"), BERNBURG_HBF, STASSFURT_BF, 60)
    body = {"until": (T0 + timedelta(minutes=until_min)).isoformat()} if until_min else {}
    out = take_out(env, staff, "bbg-1", **body)
    assert out["lost_bookings"] == [booking["id"]]
    return staff, booking


def _state(env: Env, staff: dict[str, str], booking_id: str) -> str:
    state: str = env.client.get(f"/api/v1/bookings/{booking_id}", headers=staff).json()["state"]
    return state


def _new_booking(env: Env, staff: dict[str, str], customer_id: str, old_id: str) -> dict[str, Any]:
    mine = [b for b in env.client.get("/api/v1/bookings", headers=staff).json()
            if b["customer_id"] == customer_id and b["id"] != old_id]
    assert len(mine) == 1, mine
    return mine[0]


def test_a_problem_names_rider_phone_pickup_and_reason(any_env_factory: EnvFactory) -> None:
    """The lost ride is listed with the rider's name and phone, the promised window, the stops, the vehicle's name
    and the reason; a phone caller by the caller's name and number."""
    env = any_env_factory()
    staff, booking = _lost_ride(env)
    [p] = env.client.get(PROBLEMS, headers=staff).json()
    assert (p["rider_name"], p["rider_phone"], p["rider_kind"]) == ("Erika", "0171 5550123", "app")
    assert p["pickup_window"] == booking["pickup_window"]
    assert (p["pickup_stop_name"], p["dropoff_stop_name"]) == (booking["pickup_stop"]["name"],
                                                               booking["dropoff_stop"]["name"])
    assert p["vehicle_name"] == "Bernburg 1"
    assert "außer Dienst" in p["reason"]
    assert p["booking_state"] == "REJECTED"
    assert p["pickup_passed"] is False
    assert p["actions"] == []


def test_mark_as_called_resolves_with_a_note(any_env_factory: EnvFactory) -> None:
    """"Angerufen" records who called and the note and resolves the problem; a second action is a 409."""
    env = any_env_factory()
    staff, _ = _lost_ride(env, phone=True)
    [p] = env.client.get(PROBLEMS, headers=staff).json()
    assert (p["rider_name"], p["rider_phone"], p["rider_kind"]) == ("Gerda Schulze", "03471 123456", "phone")
    r = env.client.post(f"{PROBLEMS}/{p['id']}/called", json={"note": "fährt mit dem Sohn"}, headers=staff)
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["resolved_at"] is not None
    assert [(a["action"], a["label"], a["note"], a["actor_name"]) for a in done["actions"]] == [
        ("called", "angerufen", "fährt mit dem Sohn", "Leitstelle")]
    assert env.client.get(PROBLEMS, headers=staff).json() == []
    problem_json(env.client.post(f"{PROBLEMS}/{p['id']}/called", headers=staff), 409)
    problem_json(env.client.post(f"{PROBLEMS}/999999/called", headers=staff), 404)
    problem_json(env.client.post(f"{PROBLEMS}/0/called", headers=staff), 422)


def test_rebook_on_another_vehicle_keeps_the_promise(any_env_factory: EnvFactory) -> None:
    """With no vehicle in service a rebook is a 409 in German; with Staßfurt 1 back the ride is booked again on it
    as a new booking with the same pickup window and stops; the old booking stays REJECTED, the problem is resolved
    with a link to the new booking and the rider gets a notice."""
    env = any_env_factory()
    staff, booking = _lost_ride(env)
    [p] = env.client.get(PROBLEMS, headers=staff).json()
    problem_json(env.client.post(f"{PROBLEMS}/{p['id']}/rebook", json={"vehicle_id": "sft-1"}, headers=staff), 409)
    assert env.client.post("/api/v1/dispatch/vehicles/sft-1/in-service", headers=staff).status_code == 200
    r = env.client.post(f"{PROBLEMS}/{p['id']}/rebook", json={"vehicle_id": "sft-1"}, headers=staff)
    assert r.status_code == 200, r.text
    new = r.json()["booking"]
    assert (new["state"], new["vehicle_id"], new["vehicle_name"]) == ("CONFIRMED", "sft-1", "Staßfurt 1")
    assert new["pickup_window"] == booking["pickup_window"]
    assert (new["pickup_stop"]["id"], new["dropoff_stop"]["id"]) == (BERNBURG_HBF, STASSFURT_BF)
    assert new["customer_id"] == booking["customer_id"]
    assert new["rider_name"] == "Erika"
    assert r.json()["problem"]["actions"][0]["booking_id"] == new["id"]
    assert _state(env, staff, booking["id"]) == "REJECTED"
    assert env.parts.dispatcher.plan().duty_of_booking(new["id"]) is not None
    notices = env.client.get("/api/v1/me/notices", headers=env.login("erika")).json()
    assert any(n["booking_id"] == new["id"] and n["kind"] == "moved" for n in notices)


def test_rebook_at_another_time(any_env_factory: EnvFactory) -> None:
    """A new departure time gets a fresh offer for the same stops and party, booked for the rider; an impossible
    time is a 422 with the reason."""
    env = any_env_factory()
    staff, booking = _lost_ride(env, phone=True)
    [p] = env.client.get(PROBLEMS, headers=staff).json()
    later = (T0 + timedelta(hours=3)).isoformat()
    problem_json(env.client.post(f"{PROBLEMS}/{p['id']}/rebook", json={"departure": later}, headers=staff), 422)
    assert env.client.post("/api/v1/dispatch/vehicles/sft-1/in-service", headers=staff).status_code == 200
    r = env.client.post(f"{PROBLEMS}/{p['id']}/rebook", json={"departure": later}, headers=staff)
    assert r.status_code == 200, r.text
    new = r.json()["booking"]
    assert new["state"] == "CONFIRMED"
    assert new["pickup_window"]["earliest"] >= later
    assert (new["caller_name"], new["caller_phone"]) == ("Gerda Schulze", "03471 123456")
    assert new["customer_id"] == booking["customer_id"]
    assert env.client.get(PROBLEMS, headers=staff).json() == []
    both = {"vehicle_id": "sft-1", "departure": later}
    problem_json(env.client.post(f"{PROBLEMS}/{p['id']}/rebook", json=both, headers=staff), 422)


def test_cancel_with_a_message_to_the_rider(any_env_factory: EnvFactory) -> None:
    """The rider's notices get the dispatcher's message; the problem is resolved; an empty message is a 422."""
    env = any_env_factory()
    staff, booking = _lost_ride(env)
    [p] = env.client.get(PROBLEMS, headers=staff).json()
    problem_json(env.client.post(f"{PROBLEMS}/{p['id']}/cancel", json={"message": "   "}, headers=staff), 422)
    r = env.client.post(f"{PROBLEMS}/{p['id']}/cancel", json={"message": "heute fährt leider kein Ersatzbus"},
                        headers=staff)
    assert r.status_code == 200, r.text
    assert r.json()["actions"][0]["action"] == "cancelled"
    notices = env.client.get("/api/v1/me/notices", headers=env.login("erika")).json()
    told = [n for n in notices if n["booking_id"] == booking["id"] and "kein Ersatzbus" in n["body"]]
    assert len(told) == 1
    assert _state(env, staff, booking["id"]) == "REJECTED"


def test_out_of_service_until_a_time_returns_by_itself_and_puts_the_ride_back(any_env_factory: EnvFactory) -> None:
    """Bernburg 1 out until T0+30 min: the fleet view says until when; when the clock passes that time the vehicle
    is back and the ride it lost is booked again with its promise (problem resolved "put_back", rider told)."""
    env = any_env_factory()
    staff, booking = _lost_ride(env, until_min=30)
    fleet = {v["id"]: v for v in env.client.get("/api/v1/dispatch/vehicles", headers=staff).json()}
    assert fleet["bbg-1"]["in_service"] is False
    assert fleet["bbg-1"]["out_until"].startswith("2026-11-23T08:30:00")
    assert fleet["sft-1"]["out_until"] is None
    assert fleet["sft-1"]["out_since"] is not None
    env.clock.advance(31 * 60)
    env.parts.services.operations.advance_clock()  # the background loop's clock step
    fleet = {v["id"]: v for v in env.client.get("/api/v1/dispatch/vehicles", headers=staff).json()}
    assert fleet["bbg-1"]["in_service"] is True
    assert fleet["bbg-1"]["out_until"] is None
    assert env.client.get(PROBLEMS, headers=staff).json() == []
    new = _new_booking(env, staff, booking["customer_id"], booking["id"])
    assert (new["state"], new["vehicle_id"]) == ("CONFIRMED", "bbg-1")
    assert new["pickup_window"] == booking["pickup_window"]
    [done] = env.client.get(PROBLEMS, params={"include_resolved": True}, headers=staff).json()
    assert [(a["action"], a["booking_id"]) for a in done["actions"]] == [("put_back", new["id"])]
    notices = env.client.get("/api/v1/me/notices", headers=env.login("erika")).json()
    assert any(n["booking_id"] == new["id"] and "wieder im Dienst" in n["body"] for n in notices)


def test_manual_return_puts_back_what_still_fits(any_env_factory: EnvFactory) -> None:
    """Back in service by hand: the lost ride is put back; a second return changes nothing; a ride whose window
    has passed stays lost."""
    env = any_env_factory()
    staff, booking = _lost_ride(env)
    back = env.client.post("/api/v1/dispatch/vehicles/bbg-1/in-service", headers=staff).json()
    assert list(back["put_back"]) == [booking["id"]]
    assert back["still_lost"] == []
    again = env.client.post("/api/v1/dispatch/vehicles/bbg-1/in-service", headers=staff).json()
    assert again["put_back"] == {}
    with env.parts.engine.connect() as conn:
        actions = conn.execute(sa.select(ProblemActionRow.action)).scalars().all()
    assert actions == ["put_back"]

    late = book_app(env, env.login("erika"), BERNBURG_HBF, STASSFURT_BF, 30)
    lost = take_out(env, staff, "bbg-1")["lost_bookings"]
    assert late["id"] in lost
    env.clock.advance(3 * 3600)  # every window of the day's rides so far has passed
    back = env.client.post("/api/v1/dispatch/vehicles/bbg-1/in-service", headers=staff).json()
    assert back["put_back"] == {}
    assert _state(env, staff, late["id"]) == "REJECTED"


def test_out_of_service_until_must_lie_ahead(any_env_factory: EnvFactory) -> None:
    """An end time in the past (or more than 14 days ahead) is a 422 in German; nothing changes."""
    env = any_env_factory()
    staff = headers_of(env, "leitstelle", "dispatcher")
    past = (T0 - timedelta(minutes=5)).isoformat()
    far = (T0 + timedelta(days=20)).isoformat()
    for until in (past, far):
        r = env.client.post("/api/v1/dispatch/vehicles/bbg-1/out-of-service", json={"until": until}, headers=staff)
        problem_json(r, 422)
    assert all(v["in_service"] for v in env.client.get("/api/v1/dispatch/vehicles", headers=staff).json())


def test_the_fleet_view_counts_pickups_planned_after_their_window(any_env_factory: EnvFactory) -> None:
    """A driver who begins the duty 40 minutes late: the ride of 20 minutes after T0 is now planned after its
    promised window; the fleet view says so for that vehicle (one late pickup, by how much) and not for the other."""
    env = any_env_factory()
    staff = headers_of(env, "leitstelle", "dispatcher")
    booking = book_app(env, headers_of(env, "erika"), BERNBURG_HBF, STASSFURT_BF, 20)
    vehicle = booking["vehicle_id"]
    fleet = {v["id"]: v for v in env.client.get("/api/v1/dispatch/vehicles", headers=staff).json()}
    assert (fleet[vehicle]["late_rides"], fleet[vehicle]["late_s"]) == (0, 0)
    env.clock.advance(40 * 60)
    driver = env.user("fahrer", "driver", vehicle_id=vehicle)
    r = env.client.post("/api/v1/driver/events", json={"type": "duty_begin"}, headers=driver)
    assert r.status_code == 200, r.text
    fleet = {v["id"]: v for v in env.client.get("/api/v1/dispatch/vehicles", headers=staff).json()}
    latest = datetime.fromisoformat(booking["pickup_window"]["latest"])
    assert fleet[vehicle]["late_rides"] == 1
    assert fleet[vehicle]["late_s"] >= (env.clock.now() - latest).total_seconds()
    other = next(v for v in fleet if v != vehicle)
    assert fleet[other]["late_rides"] == 0
