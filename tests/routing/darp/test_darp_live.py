"""Property tests on random live-plan-like instances: passengers on board, fixed next stops, must-serve
requests, breaks, (seats, wheelchair, luggage) loads, road-like travel times that break the triangle
inequality, warm starts from an earlier plan. ``solve`` never raises and every plan passes the checker."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from routing.darp import (
    Break,
    DarpProblem,
    MatrixTravel,
    Objective,
    ProblemError,
    Request,
    SolverParams,
    TimeWindow,
    Vehicle,
    solve,
)
from routing.darp.checker import check

FAST = SolverParams(iterations=30)
SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
N_LOC = 8


@st.composite
def live_problems(draw: st.DrawFn) -> DarpProblem:
    """1-3 vehicles on the road with riders on board, 0-7 requests, an asymmetric matrix that breaks the
    triangle inequality a little (noisy grid) or a lot (random times)."""
    points = draw(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), min_size=N_LOC, max_size=N_LOC))
    noise = draw(st.lists(st.integers(-90, 240), min_size=N_LOC * N_LOC, max_size=N_LOC * N_LOC))
    wild: bool = draw(st.booleans())  # far from a metric: any time between 20 s and 15 min
    dur = [[0 if a == b else noise[a * N_LOC + b] * 3 + 290 if wild else
            max(30, 60 * (abs(pa[0] - pb[0]) + abs(pa[1] - pb[1])) + noise[a * N_LOC + b])
            for b, pb in enumerate(points)] for a, pa in enumerate(points)]
    travel = MatrixTravel(dur, [[x * 15 for x in row] for row in dur])
    now = 3600
    vehicles: list[Vehicle] = []
    requests: list[Request] = []
    for k in range(draw(st.integers(1, 3))):
        vid = f"v{k}"
        cap = (draw(st.integers(3, 7)), draw(st.integers(0, 1)), draw(st.integers(0, 2)))
        onboard: list[Request] = []
        free = list(cap)
        for m in range(draw(st.integers(0, 3))):
            load = (draw(st.integers(1, 3)), draw(st.integers(0, 1)), draw(st.integers(0, 1)))
            if any(q > f for q, f in zip(load, free, strict=True)):
                continue
            free = [f - q for f, q in zip(free, load, strict=True)]
            picked = now - draw(st.integers(0, 900))
            onboard.append(Request(
                id=f"{vid}-in{m}", pickup=draw(st.integers(0, N_LOC - 1)), dropoff=draw(st.integers(0, N_LOC - 1)),
                load=load, pickup_service_s=30, dropoff_service_s=draw(st.sampled_from([0, 30, 60])),
                max_ride_s=draw(st.sampled_from([None, 2400, 4000])), must_serve=True, onboard=vid,
                picked_up_at=picked, dropoff_window=TimeWindow(0, now + 3 * 3600)))
        requests += onboard
        breaks: tuple[Break, ...] = ()
        if draw(st.integers(0, 5)) == 0:
            start = now + draw(st.integers(0, 3600))
            breaks = (Break(start, start + 1800, 600),)
        pin: bool = draw(st.booleans())
        fixed = onboard[0].id if onboard and pin else None
        vehicles.append(Vehicle(
            id=vid, capacity=cap, start=draw(st.integers(0, N_LOC - 1)), end=0,
            shift=TimeWindow(now, now + 4 * 3600), breaks=breaks, fixed_next=fixed,
            skills=frozenset({"wheelchair"}) if cap[1] else frozenset(),
            max_duration_s=draw(st.sampled_from([None, None, 3 * 3600])),
        ))
    for k in range(draw(st.integers(0, 7))):
        pickup, dropoff = draw(st.sampled_from([(i, j) for i in range(N_LOC) for j in range(N_LOC) if i != j]))
        start = now + draw(st.integers(0, 2 * 3600))
        fits = draw(st.sampled_from(vehicles)).capacity  # fits this one at least
        load = (min(fits[0], draw(st.integers(1, 4))), min(fits[1], draw(st.integers(0, 1))),
                min(fits[2], draw(st.integers(0, 2))))
        requests.append(Request(
            id=f"r{k}", pickup=pickup, dropoff=dropoff, load=load,
            pickup_window=TimeWindow(start, start + draw(st.integers(0, 2400))),
            pickup_service_s=draw(st.sampled_from([0, 30, 60])), dropoff_service_s=30,
            must_serve=draw(st.booleans()), skills=frozenset({"wheelchair"}) if load[1] else frozenset(),
        ))
    if draw(st.booleans()):  # a free vehicle may take a fresh request as its fixed next stop
        fresh = [r.id for r in requests if r.onboard is None]
        taken = {v.fixed_next for v in vehicles}
        for i, v in enumerate(vehicles):
            if v.fixed_next is None and fresh and fresh[0] not in taken:
                vehicles[i] = Vehicle(id=v.id, capacity=v.capacity, start=v.start, end=v.end, shift=v.shift,
                                      breaks=v.breaks, skills=v.skills, max_duration_s=v.max_duration_s,
                                      fixed_next=fresh[0])
                break
    return DarpProblem(tuple(requests), tuple(vehicles), travel, Objective(reject_penalty=100_000))


def _valid(problem: DarpProblem) -> bool:
    try:
        from routing.darp.compiled import compile_problem

        compile_problem(problem)
    except ProblemError:
        return False
    return True


def _problems_only_wrong_in_unserved(problem: DarpProblem, solution: object) -> list[object]:
    unserved = set(solution.unserved_confirmed)  # type: ignore[attr-defined]
    return [v for v in check(problem, solution) if not (v.kind == "confirmed" and v.subject in unserved)]  # type: ignore[arg-type]


@SETTINGS
@given(live_problems(), st.integers(0, 3))
def test_live_plans_pass_the_checker(problem: DarpProblem, seed: int) -> None:
    """``solve`` never raises on a valid live problem, and its plan passes the checker (invalid draws, a few per
    cent, are discarded, not counted as passes)."""
    assume(_valid(problem))
    solution = solve(problem, time_limit_s=1, seed=seed, params=FAST)
    assert _problems_only_wrong_in_unserved(problem, solution) == []


@SETTINGS
@given(live_problems(), st.integers(0, 3))
def test_warm_started_live_plans_pass_the_checker(problem: DarpProblem, seed: int) -> None:
    """A warm start from the plan of an earlier solve (any seed) also gives a checked plan."""
    assume(_valid(problem))
    first = solve(problem, time_limit_s=1, seed=seed, params=SolverParams(iterations=5))
    again = solve(problem, time_limit_s=1, seed=seed + 1, initial=first, params=FAST)
    assert _problems_only_wrong_in_unserved(problem, again) == []
