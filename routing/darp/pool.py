"""Route pool and set-partitioning recombination (CP-SAT).

Every route the large-neighbourhood search builds is feasible on its own (exact schedule). The pool keeps,
per vehicle kind and set of requests, the cheapest such route seen. From time to time a set-partitioning
model picks the cheapest combination of pooled routes that serves every request at most once (a request
left out costs its penalty) and uses no more vehicles of a kind than there are: routes found in different
plans, never together in one, can combine into a better plan (Parragh & Schmid 2013, Gschwind & Drexl 2019
use this with their LNS for the DARP). The current best plan is always in the pool and given as a hint, so
the model's answer is never worse than it.

A vehicle kind is the vehicle's twin class (identical when empty); a vehicle with passengers on board or a
fixed next stop is a kind of its own (its routes hold its own requests).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from routing.darp.state import Plan

if TYPE_CHECKING:
    from routing.darp.compiled import Compiled

_Column = tuple[int, int, tuple[int, ...]]  # cost, vehicle it was built for, inner node sequence


class RoutePool:
    """Distinct feasible routes by (vehicle kind, request set), the cheapest of each."""

    def __init__(self, c: Compiled, fixed_first: dict[int, int], *, max_columns: int = 40_000) -> None:
        # imported here, at the start of the search, so that a first import (≈ 0.1-0.3 s) never runs
        # in a recombination near the deadline
        import ortools.sat.python.cp_model  # noqa: F401

        self.c = c
        own = set(fixed_first)  # vehicles with a fixed next stop or passengers on board
        own.update(c.allowed[ri][0] for ri, p in enumerate(c.pickup_node) if p < 0 and c.allowed[ri])
        self.kind = [-1 - v if v in own else c.twin[v] for v in range(c.n_vehicles)]
        self.columns: dict[tuple[int, frozenset[int]], _Column] = {}
        self.max_columns = max_columns
        self.added = 0  # columns new or cheaper since the last recombination
        self.build_rate = 2e-6  # seconds per stop of a pooled route to build the model (measured at each build)

    def add_plan(self, plan: Plan, *, changed_from: Plan | None = None) -> None:
        """Add the routes of ``plan`` (only those that differ from ``changed_from``'s, if given)."""
        routes, dist, fixed = plan.routes, plan.dist, plan.fixed
        w = self.c.problem.objective.distance_weight
        old = changed_from.routes if changed_from is not None else None
        for v, seq in enumerate(routes):
            if not seq or (old is not None and old[v] == seq):
                continue
            key = (self.kind[v], frozenset(seq))
            cost = w * dist[v] + fixed[v]
            known = self.columns.get(key)
            if known is None:
                if len(self.columns) >= self.max_columns:
                    continue
            elif known[0] <= cost:
                continue
            self.columns[key] = (cost, v, tuple(seq))
            self.added += 1

    def merge(self, columns: dict[tuple[int, frozenset[int]], _Column]) -> None:
        """Add the columns of another pool of the same problem (e.g. from a parallel search)."""
        for key, col in columns.items():
            known = self.columns.get(key)
            if (known is None and len(self.columns) < self.max_columns) or (known is not None and col[0] < known[0]):
                self.columns[key] = col

    def recombine(self, best: Plan, *, time_limit_s: float, deterministic: bool,
                  wall_s: float | None = None) -> Plan | None:
        """The cheapest plan of pooled routes, if cheaper than ``best`` (``None`` otherwise or if no answer).

        ``time_limit_s`` bounds the call, building the model included; if ``deterministic``, the solver's
        own search is bounded by as many deterministic work units instead (same pool, same answer), and
        by ``wall_s`` seconds of wall clock as a safety net.
        """
        import time

        from ortools.sat.python import cp_model

        began = time.perf_counter()
        self.add_plan(best)
        self.added = 0
        c = self.c
        columns = list(self.columns.values())
        entries = sum(len(col[2]) for col in columns)
        if entries * self.build_rate > 0.5 * (wall_s if deterministic and wall_s is not None else time_limit_s):
            self.build_rate *= 0.7  # measured on a busy moment, perhaps: try again later
            return None  # building the model alone would take most of the time granted
        model = cp_model.CpModel()
        chosen = [model.new_bool_var("") for _ in columns]
        covering: dict[int, list[cp_model.IntVar]] = {}
        by_kind: dict[int, list[cp_model.IntVar]] = {}
        for x, (_cost, v, seq) in zip(chosen, columns, strict=True):
            by_kind.setdefault(self.kind[v], []).append(x)
            for ri in {c.request_of[node] for node in seq}:
                covering.setdefault(ri, []).append(x)
        left_out = []
        for ri, xs in covering.items():
            out = model.new_bool_var("")
            model.add_exactly_one([*xs, out])
            left_out.append((best.penalty[ri], out))
        counts: dict[int, int] = {}
        for k in self.kind:
            counts[k] = counts.get(k, 0) + 1
        for k, xs in by_kind.items():
            if len(xs) > counts[k]:
                model.add(sum(xs) <= counts[k])
        model.minimize(sum(col[0] * x for col, x in zip(columns, chosen, strict=True))
                       + sum(p * out for p, out in left_out))
        self._hint(model, best, chosen, left_out=left_out, covering=covering)
        built = time.perf_counter() - began  # building the model counts
        self.build_rate = built / max(1, entries)  # seconds per stop, as this machine builds now
        left = (wall_s if deterministic and wall_s is not None else time_limit_s) - built
        if left < 0.01:
            return None
        return self._solve(model, best, columns, chosen, time_limit_s=left,
                           work=time_limit_s if deterministic else None)

    def _hint(self, model: Any, best: Plan, chosen: list[Any], *,
              left_out: list[tuple[int, Any]], covering: dict[int, list[Any]]) -> None:
        in_best = {(self.kind[v], frozenset(seq)) for v, seq in enumerate(best.routes) if seq}
        keys = list(self.columns)
        for key, x in zip(keys, chosen, strict=True):
            model.add_hint(x, key in in_best)
        for (ri, _xs), (_p, out) in zip(covering.items(), left_out, strict=True):
            model.add_hint(out, best.where[ri] < 0)

    def _solve(self, model: Any, best: Plan, columns: list[_Column], chosen: list[Any], *,
               time_limit_s: float, work: float | None) -> Plan | None:
        from ortools.sat.python import cp_model

        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = time_limit_s
        if work is not None:  # work units, independent of the machine's load (the wall limit stays a safety net)
            solver.parameters.max_deterministic_time = work
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        picked = [col for col, x in zip(columns, chosen, strict=True) if solver.boolean_value(x)]
        return self._plan(best, picked)

    def _plan(self, best: Plan, picked: list[_Column]) -> Plan | None:
        """Assign the picked routes to vehicles of their kinds; ``None`` if it is no cheaper than ``best``."""
        c = self.c
        free: dict[int, list[int]] = {}
        for v in range(c.n_vehicles):
            free.setdefault(self.kind[v], []).append(v)
        routes: list[list[int]] = [[] for _ in range(c.n_vehicles)]
        for _cost, v, seq in sorted(picked, key=lambda col: col[1]):
            slots = free[self.kind[v]]
            u = v if v in slots else slots[0]  # its own vehicle where possible, else a twin
            slots.remove(u)
            routes[u] = list(seq)
        plan = Plan(c, routes, best.fixed_first)
        return plan if plan.cost() < best.cost() else None
