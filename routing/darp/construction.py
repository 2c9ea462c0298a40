"""Fast insertion construction: requests in order of their earliest pickup, each at its cheapest feasible place.

Candidate insertions (vehicle, pickup position, drop-off position) are ranked by added distance and checked
lazily with the exact route schedule, so usually only a few schedules are computed per request. The result
is a list of inner node sequences per vehicle; requests that fit nowhere are left out.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from routing.darp.schedule import earliest_schedule, loads_fit

if TYPE_CHECKING:
    from collections.abc import Iterable

    from routing.darp.compiled import Compiled


def fixed_first_nodes(c: Compiled) -> dict[int, int]:
    """Vehicle index -> node that must be its first stop (from ``Vehicle.fixed_next``)."""
    index = {r.id: i for i, r in enumerate(c.problem.requests)}
    fixed = {}
    for v, vehicle in enumerate(c.problem.vehicles):
        if vehicle.fixed_next is not None:
            ri = index[vehicle.fixed_next]
            p = c.pickup_node[ri]
            fixed[v] = p if p >= 0 else c.dropoff_node[ri]
    return fixed


def insertion_candidates(c: Compiled, ri: int, routes: list[list[int]]) -> list[tuple[int, int, int, int]]:
    """All (added distance, vehicle, pickup position, drop-off position) for request ``ri``, cheapest first.

    Positions index the inner sequence after the pickup is inserted; pickup position -1 means the passenger
    is on board (only the drop-off is inserted).
    """
    p, d = c.pickup_node[ri], c.dropoff_node[ri]
    dist = c.dist
    fixed = fixed_first_nodes(c)
    out = []
    for v in c.allowed[ri]:
        seq = [c.start_node(v), *routes[v], c.end_node(v)]
        first = 1 if v in fixed and fixed[v] in routes[v] else 0
        if p < 0:
            for j in range(first, len(seq) - 1):
                a, b = seq[j], seq[j + 1]
                out.append((dist[a][d] + dist[d][b] - dist[a][b], v, -1, j))
            continue
        for i in range(first, len(seq) - 1):
            a, b = seq[i], seq[i + 1]
            add_p = dist[a][p] + dist[p][b] - dist[a][b]
            out.append((dist[a][p] + dist[p][d] + dist[d][b] - dist[a][b], v, i, i + 1))
            for j in range(i + 1, len(seq) - 1):
                x, y = seq[j], seq[j + 1]
                out.append((add_p + dist[x][d] + dist[d][y] - dist[x][y], v, i, j + 1))
    out.sort()
    return out


def apply(c: Compiled, ri: int, route: list[int], i: int, j: int) -> list[int]:
    """``route`` with request ``ri`` inserted at pickup position ``i`` and drop-off position ``j``."""
    new = list(route)
    if i >= 0:
        new.insert(i, c.pickup_node[ri])
    new.insert(j, c.dropoff_node[ri])
    return new


def insert(c: Compiled, ri: int, routes: list[list[int]], *, max_checks: int = 400) -> bool:
    """Insert request ``ri`` at its cheapest feasible place in ``routes`` (in place); ``False`` if none."""
    for checks, (_cost, v, i, j) in enumerate(insertion_candidates(c, ri, routes)):
        if checks >= max_checks:
            return False
        new = apply(c, ri, routes[v], i, j)
        if loads_fit(c, v, new) and earliest_schedule(c, v, new) is not None:
            routes[v] = new
            return True
    return False


def construct(c: Compiled, *, seed: int = 0, order: Iterable[int] | None = None) -> list[list[int]]:
    """Inner node sequences per vehicle built by cheapest feasible insertion (unreachable requests left out)."""
    routes: list[list[int]] = [[] for _ in range(c.n_vehicles)]
    for v, node in fixed_first_nodes(c).items():
        routes[v] = [node] if c.is_pickup(node) is False else [node, c.dropoff_node[c.request_of[node]]]
    placed = {c.request_of[n] for route in routes for n in route}
    if order is None:
        rng = random.Random(seed)
        keys = {ri: (_urgency(c, ri), rng.random()) for ri in range(len(c.problem.requests))}
        order = sorted(keys, key=keys.__getitem__)
    for ri in order:
        if ri not in placed and ri not in c.unreachable:
            insert(c, ri, routes)
    return routes


def _urgency(c: Compiled, ri: int) -> int:
    """Must-serve and on-board requests first, then by the latest start of the first stop."""
    p = c.pickup_node[ri]
    first = p if p >= 0 else c.dropoff_node[ri]
    rank = 0 if c.problem.requests[ri].must_serve else 1
    return rank * 10**12 + c.earliest[first]
