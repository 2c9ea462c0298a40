"""``solve(problem, ...)``: compile, construct, improve by LNS, polish with OR-Tools, read back a Solution.

Stages (see docs/solver.md): window tightening and validation (:mod:`compiled`), the insertion
construction, the large-neighbourhood search on our own exact route schedule (:mod:`lns`), then the
OR-Tools routing model (:mod:`model`) loaded with the best plan as first assignment and improved by guided
local search. The better of the two plans is returned. Vehicles with breaks skip the LNS (its schedule
does not model breaks): OR-Tools plans them from the construction, or from its own first solution.
"""

from __future__ import annotations

import contextlib
import logging
import time as _time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from routing.darp.compiled import compile_problem
from routing.darp.construction import construct
from routing.darp.extract import to_solution
from routing.darp.lns import LnsParams, improve
from routing.darp.pool import RoutePool
from routing.darp.state import Plan

if TYPE_CHECKING:
    from collections.abc import Callable
    from multiprocessing.connection import Connection

    from routing.darp.compiled import Compiled
    from routing.darp.model import Model
    from routing.darp.problem import DarpProblem
    from routing.darp.solution import Solution

log = logging.getLogger(__name__)


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

    lns_share: float = 0.96
    polish_cap_s: float = 0.25
    workers: int = 1
    iterations: int | None = None
    ortools_solutions: int = 200
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    recombine: bool = True
    recombine_share: float = 0.02
    recombine_cap_s: float = 0.5
    lns: LnsParams = field(default_factory=LnsParams)

    def __post_init__(self) -> None:
        if not 0.0 <= self.lns_share <= 1.0:
            msg = f"lns_share must lie in [0, 1], got {self.lns_share}"
            raise ValueError(msg)
        if self.workers < 1:
            msg = f"workers must be at least 1, got {self.workers}"
            raise ValueError(msg)


#: Seconds kept back per node for reading the result out and OR-Tools overheads (1280 nodes: ≈ 0.07 s).
RESERVE_S_PER_NODE = 4e-5
#: Share of the time limit kept back as well (a busy machine slows the last steps down).
RESERVE_SHARE = 0.01
#: Shortest time-limited recombination worth making (seconds); shorter LNS budgets keep no route pool.
MIN_RECOMBINE_S = 0.05
#: OR-Tools model build + close, seconds per node²; measured ≈ 6e-8 (1280 nodes: 0.09 s), kept pessimistic.
MODEL_S_PER_NODE2 = 2e-7


class Stages:
    """Wall time per stage of one solve, from an injectable clock (``time.perf_counter`` by default)."""

    def __init__(self, clock: Callable[[], float], time_limit_s: float) -> None:
        self.clock = clock
        self.began = self.last = clock()
        self.deadline = self.began + time_limit_s
        self.seconds: dict[str, float] = {}

    def mark(self, name: str) -> None:
        """Charge the time since the last mark to stage ``name``."""
        now = self.clock()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self.last
        self.last = now

    def left(self) -> float:
        """Seconds until the deadline."""
        return self.deadline - self.clock()


def solve(
    problem: DarpProblem,
    *,
    time_limit_s: float = 10.0,
    seed: int = 0,
    initial: Solution | None = None,
    params: SolverParams | None = None,
    clock: Callable[[], float] | None = None,
) -> Solution:
    """Plan ``problem`` within ``time_limit_s`` seconds (wall clock, one core), compilation included.

    Stages that do not fit in the time left are skipped (the OR-Tools polish first); the compilation and the
    construction always run. ``solution.stages`` reports the seconds of each stage by ``clock``.
    """
    params = params or SolverParams()
    st = Stages(clock or _time.perf_counter, time_limit_s)
    cpu = _time.process_time()
    c = compile_problem(problem)
    st.mark("compile")
    plan = construct(c, seed=seed) if initial is None else _plan_of(c, initial)
    st.mark("construct")
    reserve = _reserve(c.n_nodes, time_limit_s, st.last - st.began, _time.process_time() - cpu)
    if any(v.breaks for v in problem.vehicles):
        return _with_breaks(c, plan, st, params=params, reserve=reserve)
    # the fallback if a later stage goes wrong: a copy, the search changes the plan's routes in place
    checked = [list(seq) for seq in _checked(c, plan.routes, plan.fixed_first, None)]
    lns_end = st.clock() + max(0.0, st.left() - reserve) * params.lns_share
    if params.workers == 1:
        routes, _pool = _search(c, plan, st, seed=seed, lns_end=lns_end, reserve=reserve, params=params)
    else:
        routes = _parallel(c, plan, st, seed=seed, lns_end=lns_end, reserve=reserve, params=params)
    routes = _checked(c, routes, plan.fixed_first, checked)
    st.mark("search")
    return _result(c, routes, st)


def _reserve(n_nodes: int, time_limit_s: float, elapsed: float, cpu: float) -> float:
    """Seconds kept back for the read-out and overheads: per node, scaled by how much slower than its CPU
    time the setup ran (a loaded machine slows the last steps down as much), plus 1 % of the limit."""
    slowdown = min(10.0, max(1.0, elapsed / cpu)) if cpu > 0.002 else 1.0
    return RESERVE_S_PER_NODE * n_nodes * slowdown + RESERVE_SHARE * time_limit_s


def _result(c: Compiled, routes: list[list[int]], st: Stages, times: list[list[int]] | None = None,
            breaks: list[tuple[int, ...]] | None = None) -> Solution:
    solution = to_solution(c, routes, times=times, break_starts=breaks)
    st.mark("extract")
    return replace(solution, seconds=st.last - st.began, stages=tuple(st.seconds.items()))


def _checked(c: Compiled, routes: list[list[int]], fixed: dict[int, int],
             fallback: list[list[int]] | None) -> list[list[int]]:
    """``routes`` if every route is feasible, else ``fallback`` (checked before), else the feasible routes only.

    A stage that produced an infeasible route is a bug; its plan is never returned (the vehicles of dropped
    routes serve nothing, their confirmed requests are reported unserved).
    """
    served: set[int] = set()
    ok = True
    for v, seq in enumerate(routes):
        requests = {c.request_of[n] for n in seq}
        if not _feasible(c, v, seq, fixed.get(v)) or requests & served:
            ok = False
        served |= requests
    if ok:
        return routes
    log.warning("solver: a stage produced an infeasible route; %s", "the checked plan before it is returned"
                if fallback is not None else "only its feasible routes are kept")
    if fallback is not None:
        return fallback
    return [seq if _feasible(c, v, seq, fixed.get(v)) else [] for v, seq in enumerate(routes)]


def _search(c: Compiled, plan: Plan, st: Stages, *, seed: int, lns_end: float, reserve: float,
            params: SolverParams) -> tuple[list[list[int]], RoutePool | None]:
    """LNS with periodic OR-Tools polishing and recombination until ``lns_end``, then a last recombination
    and polish until the deadline. Returns the routes and the route pool."""
    deterministic = params.iterations is not None
    polish = _Polisher(c, st, reserve, cap_s=params.polish_cap_s,
                       solutions=params.ortools_solutions if deterministic else None)
    budget = max(0.0, lns_end - st.clock())
    # a recombination shorter than MIN_RECOMBINE_S finds nothing, and the first CP-SAT import alone takes
    # 0.1-0.3 s of CPU: short live re-optimisations go without
    worth = deterministic or budget * params.recombine_share >= MIN_RECOMBINE_S
    pool = RoutePool(c, plan.fixed_first) if params.recombine and worth else None
    recombine = _Recombiner(pool, st, reserve, params, budget=budget)
    if params.lns_share > 0:
        # from now: making the pool may have taken a while (the first CP-SAT import)
        plan = improve(plan, seed=seed, time_limit_s=max(0.0, lns_end - st.clock()), iterations=params.iterations,
                       params=params.lns, polish=polish, pool=pool, recombine=recombine, clock=st.clock)
    for step in (recombine, polish):
        polish.cap_s = float("inf")  # the last polish may use all the time left
        better = step(plan)
        if better is not None and better.cost() < plan.cost():
            plan = better
    return plan.routes, pool


def _worker(conn: Connection, c: Compiled, plan: Plan, st: Stages, *, seed: int, lns_end: float, reserve: float,
            params: SolverParams) -> None:
    routes, pool = _search(c, plan, st, seed=seed, lns_end=lns_end, reserve=reserve, params=params)
    conn.send((routes, pool.columns if pool is not None else {}))
    conn.close()


def _parallel(c: Compiled, plan: Plan, st: Stages, *, seed: int, lns_end: float, reserve: float,
              params: SolverParams) -> list[list[int]]:
    """Run ``params.workers`` searches with seeds ``seed, seed+1, ...`` in forked processes; keep the best.

    With recombination on, the searches stop a little early (``recombine_cap_s``, at most 5 % of the time
    left) and their route pools are merged into one last set-partitioning recombination: routes found by
    different seeds can combine.
    """
    import copy
    import multiprocessing

    merge_s = min(params.recombine_cap_s, 0.05 * st.left()) if params.recombine else 0.0
    sub = copy.copy(st)
    sub.deadline -= merge_s
    ctx = multiprocessing.get_context("fork")
    jobs = []
    for k in range(1, params.workers):
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_worker, args=(child, c, plan, sub),
                           kwargs={"seed": seed + k, "lns_end": lns_end - merge_s, "reserve": reserve,
                                   "params": params})
        proc.start()
        child.close()
        jobs.append((parent, proc))
    routes, pool = _search(c, plan, sub, seed=seed, lns_end=lns_end - merge_s, reserve=reserve, params=params)
    results = [routes]
    for parent, proc in jobs:
        with contextlib.suppress(EOFError):  # a worker that died contributes nothing
            other, columns = parent.recv()
            results.append(other)
            if pool is not None:
                pool.merge(columns)
        proc.join()
    best = min((Plan(c, routes, plan.fixed_first) for routes in results), key=Plan.cost)
    merged = _Recombiner(pool, st, reserve, params, budget=merge_s / max(params.recombine_share, 1e-9))(best)
    return (merged or best).routes


class _Recombiner:
    """Set partitioning over the route pool (``None`` if no pool, no time, or nothing cheaper).

    Each call may take ``recombine_share`` of the LNS budget, at most ``recombine_cap_s``; an
    iteration-bounded search gives it ``recombine_cap_s`` deterministic work units instead.
    """

    def __init__(self, pool: RoutePool | None, st: Stages, reserve: float, params: SolverParams, *,
                 budget: float) -> None:
        self.pool, self.st, self.reserve, self.budget = pool, st, reserve, budget
        self.deterministic = params.iterations is not None
        self.limit = params.recombine_cap_s if self.deterministic else min(params.recombine_share * budget,
                                                                           params.recombine_cap_s)

    def __call__(self, best: Plan) -> Plan | None:
        wall = self.st.left() - self.reserve - 0.05
        if self.pool is None or wall <= 0.01:
            return None
        limit = self.limit if self.deterministic else min(self.limit, wall)
        return self.pool.recombine(best, time_limit_s=limit, deterministic=self.deterministic, wall_s=wall)


class _Polisher:
    """OR-Tools greedy local search from a plan (``None`` if no result, or no time for it).

    The model is built at the first call, and only if the time left is well above its estimated build time.
    """

    def __init__(self, c: Compiled, st: Stages, reserve: float, *, cap_s: float, solutions: int | None) -> None:
        self.c, self.st, self.reserve, self.cap_s, self.solutions = c, st, reserve, cap_s, solutions
        self.model: Model | None = None
        self.params: Any = None
        self.over = 0.0  # the largest overrun of its time limit seen so far (seconds)

    def __call__(self, plan: Plan) -> Plan | None:
        from routing.darp.search import read_routes, run_search

        if self.model is None:
            if self.st.left() - self.reserve < 0.05 + 3 * MODEL_S_PER_NODE2 * self.c.n_nodes**2:
                return None
            self.model, self.params = _closed_model(self.c, metaheuristic="GREEDY_DESCENT", solutions=self.solutions)
        limit = min(self.cap_s, self.st.left() - self.reserve - self.over)
        if limit <= 0.02:
            return None
        self.params.time_limit.FromMilliseconds(round(1000 * limit))
        began = self.st.clock()
        found = run_search(self.model, plan.routes, self.params)
        # OR-Tools checks its limit between moves, and loading the plan comes first: keep its overrun back
        self.over = max(self.over, self.st.clock() - began - limit)
        if found is None:
            return None
        routes = read_routes(self.model, found)
        if not all(_feasible(self.c, v, seq, plan.fixed_first.get(v)) for v, seq in enumerate(routes)):
            return None
        return Plan(self.c, routes, plan.fixed_first)


def _closed_model(c: Compiled, *, metaheuristic: str, solutions: int | None) -> tuple[Model, Any]:
    from routing.darp.model import build_model
    from routing.darp.search import search_parameters

    model = build_model(c)
    params = search_parameters(time_limit_s=1.0, metaheuristic=metaheuristic, solution_limit=solutions)
    model.routing.CloseModelWithParameters(params)
    return model, params


def _with_breaks(c: Compiled, plan: Plan, st: Stages, *, params: SolverParams, reserve: float) -> Solution:
    """Breaks are modelled by OR-Tools only: guided local search from the construction (or its own start)."""
    from routing.darp.search import read_routes, read_times, run_search

    limit = params.ortools_solutions if params.iterations is not None else None
    model, search = _closed_model(c, metaheuristic=params.metaheuristic, solutions=limit)
    st.mark("model")
    search.time_limit.FromMilliseconds(round(1000 * max(0.05, st.left() - reserve)))
    found = run_search(model, plan.routes, search)
    st.mark("search")
    empty: list[list[int]] = [[] for _ in range(c.n_vehicles)]
    if found is None:  # nothing found: leave every request out rather than plan without breaks
        return _result(c, empty, st)
    times, breaks = read_times(model, found)
    routes = read_routes(model, found)
    if not all(_feasible(c, v, seq, plan.fixed_first.get(v), timed=False) for v, seq in enumerate(routes)):
        return _result(c, empty, st)
    return _result(c, routes, st, times, breaks)


def _plan_of(c: Compiled, solution: Solution) -> Plan:
    """The plan of an earlier solution of the same problem (visits of unknown requests are dropped)."""
    from routing.darp.construction import fixed_first_nodes, place_fixed

    fixed = fixed_first_nodes(c)
    node_of = {}
    for ri, r in enumerate(c.problem.requests):
        node_of[r.id, "dropoff"] = c.dropoff_node[ri]
        if c.pickup_node[ri] >= 0:
            node_of[r.id, "pickup"] = c.pickup_node[ri]
    by_vehicle = {route.vehicle_id: route for route in solution.routes}
    routes = []
    taken: set[int] = set()
    for v, vehicle in enumerate(c.problem.vehicles):
        visits = by_vehicle[vehicle.id].visits if vehicle.id in by_vehicle else ()
        seq = [node_of[x.request_id, str(x.kind)] for x in visits if (x.request_id, str(x.kind)) in node_of]
        if taken.intersection(c.request_of[n] for n in seq) or not _feasible(c, v, seq, fixed.get(v)):
            seq = []
        taken.update(c.request_of[n] for n in seq)
        routes.append(seq)
    plan = Plan(c, routes, fixed)
    place_fixed(plan)
    for ri in plan.unplanned():
        plan.insert_best(ri)
    return plan


def _feasible(c: Compiled, v: int, seq: list[int], fixed_first: int | None, *, timed: bool = True) -> bool:
    """Whether ``seq`` is a complete, feasible route for vehicle ``v`` (pairs, loads, fixed first stop and,
    if ``timed``, the schedule without breaks)."""
    from routing.darp.schedule import earliest_schedule, loads_fit

    if fixed_first is not None and seq and seq[0] != fixed_first:
        return False
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
    return loads_fit(c, v, seq) and (not timed or earliest_schedule(c, v, seq) is not None)
