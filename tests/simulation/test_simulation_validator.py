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
