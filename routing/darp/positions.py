"""Cheapest feasible insertion of one request into a set of routes, pruned by times and loads.

Per route we keep its earliest schedule ``A`` (a lower bound on every feasible time after an insertion),
the latest start ``Lt`` each stop may have without breaking a later window (an upper bound), and the load
after each stop. A candidate (pickup after position ``i``, drop-off after position ``j``) survives only if
these bounds allow it; survivors are tried cheapest first with the exact schedule of
:mod:`routing.darp.schedule`, so most requests need one or two exact checks.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from operator import add, le, sub
from typing import TYPE_CHECKING

from routing.darp.schedule import earliest_schedule

if TYPE_CHECKING:
    from routing.darp.compiled import Compiled


@dataclass(frozen=True, slots=True)
class RouteInfo:
    """Bounds of one route: nodes ``[start, *seq, end]``, earliest times, latest times, load after each."""

    nodes: list[int]
    earliest: list[int]
    latest: list[int]
    load: list[tuple[int, ...]]
    leave: list[int]  # earliest departure from each stop (earliest start + service)
    first: int  # first position after which a stop may be inserted (1 if the first stop is fixed)
    room: dict[tuple[int, ...], list[bool]]  # per load vector: may it be added after each position?

    def fits(self, q: tuple[int, ...], cap: tuple[int, ...]) -> list[bool]:
        """Per position: whether load ``q`` can be added to the load after it."""
        mask = self.room.get(q)
        if mask is None:
            room = tuple(map(sub, cap, q))
            if len(q) == 1:
                mask = [row[0] <= room[0] for row in self.load]
            else:
                mask = [all(map(le, row, room)) for row in self.load]
            self.room[q] = mask
        return mask


def route_info(
    c: Compiled, v: int, seq: list[int], fixed_first: int | None, times: list[int] | None = None
) -> RouteInfo | None:
    """Bounds of vehicle ``v``'s route ``seq``; ``None`` if the route itself is infeasible."""
    if times is None:
        times = earliest_schedule(c, v, seq)
    if times is None:
        return None
    nodes = [v, *seq, c.n_vehicles + v]
    step, lt, svc = c.step, c.latest, c.service
    latest = [0] * len(nodes)
    nxt = latest[-1] = lt[nodes[-1]]
    b = nodes[-1]
    for k in range(len(nodes) - 2, -1, -1):
        a = nodes[k]
        nxt -= step[a][b]
        nxt = lt[a] if lt[a] < nxt else nxt  # faster than min()
        latest[k] = nxt
        b = a
    load = [c.initial_load[v]]
    demand = c.demand
    for node in seq:
        load.append(tuple(map(add, load[-1], demand[node])))
    load.append(load[-1])
    first = 0
    if fixed_first is not None:  # nothing may precede the fixed stop; without it the vehicle stays unused
        first = 1 if seq and seq[0] == fixed_first else len(nodes) - 1
    leave = [t + svc[n] for t, n in zip(times, nodes, strict=True)]
    return RouteInfo(nodes, times, latest, load, leave, first, {})


def candidates(c: Compiled, ri: int, v: int, info: RouteInfo) -> list[tuple[int, int, int, int]]:
    """(added distance, vehicle, pickup position, drop-off position) that pass the bounds, unsorted.

    Positions index the inner sequence after the pickup is inserted (pickup position -1: passenger on
    board, only the drop-off is inserted). Per pickup position only the drop-off directly after it and the
    cheapest later drop-off position are returned: every bound on a later drop-off position depends on that
    position alone, and it is reachable from a pickup position unless a stop in between is full or leaves
    too late, so one right-to-left pass finds the cheapest for all pickup positions (O(n), not O(n²)).
    """
    return _scan(c, ri, v, info, every=False)


def every_candidate(c: Compiled, ri: int, v: int, info: RouteInfo) -> list[tuple[int, int, int, int]]:
    """Like :func:`candidates`, but every later drop-off position of each pickup position that passes the bounds
    (O(n²)): the fallback when the exact check refuses what the O(n) scan kept (a pickup's push forward may make its
    cheapest later drop-off late while a farther one, behind a wait, is still on time)."""
    return _scan(c, ri, v, info, every=True)


def _scan(c: Compiled, ri: int, v: int, info: RouteInfo, *, every: bool) -> list[tuple[int, int, int, int]]:
    p, d = c.pickup_node[ri], c.dropoff_node[ri]
    if p < 0:
        return _dropoff_only(c, ri, v, info)
    e, lt, dist = c.earliest, c.latest, c.dist
    nodes, early, late, leave = info.nodes, info.earliest, info.latest, info.leave
    room = info.fits(c.demand[p], c.problem.vehicles[v].capacity)
    ep, lp, ed, ld = e[p], lt[p], e[d], lt[d]
    to_p, to_d, from_p, from_d = c.step_to[p], c.step_to[d], c.step[p], c.step[d]
    dto_p, dto_d, dfrom_p, dfrom_d = c.dist_to[p], c.dist_to[d], c.dist[p], c.dist[d]
    direct, pd_dist = from_p[d], dfrom_p[d]
    cap_j = min(ld, lp + c.service[p] + c.max_ride[ri])  # last departure before the drop-off
    last = len(nodes) - 1
    begin = max(info.first, bisect_left(late, ep + c.service[p], 1, last + 1) - 1)
    end_i = bisect_right(leave, lp, begin, last)  # pickup positions: leave[i] <= lp
    end_j = bisect_right(leave, cap_j, begin + 1, last)  # later drop-off positions: leave[j] <= cap_j
    # later[j]: added distance of a drop-off after position j if in time by the bounds (None: late or full);
    # best[j]: (cost, position) of the cheapest such position >= j reachable without a full stop
    later: list[int | None] = [None] * (last + 1)
    best: list[tuple[int, int] | None] = [None] * (last + 1)
    run: tuple[int, int] | None = None
    for j in range(end_j - 1, begin, -1):
        if not room[j]:
            run = None
        else:
            x, y = nodes[j], nodes[j + 1]
            td = early[j] + to_d[x]
            td = ed if td < ed else td  # faster than max()
            if td <= ld and td + from_d[y] <= late[j + 1]:
                cost = later[j] = dto_d[x] + dfrom_d[y] - dist[x][y]
                if run is None or cost <= run[0]:
                    run = (cost, j)
        best[j] = run
    out = []
    for i in range(begin, end_i):
        a, b = nodes[i], nodes[i + 1]
        tp = early[i] + to_p[a]
        if tp > lp or not room[i]:
            continue
        tp = ep if tp < ep else tp  # faster than max()
        td = tp + direct
        td = ed if td < ed else td  # faster than max()
        if td <= ld and td + from_d[b] <= late[i + 1]:
            out.append((dto_p[a] + pd_dist + dfrom_d[b] - dist[a][b], v, i, i + 1))
        cheapest = best[i + 1]
        if cheapest is None or tp + from_p[b] > late[i + 1]:
            continue
        base = dto_p[a] + dfrom_p[b] - dist[a][b]
        if not every:
            out.append((base + cheapest[0], v, i, cheapest[1] + 1))
            continue
        for j in range(i + 1, end_j):
            if not room[j]:
                break
            added = later[j]
            if added is not None:
                out.append((base + added, v, i, j + 1))
    return out


def _dropoff_only(c: Compiled, ri: int, v: int, info: RouteInfo) -> list[tuple[int, int, int, int]]:
    d = c.dropoff_node[ri]
    dist, dur, svc = c.dist, c.dur, c.service
    nodes, early, late = info.nodes, info.earliest, info.latest
    out = []
    for j in range(info.first, len(nodes) - 1):
        x, y = nodes[j], nodes[j + 1]
        if early[j] + svc[x] > c.latest[d]:
            break
        td = max(c.earliest[d], early[j] + svc[x] + dur[x][d])
        if td <= c.latest[d] and td + svc[d] + dur[d][y] <= late[j + 1]:
            out.append((dist[x][d] + dist[d][y] - dist[x][y], v, -1, j))
    return out


def apply(c: Compiled, ri: int, seq: list[int], i: int, j: int) -> list[int]:
    """``seq`` with request ``ri`` inserted at pickup position ``i`` and drop-off position ``j``."""
    new = list(seq)
    if i >= 0:
        new.insert(i, c.pickup_node[ri])
    new.insert(j, c.dropoff_node[ri])
    return new
