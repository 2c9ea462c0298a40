"""Exact feasibility and earliest schedule of one route with fixed stop order.

Windows, travel times, ride-time limits and the route duration limit are difference constraints on the
service start times; the earliest schedule is their least solution, found by raising lower bounds until
nothing changes (a pickup starts later when its drop-off would otherwise exceed the ride limit, the
departure is delayed when the route would otherwise be too long). Breaks are not modelled here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from routing.darp.compiled import Compiled


def loads_fit(c: Compiled, v: int, seq: list[int]) -> bool:
    """Whether the load on board never exceeds vehicle ``v``'s capacity along ``seq`` (inner nodes)."""
    cap = c.problem.vehicles[v].capacity
    load = list(c.initial_load[v])
    demand = c.demand
    for node in seq:
        for k, q in enumerate(demand[node]):
            load[k] += q
            if load[k] > cap[k]:
                return False
    return True


def earliest_schedule(c: Compiled, v: int, seq: list[int]) -> list[int] | None:
    """Service start times of ``[start] + seq + [end]`` for vehicle ``v``, or ``None`` if infeasible in time.

    Also ``None`` if a drop-off precedes its pickup or its pickup is missing.
    """
    nodes = [v, *seq, c.n_vehicles + v]
    max_dur = c.problem.vehicles[v].max_duration_s
    e, lt, svc, dur, partner, limit = c.earliest, c.latest, c.service, c.dur, c.partner, c.ride_limit
    lower = [e[n] for n in nodes]
    pairs = []
    pos: dict[int, int] = {}
    for k in range(1, len(nodes) - 1):
        n = nodes[k]
        pn = partner[n]
        if pn == -1:
            pos[n] = k
        elif pn >= 0:
            j = pos.get(pn)
            if j is None:
                return None
            if limit[n] >= 0:
                pairs.append((j, k, limit[n]))
    last = len(nodes)
    times = list(lower)
    begin = 1
    for _ in range(2 * last + 4):
        t = times[begin - 1]
        prev = nodes[begin - 1]
        for k in range(begin, last):
            node = nodes[k]
            t = max(lower[k], t + svc[prev] + dur[prev][node])
            if t > lt[node]:
                return None
            times[k] = t
            prev = node
        begin = last
        for j, k, lim in pairs:
            if times[k] - times[j] > lim:
                lower[j] = times[k] - lim
                times[j] = lower[j]
                if times[j] > lt[nodes[j]]:
                    return None
                begin = min(begin, j + 1)
        if max_dur is not None and times[-1] - times[0] > max_dur:
            lower[0] = times[0] = times[-1] - max_dur
            if times[0] > lt[nodes[0]]:
                return None
            begin = 1
        if begin == last:
            return times
    return None


def route_distance(c: Compiled, v: int, seq: list[int]) -> int:
    """Driving distance (metres) of ``[start] + seq + [end]`` for vehicle ``v``."""
    dist = c.dist
    prev, total = v, 0
    for node in seq:
        total += dist[prev][node]
        prev = node
    return total + dist[prev][c.n_vehicles + v]
