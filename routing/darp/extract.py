"""Turn inner node sequences per vehicle into a :class:`Solution` with times, loads and the cost breakdown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from routing.darp.schedule import earliest_schedule
from routing.darp.solution import CostBreakdown, Route, Solution, Status, Visit, VisitKind

if TYPE_CHECKING:
    from routing.darp.compiled import Compiled
    from routing.darp.problem import Request


def to_solution(
    c: Compiled,
    routes: list[list[int]],
    *,
    times: list[list[int]] | None = None,
    break_starts: list[tuple[int, ...]] | None = None,
) -> Solution:
    """Build the solution; ``times`` (start + inner + end per vehicle) default to the earliest schedule."""
    problem = c.problem
    out_routes = []
    for v, seq in enumerate(routes):
        t = times[v] if times is not None else _schedule(c, v, seq)
        out_routes.append(_route(c, v, seq, t, break_starts[v] if break_starts else ()))
    planned = {c.request_of[n] for seq in routes for n in seq}
    missing = [r for i, r in enumerate(problem.requests) if i not in planned]
    rejected = tuple(r.id for r in missing if not r.must_serve)
    unserved = tuple(r.id for r in missing if r.must_serve)
    cost = _cost(c, routes, out_routes, missing)
    status = Status.INFEASIBLE if unserved else Status.FEASIBLE
    return Solution(tuple(out_routes), rejected, cost, status, unserved)


def _schedule(c: Compiled, v: int, seq: list[int]) -> list[int]:
    t = earliest_schedule(c, v, seq)
    if t is None:
        msg = f"route of vehicle {c.problem.vehicles[v].id!r} has no feasible schedule"
        raise AssertionError(msg)
    if seq:  # leave the depot just in time for the first stop
        start = c.start_node(v)
        t[0] = max(t[0], t[1] - c.service[start] - c.dur[start][seq[0]])
    else:
        t[-1] = t[0]
    return t


def _route(c: Compiled, v: int, seq: list[int], t: list[int], breaks: tuple[int, ...]) -> Route:
    if not seq:  # an unused vehicle stays at its start and takes its breaks whenever they may start
        breaks = tuple(b.earliest_start for b in c.problem.vehicles[v].breaks)
        t = [c.problem.vehicles[v].shift.earliest] * 2
    load = list(c.initial_load[v])
    visits = []
    for k, node in enumerate(seq):
        for d, q in enumerate(c.demand[node]):
            load[d] += q
        kind = VisitKind.PICKUP if c.is_pickup(node) else VisitKind.DROPOFF
        request = c.problem.requests[c.request_of[node]]
        visits.append(Visit(request.id, kind, c.loc[node], t[k + 1], tuple(load)))
    return Route(c.problem.vehicles[v].id, tuple(visits), t[0], t[-1], breaks)


def _cost(c: Compiled, routes: list[list[int]], out: list[Route], missing: list[Request]) -> CostBreakdown:
    problem = c.problem
    obj = problem.objective
    distance = sum(
        c.dist[a][b]
        for v, seq in enumerate(routes) if seq
        for a, b in zip([c.start_node(v), *seq], [*seq, c.end_node(v)], strict=True)
    )
    used = [v for v, seq in enumerate(routes) if seq]
    duration = sum(out[v].arrival_s - out[v].departure_s for v in used)
    fixed = sum(problem.fixed_cost(problem.vehicles[v]) for v in used)
    penalty = sum(problem.penalty(r) for r in missing if not r.must_serve)
    excess = 0
    by_id = {r.id: r for r in problem.requests}
    for route in out:
        start = {x.request_id: x.start_s for x in route.visits if x.kind is VisitKind.PICKUP}
        for x in route.visits:
            if x.kind is VisitKind.DROPOFF:
                r = by_id[x.request_id]
                began = start.get(r.id, r.picked_up_at)
                assert began is not None
                excess += x.start_s - began - r.pickup_service_s - problem.travel.duration(r.pickup, r.dropoff)
    total = obj.distance_weight * distance + obj.duration_weight * duration + fixed + penalty
    total += obj.excess_ride_weight * excess
    return CostBreakdown(distance, duration, len(used), fixed, penalty, excess, total)
