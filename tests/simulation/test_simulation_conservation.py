"""Conservation and invariants of runs with the real LiveDispatcher on the bundled district network."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mobility.cli.simulate import World, run_scenario
from mobility.simulation.records import Outcome
from mobility.simulation.run import RunResult
from mobility.simulation.scenario import Scenario

ENDED = {Outcome.SERVED, Outcome.REJECTED, Outcome.DECLINED, Outcome.CANCELLED, Outcome.NO_SHOW}


def test_every_request_ends(tiny_result: RunResult) -> None:
    """Every request ends served, rejected, declined, cancelled or as a no-show; none is lost or left open."""
    outcomes = [r.outcome for r in tiny_result.log.requests.values()]
    assert len(outcomes) == tiny_result.kpis["requests"] == 40
    assert set(outcomes) <= ENDED
    assert sum(tiny_result.kpis["outcomes"].values()) == 40


def test_boarded_equals_alighted(tiny_result: RunResult) -> None:
    """Every boarding has its drop-off, and passengers served equal the parties dropped off."""
    k = tiny_result.kpis
    assert k["boardings"] == k["alightings"] == k["outcomes"]["served"]
    served = [r for r in tiny_result.log.requests.values() if r.outcome == Outcome.SERVED]
    assert all(r.boarded_at is not None and r.arrived_at is not None for r in served)
    assert k["passengers_served"] == sum(r.passengers for r in served)


def test_executed_tours_keep_every_invariant(tiny_result: RunResult) -> None:
    """The executed tours keep capacity, order, travel times, shifts and every promise."""
    assert tiny_result.violations == []
    assert tiny_result.log.anomalies == []


def test_same_seed_same_kpis(world: World, tiny: Scenario) -> None:
    """Running the same scenario and seed twice gives identical key figures and request outcomes.

    Re-optimisation is off here: OR-Tools runs under a wall-clock limit, so what it finds may depend on machine load.
    """
    scenario = tiny.with_overrides({"dispatch.reoptimise_interval_s": 0})
    first, again = run_scenario(scenario), run_scenario(scenario)
    strip = {"wall_s"}
    assert {k: v for k, v in again.kpis.items() if k not in strip} == {
        k: v for k, v in first.kpis.items() if k not in strip
    }
    assert [(r.id, r.outcome, r.pickup_at) for r in again.log.requests.values()] == [
        (r.id, r.outcome, r.pickup_at) for r in first.log.requests.values()
    ]


def test_reoptimisation_runs_on_schedule(tiny_result: RunResult) -> None:
    """The periodic re-optimisation ran once per interval during the shifts (05:30–23:00, hourly → 17 times)."""
    assert tiny_result.kpis["reoptimisations"] == 17


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 10_000), vehicles=st.integers(1, 4))
def test_any_seed_keeps_invariants(world: World, tiny: Scenario, seed: int, vehicles: int) -> None:
    """For any seed and fleet size, without no-shows: every request ends, nobody stays on board, no invariant or
    promise is broken on the executed tours."""
    scenario = tiny.with_overrides({"scenario.seed": seed, "fleet.vehicles": vehicles, "demand.requests": 25,
                                    "demand.riders.no_show_share": 0.0, "dispatch.reoptimise_interval_s": 0})
    result = run_scenario(scenario)
    assert {r.outcome for r in result.log.requests.values()} <= ENDED
    assert result.kpis["boardings"] == result.kpis["alightings"]
    assert [str(v) for v in result.violations] == []


def test_the_nights_batch_plan_replans_the_prebookings_and_keeps_every_promise(world: World, tiny: Scenario) -> None:
    """With ``dispatch.batch_plan_at`` the day's pre-bookings made by then are re-planned as a whole at that time:
    it runs once, drives no more than the insertion plan did, and every invariant and promise holds."""
    scenario = tiny.with_overrides({"demand.requests": 60, "demand.riders.prebooked_share": 1.0,
                                    "demand.riders.no_show_share": 0.0, "dispatch.reoptimise_interval_s": 0,
                                    "dispatch.batch_plan_at": "04:00", "dispatch.batch_plan_time_limit_s": 3.0,
                                    "dispatch.solver_time_limit_s": 0.5})
    result = run_scenario(scenario)
    (batch,) = result.log.batch_plans
    assert batch.day == scenario.scenario.date
    assert batch.rides > 0
    assert batch.rounds >= 1
    assert batch.distance_after_m <= batch.distance_before_m
    assert result.kpis["batch_plan_rides"] == batch.rides
    assert result.kpis["reoptimisations"] == batch.rounds  # nothing else re-optimised
    assert [str(v) for v in result.violations] == []
    assert {r.outcome for r in result.log.requests.values()} <= ENDED
