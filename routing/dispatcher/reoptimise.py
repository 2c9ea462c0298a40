"""Background re-optimisation: OR-Tools (routing.darp) re-solves the not-yet-driven plan on a snapshot.

The rule for swapping a solved snapshot in (under the dispatcher's lock):

* the new routes must pass the insertion's exact check (every promised window, ride limit, capacity, shift
  end) and the solver's independent checker, and drive less distance than the routes they replace;
* if nothing changed since the snapshot, the new routes replace the old ones;
* if only bookings were confirmed or cancelled meanwhile, they are merged: cancelled bookings are removed from
  the new routes, bookings confirmed into a re-solved route are inserted into the new routes again — if one
  does not fit, the new plan is dropped;
* any driver or dispatcher event meanwhile drops the new plan (the next run starts from the new state);
  shifts laid out on further days meanwhile (new routes only) do not.

A solver failure or timeout without a solution keeps the old plan and is logged.

The time limit covers the whole call. ``routing.darp.solve`` keeps its own limit, compile and construction
included, but those grow with the square of the number of nodes (2 per vehicle + 2 per request) and leave the
search less of the limit the bigger the problem. So the
dispatcher (a) re-plans at most as many nodes as that fixed part can handle in ``SETUP_SHARE`` of the limit
(a group of neighbouring routes around a seed route that rotates from call to call, so every route gets its
turn), using a per-node² cost it measures on every call, and (b) gives ``solve`` only the time left after the
snapshot and problem building, minus a reserve for its own overrun and for checking and swapping in after it
(both measured).
"""

from __future__ import annotations

import itertools
import logging
import math
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from routing.dispatcher.hold import keep_holds
from routing.dispatcher.state import Commitment
from routing.insertion import Route, Schedule, TaskKind, best_insertion, check, schedule

if TYPE_CHECKING:
    from routing.darp import Solution
    from routing.dispatcher.live import LiveDispatcher

log = logging.getLogger(__name__)

SETUP_SHARE = 0.4  # at most this share of the limit for the solver's unbounded setup (compile, model)
MIN_NODES = 40  # never re-plan fewer nodes than this (a few routes), whatever the estimate says
MIN_SOLVE_S = 0.05  # the smallest limit worth passing to the solver
MIN_PER_NODE2_S, MAX_PER_NODE2_S = 2.5e-7, 1e-5  # bounds of the learnt fixed cost per node² (s)


@dataclass
class Budget:
    """What a dispatcher's re-optimisations measured: the solver's fixed cost per node², the time after the
    solver (read back, checks, swap) and the seed of the next route group."""

    per_node2_s: float = 2.5e-6  # compile + model build on the district network, 2 cores shared
    after_s: float = 0.05
    solve_over_s: float = 0.0  # how much a solve runs past its limit (reading back after its deadline)
    seed: int = 0
    solved_at: float = 0.0
    clock: Callable[[], float] = time.perf_counter  # what the limits are measured on (the simulation: CPU time)
    end_reserve: dict[str, int] = field(default_factory=dict)  # route key -> learnt no-show reserve at its end
    workers: int = 1  # live groups solved at once (more than one: forked processes, one group each)

    def max_nodes(self, time_limit_s: float) -> int:
        """The most nodes whose fixed solver cost fits ``SETUP_SHARE`` of ``time_limit_s``."""
        return max(MIN_NODES, int(math.sqrt(SETUP_SHARE * time_limit_s / self.per_node2_s)))

    def learn_setup(self, nodes: int, given_s: float, took_s: float) -> None:
        """Update the per-node² cost from a solve that took ``took_s`` with ``given_s`` as its limit."""
        self.solved_at = self.clock()
        self.solve_over_s = 0.5 * self.solve_over_s + 0.5 * min(max(0.0, took_s - given_s), 0.2 * given_s)
        if nodes <= 0:
            return
        if took_s > 1.2 * given_s + 0.05:
            # the fixed part overran the limit (it took about all of ``took_s``) — or a busy machine stalled
            # the search: at most double the estimate per call, within bounds, so one stall does not shrink
            # the problem to nothing
            observed = min(took_s / nodes**2, 2 * self.per_node2_s)
            self.per_node2_s = min(MAX_PER_NODE2_S, max(self.per_node2_s, observed))
        else:  # it fitted: let the estimate decay slowly
            self.per_node2_s = max(MIN_PER_NODE2_S, 0.9 * self.per_node2_s)

    def learn_after(self) -> None:
        """Update the reserve for the work after the solver (read back, checks, swap) from this call."""
        if self.solved_at:
            self.after_s = 0.5 * self.after_s + 0.5 * (self.clock() - self.solved_at)
            self.solved_at = 0.0


_budgets: weakref.WeakKeyDictionary[LiveDispatcher, Budget] = weakref.WeakKeyDictionary()


def budget_of(dispatcher: LiveDispatcher) -> Budget:
    """The dispatcher's re-optimisation measurements (created on first use)."""
    budget = _budgets.get(dispatcher)
    if budget is None:
        budget = _budgets[dispatcher] = Budget()
    return budget


@dataclass(frozen=True)
class Snapshot:
    """What the solver works on: selected routes, their commitments, the version and time of the snapshot."""

    version: int
    now_s: int
    routes: dict[str, Route]
    commitments: dict[str, Commitment]
    whole_shift: bool = False  # re-plan every stretch between breaks (the batch plan of a day), not the first only
    cut: Mapping[str, int] = field(default_factory=dict)  # route key -> first task left as it is (time partition)
    end_reserve: Mapping[str, int] = field(default_factory=dict)  # route key -> no-show reserve the solver keeps
    schedules: Mapping[str, Schedule] = field(default_factory=dict)  # route key -> its schedule when taken (if known)


def take_snapshot(dispatcher: LiveDispatcher, now_s: int, window: tuple[int, int] | None = None) -> Snapshot:
    """The routes in service that run now or start within the horizon — or, with ``window`` (seconds), the
    routes whose shift starts in ``[window[0], window[1])`` and has not ended (call with the lock held)."""
    state = dispatcher.state
    first, last = window if window is not None else (-math.inf, now_s + dispatcher.config.reoptimise_horizon_s + 1)
    routes = {k: r for k, r in state.routes.items()
              if r.in_service and r.shift_end > now_s and first <= r.shift_start < last and k not in state.problems
              and k not in state.duty_ended}
    ids = {rid for r in routes.values() for rid in r.request_ids()}
    return Snapshot(state.version, now_s, routes, {i: state.commitments[i] for i in ids},
                    whole_shift=window is not None)


def reoptimise(dispatcher: LiveDispatcher, now: datetime, time_limit_s: float, *,
               window: tuple[int, int] | None = None) -> bool:
    """Re-solve, verify and swap in if better; True if the plan was replaced (within about ``time_limit_s``).

    ``window`` (seconds of the time base) re-plans the shifts starting in it instead of the next hours."""
    budget = budget_of(dispatcher)
    began = budget.clock()
    deadline = began + time_limit_s
    now_s = dispatcher.timebase.seconds(now)
    if window is None:
        from routing.dispatcher.partition import reoptimise_changed

        return reoptimise_changed(dispatcher, now, deadline, budget)
    with dispatcher.lock:
        snap = take_snapshot(dispatcher, now_s, window)
    if not any(r.request_ids() for r in snap.routes.values()):
        return False
    snap = replace(select_routes(dispatcher, snap, budget.max_nodes(time_limit_s), budget.seed),
                   end_reserve=dict(budget.end_reserve))
    budget.seed += 1
    try:
        new_routes = solve_snapshot(dispatcher, snap, time_limit_s, deadline=deadline, budget=budget)
    except Exception:  # the solver must never take the live plan down
        log.exception("re-optimisation failed; the old plan stays")
        return False
    if new_routes is None:
        budget.learn_after()
        return False
    replaced = swap_in(dispatcher, snap, new_routes, now)
    budget.learn_after()
    return replaced


def _nodes(route: Route, whole_shift: bool = False) -> int:
    """Solver nodes of a route: its start and end, and the tasks before its first break (whole shift: a start
    and an end per stretch between breaks, and every task)."""
    breaks = sum(1 for t in route.tasks if t.kind is TaskKind.BREAK)
    if whole_shift:
        return 2 * (breaks + 1) + len(route.tasks) - breaks
    cut = next((n for n, t in enumerate(route.tasks) if t.kind is TaskKind.BREAK), len(route.tasks))
    return 2 + cut


def select_routes(dispatcher: LiveDispatcher, snap: Snapshot, max_nodes: int, seed: int) -> Snapshot:
    """The snapshot cut down to at most ``max_nodes`` solver nodes: routes with requests, starting from the
    ``seed``-th (rotating) and adding the routes whose vehicles start nearest to it; the snapshot itself if all
    fit."""
    busy = sorted(k for k, r in snap.routes.items() if r.request_ids())
    if not busy or sum(_nodes(r, snap.whole_shift) for r in snap.routes.values()) <= max_nodes:
        return snap
    tt = dispatcher.durations
    first = snap.routes[busy[seed % len(busy)]]
    order = sorted(snap.routes, key=lambda k: (tt[first.start_loc][snap.routes[k].start_loc], k))
    chosen: dict[str, Route] = {}
    used = 0
    for key in order:
        n = _nodes(snap.routes[key], snap.whole_shift)
        if chosen and used + n > max_nodes:
            continue
        chosen[key] = snap.routes[key]
        used += n
    ids = {rid for r in chosen.values() for rid in r.request_ids()}
    return Snapshot(snap.version, snap.now_s, chosen, {i: snap.commitments[i] for i in ids},
                    whole_shift=snap.whole_shift)


def swap_in(dispatcher: LiveDispatcher, snap: Snapshot, new_routes: dict[str, Route], now: datetime) -> bool:
    """Replace the snapshot's routes by ``new_routes`` if they drive less and merge with what happened since."""
    tt = dispatcher.durations
    now_s = dispatcher.timebase.seconds(now)
    old_m = _distance(dispatcher, (snap.routes[k] for k in new_routes))
    new_m = _distance(dispatcher, new_routes.values())
    if new_m >= old_m:
        log.info("re-optimisation found no shorter plan (%d m against %d m); the old plan stays", new_m, old_m)
        return False
    with dispatcher.lock:
        merged = _merge(dispatcher, snap, new_routes, now_s)
        if merged is None:
            return False
        merged = keep_holds(dispatcher.state.commitments, merged)
        # the solver's routes passed the exact check already (solve_snapshot); only routes changed since need it
        if any(check(r, tt) for k, r in merged.items() if r is not new_routes.get(k)):
            log.info("re-optimisation dropped: pickups held meanwhile do not fit the new plan")
            return False
        state = dispatcher.state
        for route in merged.values():
            state.put_route(route)
        _update_commitments(dispatcher, merged, {k: state.schedules[k] for k in merged})
        state.bump("replace", "reoptimise", now)
        log.info("re-optimisation replaced %d routes: %.1f km instead of %.1f km (plan version %d)",
                 len(merged), new_m / 1000, old_m / 1000, state.version)
        return True


def _distance(dispatcher: LiveDispatcher, routes: Iterable[Route]) -> int:
    total = 0
    for route in routes:
        locs = [route.start_loc, *(t.loc for t in route.tasks), route.end_loc]
        total += sum(dispatcher.travel.distance(a, b) for a, b in itertools.pairwise(locs))
    return total


def solve_snapshot(dispatcher: LiveDispatcher, snap: Snapshot, time_limit_s: float, *,
                   deadline: float | None = None, budget: Budget | None = None) -> dict[str, Route] | None:
    """Solve the snapshot with routing.darp; the new routes if they pass both checks, else None (logged).

    With a ``deadline`` (on ``budget.clock``) the solver gets the time left until then minus the reserve
    for what follows it (``budget``); the solve is timed to learn the solver's fixed cost."""
    from routing.darp import Status, solve
    from routing.darp.checker import check as darp_check
    from routing.dispatcher.darp_problem import routes_from_solution, to_problem

    stated = to_problem(dispatcher, snap)
    if stated is None:
        log.info("re-optimisation skipped: the snapshot cannot be stated as a solver problem")
        return None
    problem = stated.problem
    budget = budget or Budget()
    limit = time_limit_s
    if deadline is not None:
        limit = max(MIN_SOLVE_S, deadline - budget.clock() - budget.after_s - budget.solve_over_s)
    nodes = 2 * len(problem.vehicles) + sum(1 if r.onboard is not None else 2 for r in problem.requests)
    started = budget.clock()
    solution: Solution = solve(problem, time_limit_s=limit, seed=0, initial=stated.initial, clock=budget.clock)
    budget.learn_setup(nodes, limit, budget.clock() - started)
    if solution.status is not Status.FEASIBLE or solution.unserved_confirmed or solution.rejected:
        log.warning("re-optimisation: solver returned %s (unserved %s); the old plan stays",
                    solution.status, list(solution.unserved_confirmed))
        return None
    violations = darp_check(problem, solution)
    if violations:
        log.warning("re-optimisation: solver plan breaks %d rules (first: %s); the old plan stays",
                    len(violations), violations[0].message)
        return None
    return _verified(dispatcher, snap, routes_from_solution(snap, solution, stated), budget)


def _verified(dispatcher: LiveDispatcher, snap: Snapshot, routes: dict[str, Route],
              budget: Budget) -> dict[str, Route] | None:
    for route in routes.values():
        problems = check(route, dispatcher.durations)  # the whole exact check (swap_in relies on it)
        if problems:
            from routing.insertion import lenient_schedule

            sched, _ = lenient_schedule(route, dispatcher.durations)
            if sched.end_arrival <= route.shift_end < sched.worst_end:  # the solver does not model no-show waits:
                need = sched.worst_end - sched.end_arrival + route.no_show_wait_s  # keep more back next time
                budget.end_reserve[route.key] = max(budget.end_reserve.get(route.key, 0), need)
                log.info("re-optimisation: %s; the old plan stays, next time %d s are kept back", problems[0], need)
                return None
            log.warning("re-optimisation: converted plan fails the exact check (%s); the old plan stays", problems[0])
            return None
    before = {rid for key in routes for rid in snap.routes[key].request_ids()}
    after = {rid for r in routes.values() for rid in r.request_ids()}
    if before != after:
        log.warning("re-optimisation: requests %s lost in conversion; the old plan stays", sorted(before ^ after))
        return None
    return routes


def _merge(dispatcher: LiveDispatcher, snap: Snapshot, new: dict[str, Route], now_s: int) -> dict[str, Route] | None:
    state = dispatcher.state
    if all(state.routes.get(k) is snap.routes[k] for k in new):
        return dict(new)  # nothing touched these routes since the snapshot (every change goes through put_route)
    later = [(kind, ident) for version, kind, ident in state.changes if version > snap.version]
    if any(kind not in {"confirm", "cancel", "extend"} for kind, _ in later):
        log.info("re-optimisation dropped: the plan changed by events meanwhile")
        return None
    merged = dict(new)
    tt = dispatcher.durations
    for kind, bid in later:
        if kind == "extend":
            continue  # new shift routes only: none of them is in the snapshot
        if kind == "cancel":
            for key, route in merged.items():
                if bid in route.request_ids():
                    merged[key] = replace(route, tasks=tuple(t for t in route.tasks if t.request_id != bid))
            continue
        c = state.commitments.get(bid)
        if c is None or c.route_key not in merged:
            continue  # confirmed into a route the solver did not touch, or cancelled again
        # the booking sits in the current version of a re-solved route: insert it into the new route set
        merged_without = {k: replace(r, tasks=tuple(t for t in r.tasks if t.request_id != bid))
                          for k, r in merged.items()}
        pairs = [(r, schedule(r, tt)) for r in merged_without.values() if r.in_service]
        found = best_insertion(pairs, c.spec, tt, now_s, weights=None, max_checks=dispatcher.config.max_checks)
        if found is None:
            log.info("re-optimisation dropped: booking %s confirmed meanwhile does not fit the new plan", bid)
            return None
        merged = {**merged_without, found.route_key: found.route}
    # the current state of untouched requests must still be the snapshot's
    return merged


def _update_commitments(dispatcher: LiveDispatcher, routes: dict[str, Route], scheds: dict[str, Schedule]) -> None:
    state = dispatcher.state
    at = dispatcher.timebase.instant
    for key, route in routes.items():
        sched = scheds[key]
        vehicle = state.vehicles[route.vehicle_id]
        begins: dict[tuple[str, TaskKind], int] = {}
        for k, task in enumerate(route.tasks, start=1):
            if task.request_id is not None:
                begins[task.request_id, task.kind] = sched.begin[k]
        for rid in route.request_ids():
            c = state.commitments.get(rid)
            if c is None:
                continue
            dropoff = at(begins[rid, TaskKind.DROPOFF])
            pickup = at(begins[rid, TaskKind.PICKUP]) if (rid, TaskKind.PICKUP) in begins else c.offer.planned_pickup
            old = c.offer
            if (c.route_key == key and old.vehicle_id == vehicle.id and old.vehicle_type == vehicle.type.id
                    and old.planned_dropoff == dropoff and old.planned_pickup == pickup):
                continue  # most rides of a group keep their vehicle and times: nothing to replace
            offer = replace(old, vehicle_id=vehicle.id, vehicle_type=vehicle.type.id, planned_dropoff=dropoff,
                            planned_pickup=pickup)
            state.commitments[rid] = replace(c, route_key=key, offer=offer)
