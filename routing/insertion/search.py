"""MATSim-style insertion: a generator of (pickup, drop-off) positions pruned by capacity and slack, an
integer cost (``None`` = infeasible), and an exact check of the best candidates.

A candidate ``(i, j)`` puts the pickup after node ``i`` and the drop-off after node ``j`` (``j == i``: right after
the pickup), with node 0 the vehicle's start. Times after the insertion follow from the schedule in O(1): the
delay pushed into node ``i + 1`` shrinks by the waiting already planned at later nodes.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from routing.insertion.model import RequestSpec, Route, TaskKind, add_load, fits
from routing.insertion.reserve import ends_too_late
from routing.insertion.schedule import Durations, Infeasible, Schedule, schedule


@dataclass(frozen=True, slots=True)
class CostWeights:
    """Integer cost of an insertion: added driving seconds plus weighted waiting of the new rider.

    ``wait_weight_pct`` is the percentage of the rider's wait beyond the earliest pickup that counts as cost.
    """

    wait_weight_pct: int = 20

    def __post_init__(self) -> None:
        if self.wait_weight_pct < 0:
            msg = f"wait_weight_pct must not be negative, got {self.wait_weight_pct}"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class Insertion:
    """A feasible insertion: where it goes, its cost and the planned begin of pickup and drop-off (seconds)."""

    route_key: str
    pickup_after: int
    dropoff_after: int
    cost: int
    pickup_begin: int
    dropoff_begin: int
    route: Route
    schedule: Schedule


@dataclass(frozen=True, slots=True)
class Candidate:
    """A candidate that passed the O(1) checks, before the exact check."""

    cost: int
    route_key: str
    pickup_after: int
    dropoff_after: int


def insert_tasks(route: Route, request: RequestSpec, pickup_after: int, dropoff_after: int, now: int) -> Route:
    """``route`` with the request's pickup after node ``pickup_after`` and drop-off after ``dropoff_after``."""
    tasks = list(route.tasks)
    tasks.insert(dropoff_after, request.dropoff_task())
    tasks.insert(pickup_after, request.pickup_task())
    ready = max(route.ready, now) if pickup_after == 0 else route.ready
    return replace(route, tasks=tuple(tasks), ready=ready)


@dataclass(frozen=True, slots=True)
class _Probe:
    route: Route
    sched: Schedule
    request: RequestSpec
    tt: Durations
    weights: CostWeights


def candidates(route: Route, sched: Schedule, request: RequestSpec, tt: Durations, *, now: int,
               weights: CostWeights) -> Iterator[Candidate]:
    """All insertions of ``request`` into ``route`` that pass the capacity, window, ride and shift checks in O(1)."""
    if not route.in_service or not fits(request.load, route.capacity):
        return
    if route.shift_end < request.pickup_earliest or route.shift_start > request.pickup_due:
        return
    n = len(route.tasks)
    due, p, locs, departure = request.pickup_due, request.pickup, sched.locs, sched.departure
    # latest[] never decreases along the route: skip the nodes whose successor must begin before the pickup can
    first = max(route.pinned, bisect_left(sched.latest, request.pickup_earliest, 1, n + 2) - 1)
    probe = None
    for i in range(first, n + 1):
        if i < n and departure[i] < now:
            continue  # the vehicle has left node i already
        base = max(route.ready if i == 0 else departure[i], now)
        if base > due:
            break  # departures only grow along the route
        if base + tt[locs[i]][p] > due:
            continue  # the pickup cannot be reached in time from here (the cheap test of _from_pickup first)
        probe = probe or _Probe(route, sched, request, tt, weights)
        yield from _from_pickup(probe, i, base)


def _from_pickup(probe: _Probe, i: int, base: int) -> Iterator[Candidate]:
    route, sched, request, tt, weights = probe.route, probe.sched, probe.request, probe.tt, probe.weights
    n = len(route.tasks)
    locs = sched.locs
    p, d = request.pickup, request.dropoff
    beg_p = max(base + tt[locs[i]][p], request.pickup_earliest)
    if beg_p > request.pickup_due:
        return
    load = add_load(sched.load_after[i], request.load)
    if not fits(load, route.capacity):
        return
    dep_p = beg_p + request.pickup_service_s
    wait_cost = (beg_p - request.pickup_earliest) * weights.wait_weight_pct // 100
    detour_p = tt[locs[i]][p] + tt[p][locs[i + 1]] - tt[locs[i]][locs[i + 1]]
    # drop-off right after the pickup
    beg_d = dep_p + tt[p][d]
    if beg_d <= request.dropoff_latest and beg_d - dep_p <= request.max_ride_s:
        back = beg_d + request.dropoff_service_s + tt[d][locs[i + 1]]
        if back <= sched.latest[i + 1]:
            cost = tt[locs[i]][p] + tt[p][d] + tt[d][locs[i + 1]] - tt[locs[i]][locs[i + 1]]
            yield Candidate(cost + wait_cost, route.key, i, i)
    arr_next = dep_p + tt[p][locs[i + 1]]
    if i == n or arr_next > sched.latest[i + 1]:
        return
    delay = max(0, arr_next - sched.arrival[i + 1])
    for j in range(i + 1, n + 1):
        task = route.tasks[j - 1]
        if task.kind is TaskKind.BREAK:
            return  # no rider sits through the driver's break
        if not fits(add_load(sched.load_after[j], request.load), route.capacity):
            return
        dep_j = sched.departure[j] + max(0, delay - (sched.waited[j] - sched.waited[i]))
        if dep_j - dep_p > request.max_ride_s or dep_j > request.dropoff_latest:
            return  # later drop-off positions only ride longer
        beg_d = dep_j + tt[locs[j]][d]
        if beg_d - dep_p > request.max_ride_s or beg_d > request.dropoff_latest:
            continue
        back = beg_d + request.dropoff_service_s + tt[d][locs[j + 1]]
        if back <= sched.latest[j + 1]:
            detour_d = tt[locs[j]][d] + tt[d][locs[j + 1]] - tt[locs[j]][locs[j + 1]]
            yield Candidate(detour_p + detour_d + wait_cost, route.key, i, j)


Reached = tuple[Route, Schedule, Sequence[tuple[int, int]]]  # a route with the positions that reach the pickup


def candidates_at(route: Route, sched: Schedule, request: RequestSpec, tt: Durations,
                  nodes: Iterable[tuple[int, int]], *, weights: CostWeights) -> Iterator[Candidate]:
    """What :func:`candidates` yields, walking only the given ``(i, base)`` positions — those from which the pickup
    can begin in time, as :class:`routing.insertion.reach.ReachIndex` finds them — after the same route checks."""
    if not _may_take(route, request):
        return
    probe = _Probe(route, sched, request, tt, weights)
    for i, base in nodes:
        yield from _from_pickup(probe, i, base)


def best_insertion(routes: Iterable[tuple[Route, Schedule]], request: RequestSpec, tt: Durations, now: int, *,
                   weights: CostWeights | None = None, max_checks: int = 64) -> Insertion | None:
    """The cheapest insertion of ``request`` that passes the exact check, or ``None``.

    Candidates are generated on every route, ordered by cost, and checked exactly (ride times of riders already
    planned included) until one passes or ``max_checks`` have failed.
    """
    w = weights or CostWeights()
    found = ((route, sched, candidates(route, sched, request, tt, now=now, weights=w)) for route, sched in routes)
    return _cheapest(found, request, tt, now, max_checks)


Position = tuple[int, Route, Schedule, int, int]  # (bound, route, schedule, i, base): see best_bounded


def best_bounded(positions: Iterable[Position], request: RequestSpec, tt: Durations, now: int, *,
                 weights: CostWeights | None = None, max_checks: int = 64) -> Insertion | None:
    """:func:`best_insertion` by branch and bound over the positions the pickup can follow (the same result).

    ``positions`` come by ascending ``bound``, a lower bound of the cost of every candidate with the pickup after
    node ``i`` (:meth:`routing.insertion.reach.ReachIndex.bounded`); ``base`` is when the vehicle can leave node
    ``i``. A candidate is checked exactly only once it is cheaper than the bound of every position not walked
    yet, so the checks come in the order of the full scan — (cost, route key, positions) — and the search stops
    at the first that passes without walking the positions left.
    """
    w = weights or CostWeights()
    by_key: dict[str, tuple[Route, Schedule]] = {}
    probes: dict[str, _Probe | None] = {}
    heap: list[tuple[int, str, int, int]] = []
    failed = 0
    for bound, route, sched, i, base in positions:
        while heap and heap[0][0] < bound:
            found = _check_cheapest(heap, by_key, request, tt, now)
            if found is not None:
                return found
            failed += 1
            if failed >= max_checks:
                return None
        key = route.key
        if key not in probes:
            by_key[key] = route, sched
            probes[key] = _Probe(route, sched, request, tt, w) if _may_take(route, request) else None
        probe = probes[key]
        if probe is not None:
            for c in _from_pickup(probe, i, base):
                heapq.heappush(heap, (c.cost, c.route_key, c.pickup_after, c.dropoff_after))
    while heap and failed < max_checks:
        found = _check_cheapest(heap, by_key, request, tt, now)
        if found is not None:
            return found
        failed += 1
    return None


def _may_take(route: Route, request: RequestSpec) -> bool:
    """The route checks of :func:`candidates`: in service, a vehicle the party fits in, a shift over the window."""
    return (route.in_service and fits(request.load, route.capacity)
            and route.shift_end >= request.pickup_earliest and route.shift_start <= request.pickup_due)


def _check_cheapest(heap: list[tuple[int, str, int, int]], by_key: dict[str, tuple[Route, Schedule]],
                    request: RequestSpec, tt: Durations, now: int) -> Insertion | None:
    """Pop the cheapest candidate; the insertion if it passes the exact check."""
    cost, key, i, j = heapq.heappop(heap)
    route, sched = by_key[key]
    if ends_too_late(route, sched, request, tt, pickup_after=i, dropoff_after=j, now=now):
        return None  # the exact check would fail on the shift end
    new_route = insert_tasks(route, request, i, j, now)
    try:
        new_sched = schedule(new_route, tt)
    except Infeasible:
        return None
    return Insertion(key, i, j, cost, new_sched.begin[i + 1], new_sched.begin[j + 2], new_route, new_sched)


def _cheapest(per_route: Iterable[tuple[Route, Schedule, Iterable[Candidate]]], request: RequestSpec,
              tt: Durations, now: int, max_checks: int) -> Insertion | None:
    """The first candidate by (cost, route key, positions) that passes the exact check (``max_checks`` may fail)."""
    by_key: dict[str, tuple[Route, Schedule]] = {}
    heap: list[tuple[int, str, int, int]] = []
    for route, sched, generated in per_route:
        by_key[route.key] = route, sched
        heap.extend((c.cost, c.route_key, c.pickup_after, c.dropoff_after) for c in generated)
    heapq.heapify(heap)
    for _ in range(max_checks):
        if not heap:
            return None
        found = _check_cheapest(heap, by_key, request, tt, now)
        if found is not None:
            return found
    return None


def any_insertion(routes: Iterable[tuple[Route, Schedule]], request: RequestSpec, tt: Durations, now: int, *,
                  max_checks: int = 64) -> bool:
    """Whether ``request`` fits somewhere: the first candidate (in route order) that passes the exact check.

    For questions that need a yes or no and no cost (e.g. "would another time work?"): it stops at the first
    feasible place instead of generating and ordering every candidate; at most ``max_checks`` may fail.
    """
    weights = CostWeights(wait_weight_pct=0)
    found = ((route, sched, candidates(route, sched, request, tt, now=now, weights=weights)) for route, sched in routes)
    return _first_fits(found, request, tt, now, max_checks)


def any_reached(reached: Iterable[Reached], request: RequestSpec, tt: Durations, now: int, *,
                max_checks: int = 64) -> bool:
    """:func:`any_insertion` over the positions a reach query found (the same answer)."""
    weights = CostWeights(wait_weight_pct=0)
    found = ((route, sched, candidates_at(route, sched, request, tt, nodes, weights=weights))
             for route, sched, nodes in reached)
    return _first_fits(found, request, tt, now, max_checks)


def _first_fits(found: Iterable[tuple[Route, Schedule, Iterable[Candidate]]], request: RequestSpec, tt: Durations,
                now: int, max_checks: int) -> bool:
    failed = 0
    for route, sched, generated in found:
        for c in generated:
            try:
                if ends_too_late(route, sched, request, tt, pickup_after=c.pickup_after,
                                 dropoff_after=c.dropoff_after, now=now):
                    raise Infeasible(route.key)  # what the exact check would find
                schedule(insert_tasks(route, request, c.pickup_after, c.dropoff_after, now), tt)
            except Infeasible:
                failed += 1
                if failed >= max_checks:
                    return False
                continue
            return True
    return False
