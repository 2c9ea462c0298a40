"""``solve(problem, ...)``: compile, construct, improve by LNS, polish with OR-Tools, read back a Solution.

Stages (see docs/solver.md): window tightening and validation (:mod:`compiled`), the insertion
construction, the large-neighbourhood search on our own exact route schedule (:mod:`lns`), then the
OR-Tools routing model (:mod:`model`) loaded with the best plan as first assignment and improved by guided
local search. The better of the two plans is returned. Vehicles with breaks skip the LNS (its schedule
does not model breaks): OR-Tools plans them from the construction, or from its own first solution.
"""

from __future__ import annotations

import contextlib
import time as _time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from routing.darp.compiled import compile_problem
from routing.darp.construction import construct
from routing.darp.extract import to_solution
from routing.darp.lns import LnsParams, improve
from routing.darp.state import Plan

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from routing.darp.compiled import Compiled
    from routing.darp.model import Model
    from routing.darp.problem import DarpProblem
    from routing.darp.solution import Solution


@dataclass(frozen=True, slots=True)
class SolverParams:
    """How the time budget is split and searched.

    ``lns_share``: fraction of the budget for the LNS, the rest goes to OR-Tools guided local search.
    ``polish_cap_s``: time cap of each OR-Tools polish during the LNS (the last one may use all time left).
    ``workers``: processes searching with seeds ``seed, seed+1, ...`` in parallel (forked); the best plan wins.
    ``iterations``: if set, the LNS runs exactly this many iterations and OR-Tools stops after
    ``ortools_solutions`` solutions, so the result depends only on the seed (the time limit stays a
    safety net; a run that hits it is time-dependent).
    """

    lns_share: float = 0.9
    polish_cap_s: float = 0.25
    workers: int = 1
    iterations: int | None = None
    ortools_solutions: int = 200
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    lns: LnsParams = field(default_factory=LnsParams)

    def __post_init__(self) -> None:
        if not 0.0 <= self.lns_share <= 1.0:
            msg = f"lns_share must lie in [0, 1], got {self.lns_share}"
            raise ValueError(msg)
        if self.workers < 1:
            msg = f"workers must be at least 1, got {self.workers}"
            raise ValueError(msg)


def solve(
    problem: DarpProblem,
    *,
    time_limit_s: float = 10.0,
    seed: int = 0,
    initial: Solution | None = None,
    params: SolverParams | None = None,
) -> Solution:
    """Plan ``problem`` within about ``time_limit_s`` seconds (wall clock, one core)."""
    from routing.darp.model import build_model

    params = params or SolverParams()
    began = _time.perf_counter()
    deadline = began + time_limit_s
    c = compile_problem(problem)
    model = build_model(c)
    plan = construct(c, seed=seed) if initial is None else _plan_of(c, initial)
    if any(v.breaks for v in problem.vehicles):
        return _with_breaks(c, model, plan, deadline=deadline, params=params, began=began)
    lns_end = began + time_limit_s * params.lns_share
    if params.workers == 1:
        routes = _search(c, model, plan, seed=seed, lns_end=lns_end, deadline=deadline, params=params)
    else:
        routes = _parallel(c, model, plan, seed=seed, lns_end=lns_end, deadline=deadline, params=params)
    return to_solution(c, routes, seconds=_time.perf_counter() - began)


def _search(c: Compiled, model: Model, plan: Plan, *, seed: int, lns_end: float, deadline: float,
            params: SolverParams) -> list[list[int]]:
    """LNS with periodic OR-Tools polishing until ``lns_end``, then a last polish until ``deadline``."""
    deterministic = params.iterations is not None
    polish = _Polisher(c, model, deadline, cap_s=params.polish_cap_s,
                       solutions=params.ortools_solutions if deterministic else None)
    if params.lns_share > 0:
        plan = improve(plan, seed=seed, time_limit_s=max(0.0, lns_end - _time.perf_counter()),
                       iterations=params.iterations, params=params.lns, polish=polish)
    polish.cap_s = float("inf")  # the last polish may use all the time left
    better = polish(plan)
    if better is not None and better.cost() < plan.cost():
        plan = better
    return plan.routes


def _worker(conn: Connection, c: Compiled, plan: Plan, *, seed: int, lns_end: float, deadline: float,
            params: SolverParams) -> None:
    from routing.darp.model import build_model

    conn.send(_search(c, build_model(c), plan, seed=seed, lns_end=lns_end, deadline=deadline, params=params))
    conn.close()


def _parallel(c: Compiled, model: Model, plan: Plan, *, seed: int, lns_end: float, deadline: float,
              params: SolverParams) -> list[list[int]]:
    """Run ``params.workers`` searches with seeds ``seed, seed+1, ...`` in forked processes; keep the best."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    jobs = []
    for k in range(1, params.workers):
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_worker, args=(child, c, plan),
                           kwargs={"seed": seed + k, "lns_end": lns_end, "deadline": deadline, "params": params})
        proc.start()
        child.close()
        jobs.append((parent, proc))
    results = [_search(c, model, plan, seed=seed, lns_end=lns_end, deadline=deadline, params=params)]
    for parent, proc in jobs:
        with contextlib.suppress(EOFError):  # a worker that died contributes nothing
            results.append(parent.recv())
        proc.join()
    return min(results, key=lambda routes: Plan(c, routes, plan.fixed_first).cost())


class _Polisher:
    """OR-Tools greedy local search from a plan, on one model built once (returns ``None`` if no result)."""

    def __init__(self, c: Compiled, model: Model, deadline: float, *, cap_s: float, solutions: int | None) -> None:
        from routing.darp.search import search_parameters

        self.c, self.model, self.deadline, self.cap_s = c, model, deadline, cap_s
        self.params = search_parameters(time_limit_s=1.0, metaheuristic="GREEDY_DESCENT", solution_limit=solutions)
        model.routing.CloseModelWithParameters(self.params)

    def __call__(self, plan: Plan) -> Plan | None:
        from routing.darp.search import read_routes, run_search

        left = self.deadline - _time.perf_counter()
        if left <= 0.02:
            return None
        self.params.time_limit.FromMilliseconds(round(1000 * min(self.cap_s, left)))
        found = run_search(self.model, plan.routes, self.params)
        if found is None:
            return None
        routes = read_routes(self.model, found)
        if not all(_feasible(self.c, v, seq) for v, seq in enumerate(routes)):
            return None
        return Plan(self.c, routes, plan.fixed_first)


def _with_breaks(c: Compiled, model: Model, plan: Plan, *, deadline: float, params: SolverParams,
                 began: float) -> Solution:
    """Breaks are modelled by OR-Tools only: guided local search from the construction (or its own start)."""
    from routing.darp.search import read_routes, read_times, run_search, search_parameters

    seconds = max(0.05, deadline - _time.perf_counter())
    limit = params.ortools_solutions if params.iterations is not None else None
    search = search_parameters(time_limit_s=seconds, metaheuristic=params.metaheuristic, solution_limit=limit)
    found = run_search(model, plan.routes, search)
    if found is None:  # nothing found: leave every request out rather than plan without breaks
        return to_solution(c, [[] for _ in range(c.n_vehicles)], seconds=_time.perf_counter() - began)
    times, breaks = read_times(model, found)
    return to_solution(c, read_routes(model, found), times=times, break_starts=breaks,
                       seconds=_time.perf_counter() - began)


def _plan_of(c: Compiled, solution: Solution) -> Plan:
    """The plan of an earlier solution of the same problem (visits of unknown requests are dropped)."""
    from routing.darp.construction import fixed_first_nodes

    node_of = {}
    for ri, r in enumerate(c.problem.requests):
        node_of[r.id, "dropoff"] = c.dropoff_node[ri]
        if c.pickup_node[ri] >= 0:
            node_of[r.id, "pickup"] = c.pickup_node[ri]
    by_vehicle = {route.vehicle_id: route for route in solution.routes}
    routes = []
    for v, vehicle in enumerate(c.problem.vehicles):
        visits = by_vehicle[vehicle.id].visits if vehicle.id in by_vehicle else ()
        seq = [node_of[x.request_id, str(x.kind)] for x in visits if (x.request_id, str(x.kind)) in node_of]
        routes.append(seq if _feasible(c, v, seq) else [])
    plan = Plan(c, routes, fixed_first_nodes(c))
    for ri in plan.unplanned():
        plan.insert_best(ri)
    return plan


def _feasible(c: Compiled, v: int, seq: list[int]) -> bool:
    """Whether ``seq`` is a complete, feasible route for vehicle ``v`` (pairs, loads, schedule)."""
    from routing.darp.schedule import earliest_schedule, loads_fit

    seen: set[int] = set()
    for node in seq:
        ri = c.request_of[node]
        if node in seen or v not in c.allowed[ri]:
            return False
        seen.add(node)
    for node in seq:
        ri = c.request_of[node]
        if c.pickup_node[ri] >= 0 and (c.pickup_node[ri] in seen) != (c.dropoff_node[ri] in seen):
            return False
    return loads_fit(c, v, seq) and earliest_schedule(c, v, seq) is not None
