"""Property tests on random small instances: plans pass the checker, confirmed requests are never dropped
silently, and a request is rejected only when no feasible insertion costs less than its penalty."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.darp import (
    DarpProblem,
    MatrixTravel,
    Objective,
    Request,
    SolverParams,
    Status,
    TimeWindow,
    Vehicle,
    VisitKind,
    solve,
)
from routing.darp.checker import check
from routing.darp.compiled import compile_problem
from routing.darp.positions import apply
from routing.darp.schedule import earliest_schedule, loads_fit

FAST = SolverParams(iterations=25)
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def problems(draw: st.DrawFn) -> DarpProblem:
    """2-6 requests and 1-3 vehicles on a random grid of 6 locations (1 unit = 60 s = 1000 m)."""
    points = draw(st.lists(st.tuples(st.integers(0, 10), st.integers(0, 10)), min_size=6, max_size=6))
    dur = [[60 * (abs(a[0] - b[0]) + abs(a[1] - b[1])) for b in points] for a in points]
    travel = MatrixTravel(dur, [[x * 1000 // 60 for x in row] for row in dur])
    vehicles = tuple(
        Vehicle(id=f"v{k}", capacity=(draw(st.integers(2, 4)), 1 if k == 0 else 0), start=0, end=0,
                shift=TimeWindow(0, 4 * 3600), skills=frozenset({"wheelchair"}) if k == 0 else frozenset())
        for k in range(draw(st.integers(1, 3)))
    )
    requests = []
    for k in range(draw(st.integers(2, 6))):
        pickup, dropoff = draw(st.sampled_from([(i, j) for i in range(1, 6) for j in range(1, 6) if i != j]))
        start = draw(st.integers(0, 3 * 3600))
        wheel = draw(st.booleans()) and k % 3 == 0
        requests.append(Request(
            id=f"r{k}", pickup=pickup, dropoff=dropoff, load=(draw(st.integers(1, 2)), int(wheel)),
            pickup_window=TimeWindow(start, start + draw(st.integers(300, 1800))), pickup_service_s=30,
            dropoff_service_s=30, must_serve=draw(st.booleans()),
            reject_penalty=draw(st.sampled_from([None, 2000, 30_000])),
            skills=frozenset({"wheelchair"}) if wheel else frozenset(),
        ))
    return DarpProblem(tuple(requests), vehicles, travel, Objective(reject_penalty=100_000))


@SETTINGS
@given(problems(), st.integers(0, 3))
def test_every_plan_passes_the_checker(problem: DarpProblem, seed: int) -> None:
    """Apart from confirmed requests reported as unserved, the checker finds nothing wrong."""
    solution = solve(problem, time_limit_s=5, seed=seed, params=FAST)
    unserved = set(solution.unserved_confirmed)
    assert [v for v in check(problem, solution) if not (v.kind == "confirmed" and v.subject in unserved)] == []


@SETTINGS
@given(problems())
def test_confirmed_requests_are_served_or_reported(problem: DarpProblem) -> None:
    """Each confirmed request is either served or listed in unserved_confirmed, with status INFEASIBLE."""
    solution = solve(problem, time_limit_s=5, seed=0, params=FAST)
    served = set(solution.served)
    for r in problem.requests:
        if r.must_serve:
            assert (r.id in served) != (r.id in solution.unserved_confirmed)
            assert r.id not in solution.rejected
    assert (solution.status is Status.INFEASIBLE) == bool(solution.unserved_confirmed)


@SETTINGS
@given(problems())
def test_rejection_only_when_insertion_is_infeasible_or_dearer(problem: DarpProblem) -> None:
    """For every rejected request, each feasible insertion into the final plan adds at least its penalty."""
    solution = solve(problem, time_limit_s=5, seed=0, params=FAST)
    c = compile_problem(problem)
    node = {(r.id, kind): n for ri, r in enumerate(problem.requests)
            for kind, n in ((VisitKind.PICKUP, c.pickup_node[ri]), (VisitKind.DROPOFF, c.dropoff_node[ri]))}
    routes = [[node[x.request_id, x.kind] for x in solution.route_of(v.id).visits] for v in problem.vehicles]
    for rid in solution.rejected:
        ri = next(i for i, r in enumerate(problem.requests) if r.id == rid)
        for v in c.allowed[ri]:
            seq = routes[v]
            before = _distance(c, v, seq) + (problem.fixed_cost(problem.vehicles[v]) if seq else 0)
            for i in range(len(seq) + 1):
                for j in range(i + 1, len(seq) + 2):
                    new = apply(c, ri, seq, i, j)
                    if loads_fit(c, v, new) and earliest_schedule(c, v, new) is not None:
                        added = _distance(c, v, new) + problem.fixed_cost(problem.vehicles[v]) - before
                        assert added >= problem.penalty(problem.requests[ri])


def _distance(c: object, v: int, seq: list[int]) -> int:
    from routing.darp.schedule import route_distance

    return route_distance(c, v, seq)  # type: ignore[arg-type]
