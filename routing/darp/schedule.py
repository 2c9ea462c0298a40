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
    """Service start times of ``[start] + seq + [end]`` for vehicle ``v``, or ``None`` if infeasible in time."""
    nodes = [c.start_node(v), *seq, c.end_node(v)]
    vehicle = c.problem.vehicles[v]
    max_dur = vehicle.max_duration_s
    e, lt, svc, dur = c.earliest, c.latest, c.service, c.dur
    lower = [e[n] for n in nodes]
    position = {n: k for k, n in enumerate(nodes)}
    pairs = []
    for k, n in enumerate(nodes):
        r = c.request_of[n]
        if r >= 0 and c.dropoff_node[r] == n and c.pickup_node[r] >= 0:
            j = position.get(c.pickup_node[r])
            if j is None or j > k:
                return None
            pairs.append((j, k, c.max_ride[r] + svc[nodes[j]]))
    times = [0] * len(nodes)
    for _ in range(2 * len(nodes) + 4):
        t = lower[0]
        times[0] = t
        prev = nodes[0]
        for k in range(1, len(nodes)):
            node = nodes[k]
            t = max(lower[k], t + svc[prev] + dur[prev][node])
            if t > lt[node]:
                return None
            times[k] = t
            prev = node
        changed = False
        for j, k, limit in pairs:
            if times[k] - times[j] > limit:
                lower[j] = times[k] - limit
                changed = True
        if max_dur is not None and times[-1] - times[0] > max_dur:
            lower[0] = times[-1] - max_dur
            changed = True
        if not changed:
            return times
    return None


def route_distance(c: Compiled, v: int, seq: list[int]) -> int:
    """Driving distance (metres) of ``[start] + seq + [end]`` for vehicle ``v``."""
    nodes = [c.start_node(v), *seq, c.end_node(v)]
    return sum(c.dist[a][b] for a, b in zip(nodes, nodes[1:], strict=False))
