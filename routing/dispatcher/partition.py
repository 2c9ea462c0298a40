"""Incremental live re-optimisation: the plan in partitions by area and time, re-planned only where it changed.

A live plan of hundreds of vehicles cannot be re-solved as a whole every few minutes, and most of it has not
changed since it was last re-planned. So a live re-optimisation

* cuts every route in **time**: only the tasks up to the first moment after ``cut_s`` from now at which the
  vehicle is empty are re-planned (the stretch ends there, like at a break: the vehicle must reach that task's
  stop by its latest begin); what lies later is re-planned when it comes closer;
* re-plans only routes whose stretch **changed**: a booking in it that was not there when it was last
  re-planned (a new booking inserted greedily, or a pre-booking the time cut now reaches);
* groups the changed routes by **area**: a changed route and the routes whose vehicles stand nearest to it
  (changed or not, so rides can move between them), up to a node limit; groups are disjoint, so each one is
  swapped in on its own (:func:`routing.dispatcher.reoptimise.swap_in` takes a group whose routes nobody touched
  since the snapshot as it is, whatever happened elsewhere);
* gives each group solver time in proportion to its size (``per_node_s``), so a quiet quarter-hour costs
  little and a busy one gets more, within the call's limit.
"""

from __future__ import annotations

import logging
import multiprocessing
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from routing.dispatcher.darp_problem import time_cut
from routing.insertion import Route, Schedule, TaskKind

if TYPE_CHECKING:
    from routing.dispatcher.live import LiveDispatcher
    from routing.dispatcher.reoptimise import Budget, Snapshot

log = logging.getLogger(__name__)

CUT_S = 3 * 3600  # re-plan the tasks of the next three hours (up to the first empty moment after them)
# solver seconds per node of a group (a group of 240 nodes: 0.14 s). Measured on the 10,000-request day: the first
# tenth of a second of a group's search brings most of what a whole second brings (118 requests: -4.4 % after
# 0.1 s, -6.7 % after 0.4 s, -7.2 % after 1.6 s), and solving every changed group each time keeps the plan shorter
# than solving half of them for longer (2.5 ms per node did that: 1 s per call, half of the groups waited). About
# 70 ms of a group's time is fixed (stating, compiling, checking, swapping in): 0.4 ms per node left the search
# only ~30 ms and drove 1-2 % more km; 0.6 ms gives it ~70 ms
PER_NODE_S = 0.0006
MIN_GROUP_S = 0.05  # the least a group is given
MAX_GROUP_NODES = 240  # the largest group (the solver's fixed cost grows with the square of the nodes)
CHILD_TIMEOUT_S = 30.0  # the least a group solved in another process is waited for (wall seconds)


@dataclass
class Progress:
    """What a dispatcher's live re-optimisations did: the bookings of each route's stretch when it was last
    re-planned, and the rotating start of the next grouping."""

    solved: dict[str, frozenset[str]] = field(default_factory=dict)
    seed: int = 0


_progress: weakref.WeakKeyDictionary[LiveDispatcher, Progress] = weakref.WeakKeyDictionary()


def progress_of(dispatcher: LiveDispatcher) -> Progress:
    """The dispatcher's re-optimisation progress (created on first use)."""
    found = _progress.get(dispatcher)
    if found is None:
        found = _progress[dispatcher] = Progress()
    return found


def stretch(route: Route, cut: int) -> tuple[int, frozenset[str]]:
    """Solver nodes and bookings of the part of ``route`` that is re-planned: before its first break and ``cut``."""
    stop = next((n for n, t in enumerate(route.tasks) if t.kind is TaskKind.BREAK), len(route.tasks))
    stop = min(stop, cut)
    ids = frozenset(str(t.request_id) for t in route.tasks[:stop] if t.request_id is not None)
    return 2 + stop, ids


def cuts(routes: Mapping[str, Route], schedules: Mapping[str, Schedule], now_s: int, cut_s: int) -> dict[str, int]:
    """The time cut of every route (call with the dispatcher's lock held: routes and schedules must match)."""
    return {k: time_cut(r, schedules[k], now_s + cut_s) for k, r in routes.items()}


def groups(dispatcher: LiveDispatcher, snap: Snapshot, max_nodes: int) -> list[Snapshot]:
    """Disjoint groups of the snapshot's routes around each changed route, nearest vehicles first, each of at
    most ``max_nodes`` solver nodes; changed routes in rotating order (so none waits for ever)."""
    from routing.dispatcher.reoptimise import Snapshot

    progress = progress_of(dispatcher)
    tt = dispatcher.durations
    parts = {k: stretch(r, snap.cut.get(k, len(r.tasks))) for k, r in snap.routes.items()}
    changed = sorted(k for k, (_, ids) in parts.items() if ids - progress.solved.get(k, frozenset()))
    if not changed:
        return []
    start = progress.seed % len(changed)
    progress.seed += 1
    pending = changed[start:] + changed[:start]
    taken: set[str] = set()
    out = []
    for seed in pending:
        if seed in taken:
            continue
        here = snap.routes[seed].start_loc
        near = sorted((k for k in snap.routes if k not in taken), key=lambda k: (tt[here][snap.routes[k].start_loc], k))
        chosen: dict[str, Route] = {}
        used = 0
        for key in near:
            n = parts[key][0]
            if chosen and used + n > max_nodes:
                continue
            chosen[key] = snap.routes[key]
            used += n
        taken |= set(chosen)
        ids = {rid for r in chosen.values() for rid in r.request_ids()}
        out.append(Snapshot(snap.version, snap.now_s, chosen, {i: snap.commitments[i] for i in ids},
                            cut={k: snap.cut[k] for k in chosen if k in snap.cut}, end_reserve=snap.end_reserve,
                            schedules={k: snap.schedules[k] for k in chosen if k in snap.schedules}))
    return out


def group_nodes(snap: Snapshot) -> int:
    """Solver nodes of a group."""
    return sum(stretch(r, snap.cut.get(k, len(r.tasks)))[0] for k, r in snap.routes.items())


def mark_solved(dispatcher: LiveDispatcher, snap: Snapshot) -> None:
    """Note the bookings of every stretch of ``snap`` as re-planned."""
    solved = progress_of(dispatcher).solved
    for key, route in snap.routes.items():
        solved[key] = stretch(route, snap.cut.get(key, len(route.tasks)))[1]


def reoptimise_changed(dispatcher: LiveDispatcher, now: datetime, deadline: float, budget: Budget) -> bool:
    """Re-plan the changed groups of the live plan until ``deadline`` (on ``budget.clock``); True if any
    group was replaced."""
    from routing.dispatcher.reoptimise import swap_in, take_snapshot

    now_s = dispatcher.timebase.seconds(now)
    with dispatcher.lock:
        snap = take_snapshot(dispatcher, now_s)
        scheds = dispatcher.state.schedules
        snap = replace(snap, cut=cuts(snap.routes, scheds, now_s, CUT_S), end_reserve=dict(budget.end_reserve),
                       schedules={k: scheds[k] for k in snap.routes})
    limit_nodes = min(MAX_GROUP_NODES, budget.max_nodes(max(0.0, deadline - budget.clock())))
    replaced = False
    pending = groups(dispatcher, snap, limit_nodes)
    single = len(pending) == 1
    while pending:
        left = deadline - budget.clock()
        if left < MIN_GROUP_S:
            break
        # a single group (a small plan) gets the whole limit; several get time by their size within it
        batch = [pending.pop(0) for _ in range(min(budget.workers, len(pending)))]
        given = [left if single else min(left, max(MIN_GROUP_S, PER_NODE_S * group_nodes(g))) for g in batch]
        waiting = [_in_child(dispatcher, g, s, budget) for g, s in zip(batch[1:], given[1:], strict=True)]
        results = [_solve(dispatcher, batch[0], given[0], budget), *(wait() for wait in waiting)]
        for group, new_routes in zip(batch, results, strict=True):
            mark_solved(dispatcher, group)
            if new_routes is not None:
                replaced |= swap_in(dispatcher, group, new_routes, now)
        budget.learn_after()
    return replaced


def _solve(dispatcher: LiveDispatcher, group: Snapshot, given: float, budget: Budget) -> dict[str, Route] | None:
    from routing.dispatcher.reoptimise import solve_snapshot

    try:
        return solve_snapshot(dispatcher, group, given, deadline=budget.clock() + given, budget=budget)
    except Exception:  # the solver must never take the live plan down
        log.exception("re-optimisation of a group failed; its old plan stays")
        return None


def _in_child(dispatcher: LiveDispatcher, group: Snapshot, given: float,
              budget: Budget) -> Callable[[], dict[str, Route] | None]:
    """Start solving ``group`` in a forked process (another core); returns the function that waits for its routes
    (None if it failed or took far too long). Groups are disjoint, so both results can be swapped in."""
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def run() -> None:
        try:
            send.send(_solve(dispatcher, group, given, budget))
        finally:
            send.close()

    process = ctx.Process(target=run, daemon=True)
    process.start()
    send.close()

    def wait() -> dict[str, Route] | None:
        result: dict[str, Route] | None = None
        try:
            if receive.poll(max(CHILD_TIMEOUT_S, 20 * given)):
                result = receive.recv()
        except EOFError:
            log.warning("re-optimisation of a group in another process ended without a result")
        process.join(timeout=1.0)
        if process.is_alive():
            process.kill()
            process.join()
        receive.close()
        return result

    return wait
