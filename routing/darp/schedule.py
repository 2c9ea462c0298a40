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

    Also ``None`` if a drop-off precedes its pickup or its pickup is missing. One forward pass suffices
    unless a ride limit or the route duration forces a later start somewhere (then :func:`_fixpoint`).
    """
    e, lt, step, partner, limit = c.earliest, c.latest, c.step, c.partner, c.ride_limit
    end = c.n_vehicles + v
    t = e[v]
    times = [t]
    pos: dict[int, int] = {}
    pairs: list[tuple[int, int, int]] = []
    prev, violated = v, False
    for k, n in enumerate(seq, 1):
        t += step[prev][n]
        t = e[n] if t < e[n] else t  # faster than max()
        if t > lt[n]:
            return None
        times.append(t)
        pn = partner[n]
        if pn == -1:
            pos[n] = k
        elif pn >= 0:
            j = pos.get(pn)
            if j is None:
                return None
            lim = limit[n]
            if lim >= 0:
                pairs.append((j, k, lim))
                if t - times[j] > lim:
                    violated = True
        prev = n
    t += step[prev][end]
    t = e[end] if t < e[end] else t  # faster than max()
    if t > lt[end]:
        return None
    times.append(t)
    max_dur = c.problem.vehicles[v].max_duration_s
    if not violated and (max_dur is None or t - times[0] <= max_dur):
        return times
    return _fixpoint(c, [v, *seq, end], times, pairs, max_dur)


def _fixpoint(
    c: Compiled, nodes: list[int], times: list[int], pairs: list[tuple[int, int, int]], max_dur: int | None
) -> list[int] | None:
    """Least schedule from a first forward pass ``times``: raise lower bounds until every limit holds."""
    e, lt, step = c.earliest, c.latest, c.step
    lower = [e[n] for n in nodes]
    last = len(nodes)
    begin = last
    for _ in range(2 * last + 4):
        t = times[begin - 1]
        prev = nodes[begin - 1]
        for k in range(begin, last):
            node = nodes[k]
            t = max(lower[k], t + step[prev][node])
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
