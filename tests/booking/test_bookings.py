"""Bookings: idempotent creation, ownership, cancel, ETA, phone bookings, a seat gone — on SQLite and on PostGIS."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.booking.conftest import (
    BERNBURG_HBF,
    BERNBURG_KALISTR,
    STASSFURT_BF,
    Env,
    EnvFactory,
    one_small_car,
    ride,
)
from tests.booking.test_offers import problem


@pytest.fixture
def env(any_env: Env) -> Env:
    """Two minibuses at T0, on SQLite and then on PostGIS."""
    return any_env


def offer(env: Env, headers: dict[str, str], **kw: Any) -> dict[str, Any]:
    """A fresh offer Bernburg Hbf → Staßfurt."""
    r = env.client.post("/api/v1/offers", json=ride(BERNBURG_HBF, STASSFURT_BF, **kw), headers=headers)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def book(env: Env, headers: dict[str, str], offer_id: str, key: str | None = None) -> Any:
    """POST /bookings (with an Idempotency-Key when given)."""
    h = {**headers, **({"Idempotency-Key": key} if key else {})}
    return env.client.post("/api/v1/bookings", json={"offer_id": offer_id}, headers=h)


def test_accepting_an_offer_confirms_a_booking_in_the_plan(env: Env) -> None:
    """A booked offer is CONFIRMED, stored, logged and planned on a vehicle."""
    headers = env.user("erika")
    r = book(env, headers, offer(env, headers)["id"], "k-1")
    assert r.status_code == 201, r.text
    booking = r.json()
    assert booking["state"] == "CONFIRMED"
    assert r.headers["location"].endswith(booking["id"])
    plan = env.parts.dispatcher.plan()
    planned = {v.booking_id for t in plan.tours.values() for v in t.visits}
    assert booking["id"] in planned
    assert env.scalar("SELECT count(*) FROM offers") == 1  # stored with the booking, before any flush
    env.flush()
    assert env.scalar("SELECT count(*) FROM plan_visits WHERE booking_id = '{}'".format(booking["id"])) == 2
    assert env.scalar("SELECT count(*) FROM events WHERE type IN ('booking_created', 'booking_confirmed')") == 2


def test_retry_with_the_same_idempotency_key_returns_the_same_booking(env: Env) -> None:
    """A retried POST with the same Idempotency-Key returns the first booking, never a second."""
    headers = env.user("erika")
    offer_id = offer(env, headers)["id"]
    first = book(env, headers, offer_id, "abc-123")
    second = book(env, headers, offer_id, "abc-123")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers["idempotent-replayed"] == "true"
    assert env.scalar("SELECT count(*) FROM bookings") == 1


def test_same_key_for_another_offer_is_refused(env: Env) -> None:
    """Reusing an Idempotency-Key for a different offer is a 422 problem, not a silent second booking."""
    headers = env.user("erika")
    assert book(env, headers, offer(env, headers)["id"], "k").status_code == 201
    other = offer(env, headers, minutes=90)["id"]
    assert problem(book(env, headers, other, "k"), 422)["type"].endswith("idempotency_key_reused")
    assert env.scalar("SELECT count(*) FROM bookings") == 1


def test_an_offer_books_once_even_without_a_key(env: Env) -> None:
    """Booking the same offer twice without a key is a 409: one offer, one booking."""
    headers = env.user("erika")
    offer_id = offer(env, headers)["id"]
    assert book(env, headers, offer_id).status_code == 201
    assert problem(book(env, headers, offer_id), 409)["type"].endswith("already_booked")


def test_an_expired_offer_gets_a_fresh_one_that_books(env: Env) -> None:
    """Booking an offer after it expired (five minutes) is a 409 ``seat_taken`` with a fresh offer for the same
    ride, held anew; the fresh offer books, the stale one never does."""
    headers = env.user("erika")
    stale = offer(env, headers, minutes=30)
    env.clock.advance(301)
    p = problem(book(env, headers, stale["id"]), 409)
    assert p["type"].endswith(":seat_taken")
    assert p["detail"] == "Der angebotene Platz ist inzwischen vergeben. Ein neues Angebot liegt bei."
    fresh = p["fresh_offer"]
    assert fresh["id"] == p["fresh_offer_id"] != stale["id"]
    assert fresh["pickup_window"] == stale["pickup_window"]  # the ride is the same; only the hold is new
    assert datetime.fromisoformat(fresh["valid_until"]) > env.clock.now()
    r = book(env, headers, fresh["id"])
    assert r.status_code == 201, r.text
    assert r.json()["offer_id"] == fresh["id"]
    assert env.scalar("SELECT count(*) FROM bookings") == 1


def test_an_expired_offer_whose_seats_are_gone_gets_no_fresh_one(any_env_factory: EnvFactory) -> None:
    """When the only car was booked full by another resident meanwhile, the 409 says there is no new offer."""
    env = any_env_factory(fleet=one_small_car())
    erika, max_ = env.user("erika"), env.user("max")
    stale = offer(env, erika, minutes=30, passengers=3)
    assert book(env, max_, offer(env, max_, minutes=30, passengers=3)["id"]).status_code == 201
    env.clock.advance(301)
    p = problem(book(env, erika, stale["id"]), 409)
    assert p["type"].endswith(":seat_taken")
    assert p["detail"] == "Der angebotene Platz ist inzwischen vergeben. Es gibt derzeit kein neues Angebot."
    assert "fresh_offer_id" not in p
    assert "fresh_offer" not in p
    assert env.scalar("SELECT count(*) FROM bookings") == 1


def test_unknown_offer_and_booking_ids_are_404(env: Env) -> None:
    """Unknown ids are 404 problems naming the id."""
    headers = env.user("erika")
    p = problem(book(env, headers, "kein-angebot"), 404)
    assert "kein-angebot" in p["detail"]
    problem(env.client.get("/api/v1/bookings/nope", headers=headers), 404)
    problem(env.client.post("/api/v1/bookings/nope/cancel", headers=headers), 404)


def test_residents_never_see_or_cancel_each_others_bookings(env: Env) -> None:
    """Another resident's booking is invisible (404) and cannot be cancelled; a dispatcher sees it."""
    erika, max_ = env.user("erika"), env.user("max")
    booking = book(env, erika, offer(env, erika)["id"]).json()
    assert env.client.get("/api/v1/bookings", headers=max_).json() == []
    problem(env.client.get(f"/api/v1/bookings/{booking['id']}", headers=max_), 404)
    problem(env.client.get(f"/api/v1/bookings/{booking['id']}/eta", headers=max_), 404)
    problem(env.client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=max_), 404)
    problem(book(env, max_, booking["offer_id"]), 404)
    assert env.client.get(f"/api/v1/bookings/{booking['id']}", headers=erika).json()["state"] == "CONFIRMED"
    staff = env.user("leitstelle", "dispatcher")
    assert [b["id"] for b in env.client.get("/api/v1/bookings", headers=staff).json()] == [booking["id"]]


def test_cancel_frees_the_seat_and_cannot_happen_twice(env: Env) -> None:
    """A cancelled booking leaves the plan and the stored plan; cancelling again is a 409."""
    headers = env.user("erika")
    booking = book(env, headers, offer(env, headers)["id"]).json()
    r = env.client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=headers)
    assert r.status_code == 200
    assert r.json()["state"] == "CANCELLED"
    planned = {v.booking_id for t in env.parts.dispatcher.plan().tours.values() for v in t.visits}
    assert booking["id"] not in planned
    env.flush()
    assert env.scalar(f"SELECT count(*) FROM plan_visits WHERE booking_id = '{booking['id']}'") == 0
    assert problem(env.client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=headers), 409)


def test_eta_names_the_pickup_stop_and_time(env: Env) -> None:
    """The ETA of a confirmed booking is the planned arrival at its pickup stop."""
    headers = env.user("erika")
    booking = book(env, headers, offer(env, headers)["id"]).json()
    eta = env.client.get(f"/api/v1/bookings/{booking['id']}/eta", headers=headers).json()
    assert eta["target"] == "pickup"
    assert eta["stop"]["id"] == BERNBURG_HBF
    assert eta["window"]["earliest"] <= eta["eta"] <= eta["window"]["latest"]
    assert (eta["basis"], eta["live"]) == ("planned", False)  # the duty has not begun: no "Live" yet
    driver = env.user("fahrer", "driver", vehicle_id=booking["vehicle_id"])
    r = env.client.post("/api/v1/driver/events", json={"type": "duty_begin"}, headers=driver)
    assert r.status_code == 200, r.text
    env.clock.advance(20 * 60)
    eta = env.client.get(f"/api/v1/bookings/{booking['id']}/eta", headers=headers).json()
    assert (eta["basis"], eta["live"], eta["duty_id"]) == ("live", True, env.parts.dispatcher.plan().duty_of_booking(
        booking["id"]).id)
    assert eta["basis_age_s"] == 20 * 60  # rests on the duty's begin, 20 minutes ago
    assert eta["eta"] >= eta["window"]["earliest"]


def test_dispatcher_books_by_phone_for_a_caller(env: Env) -> None:
    """A phone booking is confirmed for the caller's number and records the dispatcher who made it."""
    staff = env.user("leitstelle", "dispatcher")
    body = {"caller_name": "Frau Schulze", "caller_phone": "03471 123456",
            "request": ride(BERNBURG_HBF, BERNBURG_KALISTR, 40, passengers=2)}
    r = env.client.post("/api/v1/dispatch/bookings", json=body, headers=staff)
    assert r.status_code == 201, r.text
    booking = r.json()["booking"]
    assert booking["state"] == "CONFIRMED"
    assert booking["customer_id"] == "phone:03471123456"
    assert booking["caller_name"] == "Frau Schulze"
    assert booking["booked_by"]


def test_offer_in_a_batch_being_written_can_still_be_booked(env: Env) -> None:
    """A booking for an offer the write-behind is storing right now waits for that commit and then succeeds."""
    import threading
    import time

    headers = env.user("erika")
    offer_id = offer(env, headers)["id"]
    ctx = env.parts.services.ctx
    drained = threading.Event()

    def slow_writer() -> None:
        with ctx.pending.flush_lock:
            batch = ctx.pending.drain()
            drained.set()
            time.sleep(0.3)
            with ctx.sessions.begin() as session:
                batch.write(session)

    writer = threading.Thread(target=slow_writer)
    writer.start()
    assert drained.wait(5)
    r = book(env, headers, offer_id, "k-batch")
    writer.join()
    assert r.status_code == 201, r.text
    assert env.scalar("SELECT count(*) FROM offers") == 1
