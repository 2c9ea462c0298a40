"""The executed-tour validator catches broken invariants (it can fail)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from mobility.domain.rides import Load
from mobility.simulation.records import RunLog
from mobility.simulation.run import RunResult
from mobility.simulation.validate import validate_run


def _check(result: RunResult, log: RunLog) -> set[str]:
    d = result.scenario.dispatch
    found = validate_run(log, result.vehicles, result.depot_index, _tt(result), alpha=d.max_ride_alpha,
                         beta_s=d.max_ride_beta_min * 60)
    return {v.kind for v in found}


def _tt(result: RunResult):  # type: ignore[no-untyped-def]
    from mobility.cli.simulate import load_world

    return load_world().travel


def _copy(result: RunResult) -> RunLog:
    return RunLog(dict(result.log.requests), list(result.log.visits))


def _first(result: RunResult, action: str) -> int:
    return next(k for k, v in enumerate(result.log.visits) if v.action == action)


def test_overload_is_caught(tiny_result: RunResult) -> None:
    """A load above the vehicle's capacity is a capacity violation."""
    log = _copy(tiny_result)
    k = _first(tiny_result, "boarded")
    log.visits[k] = replace(log.visits[k], load_after=Load(99, 0, 0))
    assert "capacity" in _check(tiny_result, log)


def test_teleporting_is_caught(tiny_result: RunResult) -> None:
    """Arriving sooner than the drive from the previous stop allows is a travel violation."""
    log = _copy(tiny_result)
    k = next(k for k, v in enumerate(log.visits) if k and v.stop.index != log.visits[k - 1].stop.index
             and v.vehicle_id == log.visits[k - 1].vehicle_id)
    early = log.visits[k - 1].departed_at
    log.visits[k] = replace(log.visits[k], arrived_at=early, departed_at=max(early, log.visits[k].departed_at))
    assert "travel" in _check(tiny_result, log)


def test_late_pickup_and_lost_dropoff_are_caught(tiny_result: RunResult) -> None:
    """A pickup after its promised window breaks a promise; a boarding without drop-off breaks conservation."""
    log = _copy(tiny_result)
    k = _first(tiny_result, "boarded")
    late = log.visits[k].window_latest + timedelta(minutes=5)
    log.visits[k] = replace(log.visits[k], arrived_at=late, departed_at=late + timedelta(minutes=1))
    drop = next(j for j, v in enumerate(log.visits) if v.action == "dropped_off")
    del log.visits[drop]
    kinds = _check(tiny_result, log)
    assert "window" in kinds
    assert {"conservation", "pairing"} <= kinds


def test_a_late_pickup_after_a_no_show_wait_names_it_as_cause(tiny_result: RunResult) -> None:
    """A promise broken right after a no-show in the same tour is explained by it; without one it is not."""
    log = _copy(tiny_result)
    k = _first(tiny_result, "boarded")
    late = log.visits[k].window_latest + timedelta(minutes=5)
    log.visits[k] = replace(log.visits[k], arrived_at=late, departed_at=late + timedelta(minutes=1))
    d = tiny_result.scenario.dispatch

    def late_ones(visits: list) -> list:  # type: ignore[type-arg]
        found = validate_run(RunLog(log.requests, visits), tiny_result.vehicles, tiny_result.depot_index,
                             _tt(tiny_result), alpha=d.max_ride_alpha, beta_s=d.max_ride_beta_min * 60)
        return [v for v in found if v.kind == "window" and str(log.visits[k].booking_id) in v.message]

    assert late_ones(log.visits)
    assert all(not v.cause for v in late_ones(log.visits))
    before = log.visits[k]
    no_show = replace(before, booking_id="someone", action="no_show", arrived_at=late - timedelta(minutes=20),
                      departed_at=late - timedelta(minutes=15), window_earliest=late - timedelta(minutes=30))
    explained = late_ones([*log.visits[:k], no_show, *log.visits[k:]])
    assert explained
    assert all("no-show wait for someone" in v.cause for v in explained)
