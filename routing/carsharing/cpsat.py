"""The optimal assignment with OR-Tools CP-SAT: most requests served, then least walking, shifting and moving.

One Boolean per option; each request takes at most one option. Two options of one car collide when their blocked
periods (relocation and buffer included) overlap; because these are intervals on a line, "no overlap" is exactly
"at most one per maximal clique of overlapping options" (Helly property), which gives CP-SAT a much tighter LP
than ``AddNoOverlap``. Two phases, lexicographic: (1) maximise the served requests (a promised request outweighs
all new ones together), (2) keep that many and minimise walking, slot shifts and forced moves. The better of the
greedy first-come-first-served and the earliest-end heuristic is the hint and the fallback, so the result is never
worse than either.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from routing.carsharing.greedy import solve_earliest_end, solve_greedy
from routing.carsharing.problem import CompiledProblem, Option
from routing.carsharing.solution import Assignment

if TYPE_CHECKING:
    from ortools.sat.python import cp_model


@dataclass(frozen=True, slots=True)
class CpSatParams:
    """Search parameters: wall-clock limit for both phases (seconds), share of phase 1, workers and seed."""

    time_limit_s: float = 10.0
    serve_share: float = 0.6
    workers: int = 2
    seed: int = 0

    def __post_init__(self) -> None:
        if self.time_limit_s <= 0 or self.workers < 1 or not 0 < self.serve_share < 1:
            msg = "time_limit_s must be positive, workers at least 1 and serve_share in (0, 1)"
            raise ValueError(msg)


def overlap_cliques(blocks: Sequence[tuple[int, int, int]]) -> list[list[int]]:
    """Maximal groups of pairwise-overlapping half-open periods ``(start, end, id)``: the ids per group.

    A sweep over start times: the active set is a maximal group just before the first period leaves after one
    joined.
    """
    order = sorted(blocks)
    active: list[tuple[int, int]] = []  # heap of (end, id)
    cliques: list[list[int]] = []
    joined = False
    for start, end, k in order:
        if joined and active and active[0][0] <= start:
            if len(active) > 1:
                cliques.append([i for _, i in active])
            joined = False
        while active and active[0][0] <= start:
            heapq.heappop(active)
        heapq.heappush(active, (end, k))
        joined = True
    if joined and len(active) > 1:
        cliques.append([i for _, i in active])
    return cliques


def _build(compiled: CompiledProblem, hint: Mapping[int, Option]) -> tuple[Any, list[tuple[int, Option, Any]]]:
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    choice: list[tuple[int, Option, cp_model.IntVar]] = []
    per_car: dict[int, list[tuple[int, int, int]]] = {}
    for r, opts in enumerate(compiled.options):
        row = []
        for o in opts:
            x = model.new_bool_var(f"x{len(choice)}")
            per_car.setdefault(o.car, []).append((o.block_start, o.block_end, len(choice)))
            choice.append((r, o, x))
            row.append(x)
            model.add_hint(x, hint.get(r) == o)
        if len(row) > 1:
            model.add_at_most_one(row)
    for blocks in per_car.values():
        for clique in overlap_cliques(blocks):
            model.add_at_most_one([choice[k][2] for k in clique])
    return model, choice


def _solver(seconds: float, params: CpSatParams) -> cp_model.CpSolver:
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.1)
    solver.parameters.num_workers = params.workers
    solver.parameters.random_seed = params.seed
    return solver


def solve_cpsat(compiled: CompiledProblem, params: CpSatParams | None = None) -> Assignment:
    """Solve the assignment in two phases; falls back to the greedy result if CP-SAT finds nothing better."""
    from ortools.sat.python import cp_model

    params = params or CpSatParams()
    t0 = time.perf_counter()
    greedy = solve_greedy(compiled)
    start = max((greedy, solve_earliest_end(compiled)), key=lambda a: _value(compiled, a.chosen))
    n = len(compiled.source.requests)
    serve = [n + 1 if w > min(compiled.weights, default=0) else 1 for w in compiled.weights]
    model, choice = _build(compiled, start.chosen)
    served = sum(serve[r] * x for r, _, x in choice)
    model.maximize(served)
    phase1 = _solver(params.time_limit_s * params.serve_share, params)
    status = phase1.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Assignment(compiled, start.chosen, f"{start.solver} (cp-sat found nothing)", time.perf_counter() - t0)
    chosen = {r: o for r, o, x in choice if phase1.boolean_value(x)}
    proven = status == cp_model.OPTIMAL
    bound = _served_bound(phase1.best_objective_bound, serve)
    model.add(served >= round(phase1.objective_value))
    model.clear_hints()
    for r, o, x in choice:
        model.add_hint(x, chosen.get(r) == o)
    model.minimize(sum(o.cost * x for _, o, x in choice))
    phase2 = _solver(params.time_limit_s - (time.perf_counter() - t0), params)
    status2 = phase2.solve(model)
    if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = {r: o for r, o, x in choice if phase2.boolean_value(x)}
        proven = proven and status2 == cp_model.OPTIMAL
    if _value(compiled, chosen) < _value(compiled, start.chosen):
        chosen, proven = dict(start.chosen), False
    return Assignment(compiled, chosen, "cp-sat", time.perf_counter() - t0, optimal=proven, served_bound=bound)


def _served_bound(objective_bound: float, serve: Sequence[int]) -> int | None:
    """Upper bound on the served count from phase 1's bound (only when all requests weigh the same)."""
    return int(objective_bound + 1e-6) if len(set(serve)) <= 1 else None


def _value(compiled: CompiledProblem, chosen: Mapping[int, Option]) -> int:
    return sum(compiled.weights[r] - o.cost for r, o in chosen.items())
