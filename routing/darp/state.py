"""Mutable working plan of the large-neighbourhood search: routes, cached bounds, cost, unplanned requests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from routing.darp.model import MUST_SERVE_PENALTY
from routing.darp.positions import RouteInfo, apply, candidates, route_info
from routing.darp.schedule import earliest_schedule, loads_fit, route_distance

if TYPE_CHECKING:
    from routing.darp.compiled import Compiled


class Plan:
    """Routes (inner node sequences per vehicle) with cost bookkeeping; cost = distance, fixed costs, penalties."""

    def __init__(self, c: Compiled, routes: list[list[int]], fixed_first: dict[int, int]) -> None:
        self.c = c
        self.fixed_first = fixed_first
        self.routes = [list(r) for r in routes]
        self.where = [-1] * len(c.problem.requests)
        for v, seq in enumerate(self.routes):
            for node in seq:
                self.where[c.request_of[node]] = v
        self.dist = [route_distance(c, v, seq) if seq else 0 for v, seq in enumerate(self.routes)]
        self._info: list[RouteInfo | None] = [None] * c.n_vehicles
        problem = c.problem
        self.fixed = [problem.fixed_cost(v) for v in problem.vehicles]
        self.penalty = [MUST_SERVE_PENALTY if r.must_serve else problem.penalty(r) for r in problem.requests]
        self.pinned = {c.request_of[node] for node in fixed_first.values()}

    def copy(self) -> Plan:
        """An independent copy (route infos are shared until a route changes)."""
        other = object.__new__(Plan)
        other.__dict__.update(self.__dict__)
        other.routes = [list(r) for r in self.routes]
        other.where = list(self.where)
        other.dist = list(self.dist)
        other._info = list(self._info)
        return other

    def cost(self) -> int:
        """Weighted distance + fixed costs of used vehicles + penalties of unplanned requests."""
        w = self.c.problem.objective.distance_weight
        used = sum(f for f, seq in zip(self.fixed, self.routes, strict=True) if seq)
        missing = sum(p for p, v in zip(self.penalty, self.where, strict=True) if v < 0)
        return w * sum(self.dist) + used + missing

    def planned(self) -> list[int]:
        """Indices of planned requests that may be moved (not pinned as a vehicle's fixed next stop)."""
        return [ri for ri, v in enumerate(self.where) if v >= 0 and ri not in self.pinned]

    def unplanned(self) -> list[int]:
        """Indices of requests not in any route (unreachable ones excluded)."""
        return [ri for ri, v in enumerate(self.where) if v < 0 and ri not in self.c.unreachable]

    def info(self, v: int) -> RouteInfo:
        """Cached bounds of route ``v``."""
        info = self._info[v]
        if info is None:
            info = route_info(self.c, v, self.routes[v], self.fixed_first.get(v))
            if info is None:
                msg = f"route {v} became infeasible"
                raise AssertionError(msg)
            self._info[v] = info
        return info

    def _set(self, v: int, seq: list[int], times: list[int] | None = None) -> None:
        self.routes[v] = seq
        self.dist[v] = route_distance(self.c, v, seq) if seq else 0
        self._info[v] = None if times is None else route_info(self.c, v, seq, self.fixed_first.get(v), times)

    def remove(self, ri: int) -> bool:
        """Take request ``ri`` out of its route; ``False`` (nothing changes) if the rest would be infeasible.

        Without its drop-off a passenger on board rides to the end, which may exceed the capacity; with travel
        times that break the triangle inequality (road networks) a shortcut via a stop may be lost.
        """
        v = self.where[ri]
        if v < 0:
            return False
        c = self.c
        seq = self.routes[v]
        drop = {c.pickup_node[ri], c.dropoff_node[ri]}
        new = [n for n in seq if n not in drop]
        if c.pickup_node[ri] < 0 and not loads_fit(c, v, new):
            return False
        times = None
        if not _shortcuts_hold(c, v, seq, drop):
            times = earliest_schedule(c, v, new)
            if times is None:
                return False
        self._set(v, new, times)
        self.where[ri] = -1
        return True

    def removal_gain(self, ri: int) -> int:
        """Distance saved by removing request ``ri`` from its route (0 if unplanned)."""
        v = self.where[ri]
        if v < 0:
            return 0
        c = self.c
        seq, dist = self.routes[v], c.dist
        p, d = c.pickup_node[ri], c.dropoff_node[ri]
        last = len(seq) - 1
        j = seq.index(d)
        y = seq[j + 1] if j < last else c.n_vehicles + v
        if p < 0:
            x = seq[j - 1] if j > 0 else v
            return dist[x][d] + dist[d][y] - dist[x][y]
        i = seq.index(p)
        a = seq[i - 1] if i > 0 else v
        if j == i + 1:
            return dist[a][p] + dist[p][d] + dist[d][y] - dist[a][y]
        b, x = seq[i + 1], seq[j - 1]
        return dist[a][p] + dist[p][b] - dist[a][b] + dist[x][d] + dist[d][y] - dist[x][y]

    def insertion_options(self, ri: int) -> list[tuple[int, int, int, int]]:
        """Bound-feasible insertions of ``ri`` with their added cost, cheapest first."""
        w = self.c.problem.objective.distance_weight
        out: list[tuple[int, int, int, int]] = []
        for v in self.c.allowed[ri]:
            extra = 0 if self.routes[v] else self.fixed[v]
            out.extend((w * cost + extra, vv, i, j) for cost, vv, i, j in candidates(self.c, ri, v, self.info(v)))
        out.sort()
        return out

    def place(self, ri: int, v: int, seq: list[int], times: list[int]) -> None:
        """Put request ``ri`` into route ``v``, which becomes ``seq`` with earliest schedule ``times``."""
        self._set(v, seq, times)
        self.where[ri] = v

    def insert_best(self, ri: int, *, max_checks: int = 60) -> bool:
        """Insert ``ri`` at its cheapest feasible place; ``False`` if there is none."""
        c = self.c
        for checks, (_cost, v, i, j) in enumerate(self.insertion_options(ri)):
            if checks >= max_checks:
                return False
            new = apply(c, ri, self.routes[v], i, j)
            times = earliest_schedule(c, v, new)
            if times is not None:
                self._set(v, new, times)
                self.where[ri] = v
                return True
        return False


def _shortcuts_hold(c: Compiled, v: int, seq: list[int], drop: set[int]) -> bool:
    """Whether skipping the ``drop`` nodes of ``seq`` is never slower than driving via them.

    Then the old schedule without those stops stays feasible: every later stop is reached no later.
    """
    step = c.step
    nodes = [v, *seq, c.n_vehicles + v]
    k, last = 1, len(nodes) - 1
    while k < last:
        if nodes[k] not in drop:
            k += 1
            continue
        a, around = nodes[k - 1], 0
        while nodes[k] in drop:  # a run of dropped stops between two kept ones
            around += step[nodes[k - 1]][nodes[k]]
            k += 1
        if step[a][nodes[k]] > around + step[nodes[k - 1]][nodes[k]]:
            return False
    return True
