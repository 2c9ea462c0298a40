"""Route pool and set-partitioning recombination: properties on random live plans and a real instance.

Every recombined plan passes the checker, keeps each vehicle's fixed next stop first, serves every
confirmed request the plans it came from served, and is cheaper than the best plan it was offered.
"""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from routing.darp import DarpProblem, SolverParams, solve
from routing.darp.checker import check
from routing.darp.compiled import compile_problem
from routing.darp.construction import construct
from routing.darp.extract import to_solution
from routing.darp.lns import LnsParams, improve
from routing.darp.pool import RoutePool
from routing.darp.readers import read_cordeau
from routing.darp.state import Plan
from tests.routing.darp.darp_builders import DATA
from tests.routing.darp.test_darp_live import SETTINGS, _problems_only_wrong_in_unserved, _valid, live_problems


def _pooled_plans(problem: DarpProblem, seeds: range, iterations: int) -> tuple[RoutePool, list[Plan]]:
    c = compile_problem(problem)
    plans = [construct(c, seed=s) for s in seeds]
    pool = RoutePool(c, plans[0].fixed_first)
    best = []
    for s, plan in zip(seeds, plans, strict=True):
        pool.add_plan(plan)
        best.append(improve(plan, seed=s, time_limit_s=None, iterations=iterations, pool=pool))
    return pool, best


@SETTINGS
@given(live_problems(), st.integers(0, 3))
def test_recombined_live_plans_pass_the_checker(problem: DarpProblem, seed: int) -> None:
    """Routes pooled from several searches recombine into a plan that passes the checker, with every fixed
    next stop first and no confirmed request lost; never a plan at the same cost or worse."""
    assume(_valid(problem))
    assume(not any(v.breaks for v in problem.vehicles))
    pool, plans = _pooled_plans(problem, range(seed, seed + 3), 15)
    best = min(plans, key=Plan.cost)
    better = pool.recombine(best, time_limit_s=2.0, deterministic=True)
    if better is None:
        return
    assert better.cost() < best.cost()
    solution = to_solution(pool.c, better.routes)
    assert _problems_only_wrong_in_unserved(problem, solution) == []
    confirmed = {r.id for r in problem.requests if r.must_serve}
    served_before = {problem.requests[ri].id for ri, v in enumerate(best.where) if v >= 0}
    assert (served_before & confirmed) <= set(solution.served)
    for v, node in better.fixed_first.items():
        if better.routes[v]:
            assert better.routes[v][0] == node


@SETTINGS
@given(live_problems(), st.integers(0, 3))
def test_recombining_during_the_search_keeps_plans_checked(problem: DarpProblem, seed: int) -> None:
    """``solve`` with a recombination every few iterations still returns checked plans."""
    assume(_valid(problem))
    params = SolverParams(iterations=40, lns=LnsParams(recombine_period=0.1, polish_every=7, bank_penalty=3.0))
    solution = solve(problem, time_limit_s=2, seed=seed, params=params)
    assert _problems_only_wrong_in_unserved(problem, solution) == []


def test_recombination_on_a_real_instance_is_reproducible_and_no_worse() -> None:
    """On a2-20 the pool of three short searches recombines into a plan no worse than the best of them;
    with a deterministic limit the same pool gives the same plan."""
    inst = read_cordeau(DATA / "a2-20.txt")
    pool, plans = _pooled_plans(inst.problem, range(3), 40)
    best = min(plans, key=Plan.cost)
    first = pool.recombine(best, time_limit_s=1.0, deterministic=True)
    again = pool.recombine(best, time_limit_s=1.0, deterministic=True)
    result = first or best
    assert result.cost() <= best.cost()
    assert (first.routes if first else None) == (again.routes if again else None)
    assert check(inst.problem, to_solution(pool.c, result.routes), inst.travel) == []
    assert not result.unplanned()


@SETTINGS
@given(live_problems(), st.integers(0, 3))
def test_the_request_bank_never_loses_a_confirmed_request(problem: DarpProblem, seed: int) -> None:
    """With a soft penalty for left-out confirmed requests (and a short patience), the best plan never
    leaves out more confirmed requests than the start plan, and every route of it stays feasible."""
    from routing.darp.model import MUST_SERVE_PENALTY
    from routing.darp.solver import _feasible

    assume(_valid(problem))
    assume(not any(v.breaks for v in problem.vehicles))
    c = compile_problem(problem)
    plan = construct(c, seed=seed)

    def missing(p: Plan) -> int:
        return sum(1 for ri in p.unplanned() if p.penalty[ri] == MUST_SERVE_PENALTY)

    before = missing(plan)
    params = LnsParams(bank_penalty=0.5, bank_patience=7, min_removed=1, max_removed=4)
    best = improve(plan.copy(), seed=seed, time_limit_s=None, iterations=60, params=params)
    assert missing(best) <= before
    assert best.cost() <= plan.cost()
    assert all(_feasible(c, v, seq, best.fixed_first.get(v)) for v, seq in enumerate(best.routes))
    assert _problems_only_wrong_in_unserved(problem, to_solution(c, best.routes)) == []
