"""The night's batch plan: tomorrow's pre-booked rides re-planned as a whole, every promise kept (service tests on
SQLite and on PostGIS)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from booking.service.batch import batch_due, next_service_day
from mobility.domain.fleet import Shift, Vehicle
from routing.dispatcher.live import LiveDispatcher
from routing.dispatcher.reoptimise import take_snapshot
from tests.booking.conftest import (
    ASCHERSLEBEN_BF,
    BERNBURG,
    BERNBURG_FRIEDENSHALL,
    BERNBURG_HBF,
    BERNBURG_KALISTR,
    MINIBUS,
    STASSFURT,
    STASSFURT_BF,
    T0,
    EnvFactory,
)
from tests.booking.test_dispatch import _book

TOMORROW = date(2026, 11, 24)
BERLIN = "Europe/Berlin"


def _two_days() -> tuple[Shift, ...]:
    return tuple(Shift(T0 + timedelta(days=d, hours=-1), T0 + timedelta(days=d, hours=13)) for d in (0, 1))


def _fleet() -> list[Vehicle]:
    return [Vehicle("bbg-1", "Bernburg 1", MINIBUS, BERNBURG, "Bernburg", _two_days()),
            Vehicle("bbg-2", "Bernburg 2", MINIBUS, BERNBURG, "Bernburg", _two_days()),
            Vehicle("sft-1", "Staßfurt 1", MINIBUS, STASSFURT, "Staßfurt", _two_days())]


def test_the_batch_runs_once_a_day_for_the_next_service_day() -> None:
    """At 01:00 it plans the same day, at 21:00 the next; before its time, for a planned day, or more than six hours
    late (a service started in the afternoon) it does not run."""
    at_one = datetime(2026, 11, 24, 0, 30, tzinfo=UTC)  # 01:30 in Berlin
    assert next_service_day(at_one, BERLIN) == TOMORROW
    assert next_service_day(datetime(2026, 11, 23, 20, 0, tzinfo=UTC), BERLIN) == TOMORROW  # 21:00
    assert batch_due(at_one, time(1, 0), BERLIN, None) == TOMORROW
    assert batch_due(at_one, time(1, 0), BERLIN, TOMORROW) is None
    assert batch_due(at_one, time(2, 0), BERLIN, None) is None
    assert batch_due(datetime(2026, 11, 23, 20, 30, tzinfo=UTC), time(21, 0), BERLIN, None) == TOMORROW
    assert batch_due(datetime(2026, 11, 24, 2, 30, tzinfo=UTC), time(1, 0), BERLIN, None) == TOMORROW  # 03:30: late
    assert batch_due(datetime(2026, 11, 24, 13, 0, tzinfo=UTC), time(1, 0), BERLIN, None) is None  # started at 14:00


def test_batch_plan_of_tomorrow_keeps_every_promise(any_env_factory: EnvFactory) -> None:
    """Pre-booked rides for tomorrow are re-planned as a whole: nothing lost, every pickup in its promised
    window, no more driving than before; only tomorrow's shifts are touched."""
    env = any_env_factory(fleet=_fleet())
    resident, staff = env.user("erika"), env.user("leitstelle", "dispatcher")
    trips = [(BERNBURG_HBF, STASSFURT_BF, 0), (STASSFURT_BF, BERNBURG_KALISTR, 10),
             (BERNBURG_KALISTR, ASCHERSLEBEN_BF, 5), (BERNBURG_FRIEDENSHALL, STASSFURT_BF, 25),
             (ASCHERSLEBEN_BF, BERNBURG_HBF, 40),
             (STASSFURT_BF, BERNBURG_FRIEDENSHALL, 35), (BERNBURG_HBF, ASCHERSLEBEN_BF, 60)]
    booked = [_book(env, resident, a, b, 24 * 60 + 60 + m) for a, b, m in trips]
    today = _book(env, resident, BERNBURG_HBF, STASSFURT_BF, 30)
    dispatcher = env.parts.dispatcher
    assert isinstance(dispatcher, LiveDispatcher)
    with dispatcher.lock:
        snap = take_snapshot(dispatcher, dispatcher.timebase.seconds(T0), dispatcher.day_window(TOMORROW))
    assert set(snap.commitments) == {b["id"] for b in booked}  # tomorrow's shifts only, with all their rides
    r = env.client.post("/api/v1/dispatch/replan", params={"day": TOMORROW.isoformat(), "seconds": 4},
                        headers=staff)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    assert result["day"] == TOMORROW.isoformat()
    assert result["rides"] == len(booked)
    assert result["rounds"] >= 1
    assert result["distance_after_m"] <= result["distance_before_m"]
    assert set(dispatcher.commitments()) == {b["id"] for b in [*booked, today]}
    for b in env.client.get("/api/v1/bookings", headers=staff).json():
        assert b["state"] == "CONFIRMED"
        window = b["pickup_window"]
        assert window["earliest"] <= b["planned_pickup"] <= window["latest"], b
    replaced = env.scalar("SELECT count(*) FROM events WHERE type = 'plan_replaced'")
    assert replaced == result["improved_rounds"]  # each better plan swapped in is logged


def test_batch_plan_of_an_empty_day_does_nothing(any_env_factory: EnvFactory) -> None:
    """A day without pre-bookings: no solver round, nothing replaced."""
    env = any_env_factory(fleet=_fleet())
    staff = env.user("leitstelle", "dispatcher")
    r = env.client.post("/api/v1/dispatch/replan", params={"day": TOMORROW.isoformat(), "seconds": 2},
                        headers=staff)
    assert r.status_code == 200, r.text
    assert (r.json()["rounds"], r.json()["rides"], r.json()["replaced"]) == (0, 0, False)


def test_batch_plan_bad_input_is_a_problem(any_env_factory: EnvFactory) -> None:
    """A day that is no date or a time budget out of range is a 422 problem+json; residents may not run it."""
    env = any_env_factory(fleet=_fleet())
    staff, resident = env.user("leitstelle", "dispatcher"), env.user("erika")
    for params in ({"day": "morgen"}, {"day": TOMORROW.isoformat(), "seconds": 0},
                   {"day": TOMORROW.isoformat(), "seconds": 601}):
        r = env.client.post("/api/v1/dispatch/replan", params=params, headers=staff)
        assert r.status_code == 422, (params, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["detail"]
    r = env.client.post("/api/v1/dispatch/replan", params={"day": TOMORROW.isoformat()}, headers=resident)
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
