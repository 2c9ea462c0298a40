"""Driver events sent late: the time they happened (bounded) goes into the log and the plan, and an event sent twice
under its key is applied once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from booking.store.models import EventRow
from tests.booking.conftest import BERNBURG_HBF, STASSFURT_BF, Env, EnvFactory
from tests.booking.test_dispatch import _book
from tests.booking.test_offers import problem


def post(env: Env, headers: dict[str, str], **body: Any) -> Any:
    return env.client.post("/api/v1/driver/events", json=body, headers=headers)


def logged(env: Env, event_type: str) -> list[EventRow]:
    with env.parts.services.sessions() as session:
        return list(session.scalars(sa.select(EventRow).where(EventRow.type == event_type).order_by(EventRow.id)))


def ready(env: Env) -> tuple[dict[str, Any], dict[str, str]]:
    booking = _book(env, env.user("erika"), BERNBURG_HBF, STASSFURT_BF, 20)
    driver = env.user("fahrer", "driver", vehicle_id=booking["vehicle_id"])
    start = datetime.fromisoformat(booking["pickup_window"]["earliest"])
    env.clock.advance((start - env.clock.now()).total_seconds())
    return booking, driver


def test_a_queued_event_keeps_the_time_it_happened(any_env_factory: EnvFactory) -> None:
    """Arrived at the pickup, sent 25 minutes later when the network came back: the log says when it happened
    and when it was received; the booking moves on as usual."""
    env = any_env_factory()
    booking, driver = ready(env)
    happened = env.clock.now()
    env.clock.advance(25 * 60)
    arrived = post(env, driver, type="arrived", booking_id=booking["id"], at=happened.isoformat(),
                   event_id="q-arrived-0001")
    assert arrived.status_code == 200, arrived.text
    assert arrived.json()["replayed"] is False
    [row] = logged(env, "vehicle_arrived")
    assert row.at == happened
    assert row.data["event_id"] == "q-arrived-0001"
    assert datetime.fromisoformat(row.data["received_at"]) == env.clock.now()
    boarded = post(env, driver, type="boarded", booking_id=booking["id"],
                   at=(happened + timedelta(minutes=1)).isoformat(), event_id="q-boarded-0002")
    assert boarded.json()["booking"]["state"] == "STARTED"
    assert logged(env, "passenger_boarded")[0].at == happened + timedelta(minutes=1)


def test_an_event_sent_twice_counts_once(any_env_factory: EnvFactory) -> None:
    """The phone sent 'boarded' but never heard the answer and sends it again: 200 replayed, one log entry, the
    booking stays STARTED (not a 409 for a second boarding). A new key is a new event."""
    env = any_env_factory()
    booking, driver = ready(env)
    post(env, driver, type="arrived", booking_id=booking["id"], event_id="k-arrived-0001")
    first = post(env, driver, type="boarded", booking_id=booking["id"], event_id="k-boarded-0001")
    again = post(env, driver, type="boarded", booking_id=booking["id"], event_id="k-boarded-0001")
    assert first.status_code == again.status_code == 200
    assert (first.json()["replayed"], again.json()["replayed"]) == (False, True)
    assert again.json()["booking"]["state"] == "STARTED"
    assert len(logged(env, "passenger_boarded")) == 1
    problem(post(env, driver, type="boarded", booking_id=booking["id"], event_id="k-boarded-0002"), 409)


def test_a_replayed_duty_end_is_not_refused_as_stale(any_env_factory: EnvFactory) -> None:
    """'Dienst beenden' sent twice with its duty id: the second is recognised by its key, not refused because the
    duty it names has ended."""
    env = any_env_factory()
    booking, driver = ready(env)
    duty = env.client.get("/api/v1/driver/manifest", headers=driver).json()["duty"]["id"]
    assert post(env, driver, type="duty_begin", duty_id=duty, event_id="d-begin-0001").status_code == 200
    env.client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=env.login("erika"))
    end_from = env.client.get("/api/v1/driver/manifest", headers=driver).json()["duty"]["end_from"]
    env.clock.advance((datetime.fromisoformat(end_from) - env.clock.now()).total_seconds())
    ended = post(env, driver, type="duty_end", duty_id=duty, event_id="d-end-0001")
    assert ended.status_code == 200, ended.text
    again = post(env, driver, type="duty_end", duty_id=duty, event_id="d-end-0001")
    assert again.status_code == 200, again.text
    assert again.json()["replayed"] is True
    assert len(logged(env, "duty_ended")) == 1


def test_implausible_times_are_refused_in_german(any_env_factory: EnvFactory) -> None:
    """A time more than two minutes ahead or more than two hours back is a 422 naming the time in German (never
    ISO); nothing is logged."""
    env = any_env_factory()
    booking, driver = ready(env)
    now = env.clock.now()
    ahead = problem(post(env, driver, type="arrived", booking_id=booking["id"],
                         at=(now + timedelta(minutes=10)).isoformat(), event_id="t-ahead-0001"), 422)
    assert ahead["field"] == "at"
    assert "Zukunft" in ahead["detail"]
    assert "Uhr" in ahead["detail"]
    old = problem(post(env, driver, type="arrived", booking_id=booking["id"],
                       at=(now - timedelta(hours=3)).isoformat(), event_id="t-old-0001"), 422)
    assert "älter als 2 Stunden" in old["detail"]
    assert "-11-23T" not in old["detail"] + ahead["detail"]
    assert logged(env, "vehicle_arrived") == []
    skew = post(env, driver, type="arrived", booking_id=booking["id"], at=(now + timedelta(seconds=30)).isoformat(),
                event_id="t-skew-0001")
    assert skew.status_code == 200, skew.text
    assert logged(env, "vehicle_arrived")[0].at == now  # a phone a little ahead is taken as now
    problem(post(env, driver, type="arrived", booking_id=booking["id"], event_id="x"), 422)  # key too short
