"""The background worker's round on a manual clock: re-optimisation of the running shifts and the night's batch plan
of the next service day — one call of the loop body per round, no waiting for a thread (both stores)."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from booking.service.background import BatchSchedule, Reoptimiser
from mobility.domain.clock import ManualClock
from tests.booking.conftest import BERNBURG_HBF, BERNBURG_KALISTR, T0, Env, EnvFactory
from tests.booking.test_dispatch import _book

MONDAY = date(2026, 11, 23)  # the day of T0; the buses' shifts run 07:00–22:00 local


def _moved_to_the_far_bus(env: Env) -> set[str]:
    """Two Bernburg rides of Monday morning, moved to the Staßfurt bus while the Bernburg bus was out of service
    and left there when it came back (insertion never moves a booking; only the solver does)."""
    resident, staff = env.user("erika"), env.user("leitstelle", "dispatcher")
    ids = {_book(env, resident, BERNBURG_HBF, BERNBURG_KALISTR, m)["id"] for m in (30, 60)}
    for action in ("out-of-service", "in-service"):
        assert env.client.post(f"/api/v1/dispatch/vehicles/bbg-1/{action}", headers=staff).status_code == 200
    assert _vehicles(env, ids) == {"sft-1"}
    return ids


def _vehicles(env: Env, ids: set[str]) -> set[str]:
    return {vid for vid, t in env.parts.dispatcher.plan().tours.items() for v in t.visits if v.booking_id in ids}


def _replacements(env: Env) -> list[tuple[str, dict[str, str]]]:
    env.flush()
    with env.parts.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT actor, data FROM events WHERE type = 'plan_replaced' ORDER BY id"))
        return [(actor, data if isinstance(data, dict) else json.loads(data)) for actor, data in rows]


def test_a_round_re_plans_the_running_shifts(any_env_factory: EnvFactory) -> None:
    """At 08:00, with the shifts running, one round of the worker gives the rides back to the nearer bus and logs
    the replaced plan as the system's; without a batch schedule no batch runs."""
    env = any_env_factory()
    ids = _moved_to_the_far_bus(env)
    worker = Reoptimiser(env.parts.services.operations, interval_s=300, time_limit_s=3.0)
    worker.run_once()
    assert worker.runs == 1
    assert _vehicles(env, ids) == {"bbg-1"}
    assert [actor for actor, _ in _replacements(env)] == ["system"]
    assert worker.last_batch_day is None


def test_the_night_batch_runs_once_a_night_for_the_coming_day(any_env_factory: EnvFactory) -> None:
    """With the batch at 01:00: a round at 00:30 leaves Monday's pre-bookings alone (the shift starts in 6½ hours,
    beyond the re-optimisation horizon, and the batch is not due); the round at 01:00 batch-plans Monday and gives
    the rides back to the nearer bus; later rounds that night do not batch again; 01:00 on Tuesday plans Tuesday."""
    clock = ManualClock(datetime(2026, 11, 22, 23, 30, tzinfo=T0.tzinfo))  # Monday 00:30 local
    env = any_env_factory(clock=clock)
    ids = _moved_to_the_far_bus(env)
    worker = Reoptimiser(env.parts.services.operations, interval_s=300, time_limit_s=1.0,
                         batch=BatchSchedule(at=time(1, 0), time_limit_s=3.0))
    worker.run_once()
    assert _vehicles(env, ids) == {"sft-1"}
    assert worker.last_batch_day is None
    assert _replacements(env) == []
    clock.advance(30 * 60)  # 01:00
    worker.run_once()
    assert worker.last_batch_day == MONDAY
    assert _vehicles(env, ids) == {"bbg-1"}
    replaced = _replacements(env)
    assert replaced
    assert {(actor, data["day"]) for actor, data in replaced} == {("batch", MONDAY.isoformat())}
    clock.advance(5 * 60)
    assert worker.run_batch_if_due() is None  # Monday is planned
    worker.run_once()
    assert len(_replacements(env)) == len(replaced)
    clock.advance(timedelta(days=1).total_seconds() - 5 * 60)  # Tuesday 01:00
    tuesday = worker.run_batch_if_due()
    assert tuesday is not None
    assert (tuesday.day, tuesday.rides) == (MONDAY + timedelta(days=1), 0)
    assert worker.runs == 3
