"""``solve(problem, ...)``: compile, construct, search with OR-Tools, read back a checked-shape Solution."""

from __future__ import annotations

import time as _time
from typing import TYPE_CHECKING

from routing.darp.compiled import compile_problem
from routing.darp.construction import construct
from routing.darp.extract import to_solution

if TYPE_CHECKING:
    from routing.darp.compiled import Compiled
    from routing.darp.problem import DarpProblem
    from routing.darp.solution import Solution


def solve(
    problem: DarpProblem,
    *,
    time_limit_s: float = 10.0,
    seed: int = 0,
    initial: Solution | None = None,
) -> Solution:
    """Plan ``problem`` within about ``time_limit_s`` seconds."""
    from routing.darp.model import build_model
    from routing.darp.search import read_routes, read_times, run_search, search_parameters

    began = _time.perf_counter()
    c = compile_problem(problem)
    start = _routes_of(c, initial) if initial is not None else None
    if start is None and not any(v.breaks for v in problem.vehicles):
        start = construct(c, seed=seed)
    model = build_model(c)
    remaining = max(0.05, time_limit_s - (_time.perf_counter() - began))
    found = run_search(model, start, search_parameters(time_limit_s=remaining))
    if found is None:
        routes = start if start is not None else [[] for _ in problem.vehicles]
        return to_solution(c, routes, seconds=_time.perf_counter() - began)
    routes = read_routes(model, found)
    if any(v.breaks for v in problem.vehicles):
        times, breaks = read_times(model, found)
        return to_solution(c, routes, times=times, break_starts=breaks, seconds=_time.perf_counter() - began)
    return to_solution(c, routes, seconds=_time.perf_counter() - began)


def _routes_of(c: Compiled, solution: Solution) -> list[list[int]]:
    """Inner node sequences of an earlier solution of the same problem."""
    node_of = {}
    for ri, r in enumerate(c.problem.requests):
        node_of[r.id, "dropoff"] = c.dropoff_node[ri]
        if c.pickup_node[ri] >= 0:
            node_of[r.id, "pickup"] = c.pickup_node[ri]
    by_vehicle = {route.vehicle_id: route for route in solution.routes}
    return [
        [node_of[x.request_id, str(x.kind)] for x in by_vehicle[v.id].visits if (x.request_id, str(x.kind)) in node_of]
        if v.id in by_vehicle else []
        for v in c.problem.vehicles
    ]
