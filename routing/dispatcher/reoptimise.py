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
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from routing.dispatcher.state import Commitment
from routing.insertion import Infeasible, Route, Schedule, TaskKind, best_insertion, schedule

if TYPE_CHECKING:
    from routing.darp import Solution
    from routing.dispatcher.live import LiveDispatcher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """What the solver works on: selected routes, their commitments, the version and time of the snapshot."""

    version: int
    now_s: int
    routes: dict[str, Route]
    commitments: dict[str, Commitment]


def take_snapshot(dispatcher: LiveDispatcher, now_s: int) -> Snapshot:
    """The routes in service that run now or start within the horizon (call with the lock held)."""
    state = dispatcher.state
    horizon = now_s + dispatcher.config.reoptimise_horizon_s
    routes = {k: r for k, r in state.routes.items()
              if r.in_service and r.shift_end > now_s and r.shift_start <= horizon and k not in state.problems}
    ids = {rid for r in routes.values() for rid in r.request_ids()}
    return Snapshot(state.version, now_s, routes, {i: state.commitments[i] for i in ids})


def reoptimise(dispatcher: LiveDispatcher, now: datetime, time_limit_s: float) -> bool:
    """Re-solve, verify and swap in if better; True if the plan was replaced."""
    now_s = dispatcher.timebase.seconds(now)
    with dispatcher.lock:
        snap = take_snapshot(dispatcher, now_s)
    if not any(r.request_ids() for r in snap.routes.values()):
        return False
    try:
        new_routes = solve_snapshot(dispatcher, snap, time_limit_s)
    except Exception:  # the solver must never take the live plan down
        log.exception("re-optimisation failed; the old plan stays")
        return False
    if new_routes is None:
        return False
    return swap_in(dispatcher, snap, new_routes, now)


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
        state = dispatcher.state
        for route in merged.values():
            state.put_route(route)
        _update_commitments(dispatcher, merged, {k: schedule(r, tt) for k, r in merged.items()})
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


def solve_snapshot(dispatcher: LiveDispatcher, snap: Snapshot, time_limit_s: float) -> dict[str, Route] | None:
    """Solve the snapshot with routing.darp; the new routes if they pass both checks, else None (logged)."""
    from routing.darp import Status, solve
    from routing.darp.checker import check as darp_check
    from routing.dispatcher.darp_problem import routes_from_solution, to_problem

    stated = to_problem(dispatcher, snap)
    if stated is None:
        log.info("re-optimisation skipped: the snapshot cannot be stated as a solver problem")
        return None
    problem = stated.problem
    solution: Solution = solve(problem, time_limit_s=time_limit_s, seed=0, initial=stated.initial)
    if solution.status is not Status.FEASIBLE or solution.unserved_confirmed or solution.rejected:
        log.warning("re-optimisation: solver returned %s (unserved %s); the old plan stays",
                    solution.status, list(solution.unserved_confirmed))
        return None
    violations = darp_check(problem, solution)
    if violations:
        log.warning("re-optimisation: solver plan breaks %d rules (first: %s); the old plan stays",
                    len(violations), violations[0].message)
        return None
    return _verified(dispatcher, snap, routes_from_solution(snap, solution, stated))


def _verified(dispatcher: LiveDispatcher, snap: Snapshot, routes: dict[str, Route]) -> dict[str, Route] | None:
    for route in routes.values():
        try:
            schedule(route, dispatcher.durations)
        except Infeasible as exc:
            log.warning("re-optimisation: converted plan fails the exact check (%s); the old plan stays", exc)
            return None
    before = {rid for key in routes for rid in snap.routes[key].request_ids()}
    after = {rid for r in routes.values() for rid in r.request_ids()}
    if before != after:
        log.warning("re-optimisation: requests %s lost in conversion; the old plan stays", sorted(before ^ after))
        return None
    return routes


def _merge(dispatcher: LiveDispatcher, snap: Snapshot, new: dict[str, Route], now_s: int) -> dict[str, Route] | None:
    state = dispatcher.state
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
            offer = replace(c.offer, vehicle_id=vehicle.id, vehicle_type=vehicle.type.id,
                            planned_dropoff=at(begins[rid, TaskKind.DROPOFF]))
            if (rid, TaskKind.PICKUP) in begins:
                offer = replace(offer, planned_pickup=at(begins[rid, TaskKind.PICKUP]))
            state.commitments[rid] = replace(c, route_key=key, offer=offer)
