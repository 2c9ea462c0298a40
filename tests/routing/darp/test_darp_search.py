"""Search quality and reproducibility on a real Cordeau instance (a2-16, optimum 294.25)."""

from __future__ import annotations

from routing.darp import SolverParams, Status, solve
from routing.darp.checker import check, measure
from routing.darp.readers import read_cordeau
from tests.routing.darp.darp_builders import DATA

PARAMS = SolverParams(iterations=300)


def test_a2_16_reaches_the_optimum_within_half_a_percent() -> None:
    """With 300 LNS iterations every request is served, the checker agrees, and the cost is near optimal."""
    inst = read_cordeau(DATA / "a2-16.txt")
    solution = solve(inst.problem, time_limit_s=20, seed=0, params=PARAMS)
    assert solution.status is Status.FEASIBLE
    assert check(inst.problem, solution, inst.travel) == []
    assert len(solution.served) == 16
    assert measure(inst.problem, solution, inst.travel).distance / 1000 <= 294.25 * 1.005


def test_same_seed_same_plan() -> None:
    """An iteration-bounded solve is deterministic: the same seed gives the same routes and times."""
    inst = read_cordeau(DATA / "a2-20.txt")
    first = solve(inst.problem, time_limit_s=20, seed=3, params=SolverParams(iterations=120))
    second = solve(inst.problem, time_limit_s=20, seed=3, params=SolverParams(iterations=120))
    assert first.routes == second.routes


def test_warm_start_keeps_a_good_plan() -> None:
    """Solving again from a previous solution never returns a worse plan."""
    inst = read_cordeau(DATA / "a2-20.txt")
    first = solve(inst.problem, time_limit_s=20, seed=1, params=SolverParams(iterations=80))
    again = solve(inst.problem, time_limit_s=20, seed=2, initial=first, params=SolverParams(iterations=10))
    assert check(inst.problem, again, inst.travel) == []
    assert again.cost.total <= first.cost.total


def test_two_workers_return_a_valid_plan_no_worse_than_one() -> None:
    """A second forked search with the next seed can only improve on the single search with the same seed."""
    inst = read_cordeau(DATA / "a2-20.txt")
    one = solve(inst.problem, time_limit_s=20, seed=5, params=SolverParams(iterations=60))
    two = solve(inst.problem, time_limit_s=20, seed=5, params=SolverParams(iterations=60, workers=2))
    assert check(inst.problem, two, inst.travel) == []
    assert two.cost.total <= one.cost.total
