"""Regressions found by the live-plan property tests (``test_darp_live``), each reduced to a small case."""

from __future__ import annotations

from routing.darp import (
    Break,
    DarpProblem,
    MatrixTravel,
    Request,
    SolverParams,
    Status,
    TimeWindow,
    Vehicle,
    solve,
)
from routing.darp.checker import check
from routing.darp.compiled import compile_problem
from routing.darp.state import Plan

FAST = SolverParams(iterations=30)


def _uniform(n: int, seconds: int) -> list[list[int]]:
    return [[0 if a == b else seconds for b in range(n)] for a in range(n)]


def _full_bus_problem() -> DarpProblem:
    """A 7-seat bus with 7 riders on board (dropped at its start) and one fresh request for 1 seat."""
    onboard = tuple(
        Request(id=f"in{k}", pickup=0, dropoff=dropoff, load=(seats, 0, 0), pickup_service_s=30, must_serve=True,
                onboard="bus", picked_up_at=3600, dropoff_window=TimeWindow(0, 14_400))
        for k, (seats, dropoff) in enumerate(((2, 0), (3, 3), (2, 0)))
    )
    fresh = Request(id="r0", pickup=2, dropoff=3, load=(1, 0, 0), pickup_window=TimeWindow(3600, 3630),
                    dropoff_service_s=30)
    durations = _uniform(4, 30)
    durations[0][3], durations[3][0] = 89, 120  # not a metric: 0 -> 3 direct is slower than via 1 or 2
    vehicles = (Vehicle(id="bus", capacity=(7, 0, 0), start=0, end=0, shift=TimeWindow(3600, 18_000)),
                Vehicle(id="car", capacity=(3, 0, 0), start=0, end=0, shift=TimeWindow(3600, 18_000)))
    travel = MatrixTravel(durations, [[15 * x for x in row] for row in durations])
    return DarpProblem((*onboard, fresh), vehicles, travel)


def test_removing_an_onboard_dropoff_never_overloads_the_route() -> None:
    """Bug: the LNS took a rider's drop-off out of a route that picked someone up after it; the rider then
    stayed on board to the end, 8 seats on a 7-seat bus, and that plan was returned. Now such a removal is
    refused, and the solver's plan passes the checker."""
    problem = _full_bus_problem()
    c = compile_problem(problem)
    in1, fresh = c.dropoff_node[1], 3
    route = [in1, c.pickup_node[fresh], c.dropoff_node[0], c.dropoff_node[fresh], c.dropoff_node[2]]
    plan = Plan(c, [route, []], {})
    assert not plan.remove(1)  # without "in1" dropped first, 7 + 1 seats would be taken
    assert plan.routes[0] == route
    assert plan.remove(fresh)
    for seed in range(4):
        solution = solve(problem, time_limit_s=5, seed=seed, params=FAST)
        assert check(problem, solution) == []


def test_removal_that_loses_a_shortcut_is_refused() -> None:
    """Bug: with travel times that break the triangle inequality, removing a stop made the next stop late;
    ``solve`` then raised "route ... has no feasible schedule". Such a removal is now refused."""
    durations = _uniform(4, 60)
    durations[0][2] = 1000  # the direct road is slow, via location 1 it is 120 s
    travel = MatrixTravel(durations, durations)
    via = Request(id="via", pickup=1, dropoff=3, load=(1,), pickup_window=TimeWindow(0, 100))
    tight = Request(id="tight", pickup=2, dropoff=3, load=(1,), pickup_window=TimeWindow(0, 130))
    problem = DarpProblem((via, tight), (Vehicle(id="bus", capacity=(4,), start=0, end=0),), travel)
    c = compile_problem(problem)
    route = [c.pickup_node[0], c.pickup_node[1], c.dropoff_node[0], c.dropoff_node[1]]
    plan = Plan(c, [route], {})
    assert not plan.remove(0)
    assert plan.routes[0] == route
    for seed in range(4):
        solution = solve(problem, time_limit_s=5, seed=seed, params=FAST)
        assert check(problem, solution) == []
        assert solution.status is Status.FEASIBLE


def test_vehicle_whose_fixed_next_stop_is_unreachable_stays_unused() -> None:
    """Bug: a fixed next stop that cannot be reached in time was rejected and the vehicle served others
    first. A vehicle whose fixed next stop is not served now serves nothing."""
    travel = MatrixTravel(_uniform(3, 30), _uniform(3, 450))
    fixed = Request(id="fixed", pickup=0, dropoff=1, load=(1,), pickup_window=TimeWindow(3600, 3600))
    other = Request(id="other", pickup=0, dropoff=1, load=(1,), pickup_window=TimeWindow(3600, 3630))
    bus = Vehicle(id="bus", capacity=(3,), start=1, end=0, shift=TimeWindow(3600, 18_000), fixed_next="fixed")
    problem = DarpProblem((fixed, other), (bus,), travel)
    solution = solve(problem, time_limit_s=5, seed=0, params=FAST)
    assert check(problem, solution) == []
    assert solution.route_of("bus").visits == ()
    assert set(solution.rejected) == {"fixed", "other"}


def test_unused_vehicle_still_reports_its_breaks() -> None:
    """An idle vehicle reports its breaks at their earliest start (when OR-Tools found no plan with breaks,
    the idle vehicles had none at all and the checker rejected the plan)."""
    travel = MatrixTravel(_uniform(3, 60), _uniform(3, 1000))
    onboard = Request(id="in", pickup=0, dropoff=1, load=(1,), must_serve=True, onboard="bus", picked_up_at=0,
                      dropoff_window=TimeWindow(0, 100))  # cannot be met: reported unserved
    bus = Vehicle(id="bus", capacity=(3,), start=2, end=0, shift=TimeWindow(60, 7200),
                  breaks=(Break(60, 1800, 600),))
    problem = DarpProblem((onboard,), (bus,), travel)
    solution = solve(problem, time_limit_s=1, seed=0, params=FAST)
    assert [v.kind for v in check(problem, solution)] == ["confirmed"]
    assert solution.route_of("bus").break_starts_s == (60,)
