"""Timing of a route: the forward pass (earliest schedule), the backward pass (latest begin) and the exact check.

Node 0 is the vehicle's start, nodes ``1..n`` its tasks, node ``n + 1`` the return to ``end_loc``.
The vehicle waits at its start rather than at the first task; elsewhere it waits at the task for the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from routing.insertion.model import LoadVector, Route, Task, TaskKind, add_load, fits, sub_load

Durations = Sequence[Sequence[int]]


class Infeasible(ValueError):
    """A route breaks a constraint; the message names the task and the constraint."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """Planned times per node (seconds), the load after each node and the latest feasible begin per node.

    ``latest[k]`` is the latest begin of service at node ``k`` that keeps every later window and the shift end,
    the no-show reserve included (ride times are not part of it; the exact check covers them). ``waited[k]`` sums
    the waiting at nodes 1..k. ``worst_end`` is when the vehicle would be back if
    the :data:`NO_SHOWS_RESERVED` riders with the longest waits still to be picked up did not show and the driver
    waited ``Route.no_show_wait_s`` for each.
    """

    arrival: list[int]
    begin: list[int]
    departure: list[int]
    load_after: list[LoadVector]
    latest: list[int]
    waited: list[int]
    locs: list[int]
    worst_end: int = 0

    @property
    def end_arrival(self) -> int:
        """When the vehicle is back at its end location (seconds)."""
        return self.arrival[-1]

    def drive_s(self, tt: Durations) -> int:
        """Total driving time of the route (seconds)."""
        return sum(tt[a][b] for a, b in zip(self.locs, self.locs[1:], strict=False))


def start_departure(route: Route, tt: Durations) -> int:
    """When the vehicle leaves its start: when ready, or later if the first task's window opens later."""
    if not route.tasks:
        return route.ready
    first = route.tasks[0]
    return max(route.ready, first.earliest - tt[route.start_loc][first.loc])


def schedule(route: Route, tt: Durations) -> Schedule:
    """The earliest schedule of ``route``; raises :class:`Infeasible` naming the first broken constraint."""
    return _forward(route, tt, None)


def lenient_schedule(route: Route, tt: Durations) -> tuple[Schedule, list[str]]:
    """The earliest schedule of ``route`` even if it breaks constraints, with every broken constraint named."""
    problems: list[str] = []
    return _forward(route, tt, problems), problems


def _fail(problems: list[str] | None, msg: str) -> None:
    if problems is None:
        raise Infeasible(msg)
    problems.append(msg)


def _forward(route: Route, tt: Durations, problems: list[str] | None) -> Schedule:
    locs = [route.start_loc, *(t.loc for t in route.tasks), route.end_loc]
    dep0 = start_departure(route, tt)
    arrival, begin, departure = [dep0], [dep0], [dep0]
    load = route.onboard
    load_after: list[LoadVector] = [load]
    waited = [0]
    if not fits(load, route.capacity):
        _fail(problems, f"route {route.key}: load on board {load} exceeds capacity {route.capacity}")
    pickup_done: dict[str, int] = dict(route.boarded)
    t = dep0
    extras: list[int] = []
    for k, task in enumerate(route.tasks, start=1):
        arr = t + tt[locs[k - 1]][task.loc]
        if task.kind is TaskKind.PICKUP:
            extras.append(_stay(route, task) - task.service_s)
        beg = max(arr, task.earliest)
        where = f"route {route.key}, task {k} ({task.kind} of {task.request_id})"
        if beg > task.latest:
            _fail(problems, f"{where}: begins at {beg}, after its latest {task.latest}")
        if task.kind is TaskKind.PICKUP:
            load = add_load(load, task.load)
            if not fits(load, route.capacity):
                _fail(problems, f"{where}: load {load} exceeds capacity {route.capacity}")
            pickup_done[str(task.request_id)] = beg + task.service_s
        elif task.kind is TaskKind.DROPOFF:
            ride_problem = _ride_problem(task.request_id, pickup_done, beg, task.max_ride_s)
            if ride_problem:
                _fail(problems, f"{where}: {ride_problem}")
            load = sub_load(load, task.load)
        t = beg + task.service_s
        arrival.append(arr)
        begin.append(beg)
        departure.append(t)
        load_after.append(load)
        waited.append(waited[-1] + beg - arr)
    end = t + tt[locs[-2]][route.end_loc]
    worst = end + sum(sorted(extras, reverse=True)[:NO_SHOWS_RESERVED])
    if end > route.shift_end:
        _fail(problems, f"route {route.key}: back at {end}, after the shift end {route.shift_end}")
    elif worst > route.shift_end:
        _fail(problems, f"route {route.key}: back at {worst} if riders do not show (no-show waits), "
                        f"after the shift end {route.shift_end}")
    arrival.append(end)
    begin.append(end)
    departure.append(end)
    load_after.append(load)
    waited.append(waited[-1])
    return Schedule(arrival, begin, departure, load_after, _latest(route, locs, tt), waited, locs, worst)


def _stay(route: Route, task: Task) -> int:
    """How long the vehicle may stay at ``task`` once its service could begin: a pickup's rider may not show,
    and the driver waits ``no_show_wait_s`` before leaving."""
    if task.kind is TaskKind.PICKUP:
        return max(task.service_s, route.no_show_wait_s)
    return task.service_s


def _ride_problem(request_id: str | None, pickup_done: dict[str, int], beg: int, limit: int | None) -> str:
    picked = pickup_done.get(str(request_id))
    if picked is None:
        return "drop-off before its pickup"
    if limit is not None and beg - picked > limit:
        return f"ride of {beg - picked} s exceeds its limit {limit} s"
    return ""


NO_SHOWS_RESERVED = 2  # the shift end holds if this many riders still to be picked up fail to show (not all of them)
MAX_PICKUP_DELAYS = 8  # rounds of delaying pickups before broken ride limits are widened


def relaxed(route: Route, tt: Durations) -> Route:
    """``route`` made feasible again after a driver event: first by delaying pickups, then by widening limits.

    A vehicle that is early (or a task gone) shifts the earliest schedule: a rider not yet on board may then be
    picked up so early that waiting later in the tour makes the ride too long. Such a pickup is delayed inside
    its window (its ``earliest`` raised: the driver waits), which keeps the promise. Only what delaying cannot
    repair — a late vehicle, a rider already on board — is widened to what the schedule now gives (reality broke
    the promise); the plan must still describe what will happen, and later insertions must keep those limits.
    """
    for _ in range(MAX_PICKUP_DELAYS):
        sched, problems = lenient_schedule(route, tt)
        if not problems:
            return route
        delayed = _delay_pickups(route, sched)
        if delayed is route:
            break
        route = delayed
    sched, problems = lenient_schedule(route, tt)
    if not problems:
        return route
    pickup_done = dict(route.boarded)
    tasks = []
    for k, task in enumerate(route.tasks, start=1):
        beg = sched.begin[k]
        new = task
        if beg > task.latest:
            new = replace(new, latest=beg)
        if task.kind is TaskKind.PICKUP:
            pickup_done[str(task.request_id)] = sched.departure[k]
        elif task.kind is TaskKind.DROPOFF and task.max_ride_s is not None:
            ride = beg - pickup_done.get(str(task.request_id), beg)
            if ride > task.max_ride_s:
                new = replace(new, max_ride_s=ride)
        tasks.append(new)
    return replace(route, tasks=tuple(tasks), shift_end=max(route.shift_end, sched.end_arrival))


def _delay_pickups(route: Route, sched: Schedule) -> Route:
    """``route`` with the pickups of riders whose ride is too long begun later, inside their windows."""
    pickup_at = {str(t.request_id): k for k, t in enumerate(route.tasks, start=1) if t.kind is TaskKind.PICKUP}
    raised: dict[int, int] = {}
    for k, task in enumerate(route.tasks, start=1):
        rid = str(task.request_id)
        if task.kind is not TaskKind.DROPOFF or task.max_ride_s is None or rid not in pickup_at:
            continue
        kp = pickup_at[rid]
        pickup = route.tasks[kp - 1]
        need = sched.begin[k] - task.max_ride_s - pickup.service_s  # the pickup must not begin before this
        if sched.begin[kp] < need <= pickup.latest:
            raised[kp - 1] = need
    if not raised:
        return route
    tasks = tuple(replace(t, earliest=max(t.earliest, raised[n])) if n in raised else t
                  for n, t in enumerate(route.tasks))
    return replace(route, tasks=tasks)


def _latest(route: Route, locs: list[int], tt: Durations) -> list[int]:
    n = len(route.tasks)
    latest = [0] * (n + 2)
    latest[n + 1] = plain = route.shift_end
    largest: list[int] = []  # the NO_SHOWS_RESERVED largest no-show waits (beyond service) from here on
    for k in range(n, 0, -1):
        task = route.tasks[k - 1]
        drive = tt[locs[k]][locs[k + 1]]
        plain -= drive + task.service_s
        if task.kind is TaskKind.PICKUP:
            largest = sorted([*largest, _stay(route, task) - task.service_s], reverse=True)[:NO_SHOWS_RESERVED]
        # latest begin here if the riders with the longest waits still to be picked up fail to show
        latest[k] = min(task.latest, latest[k + 1] - task.service_s - drive, plain - sum(largest))
    latest[0] = latest[1] - tt[locs[0]][locs[1]] if n else route.shift_end - tt[locs[0]][locs[1]]
    return latest


def check(route: Route, tt: Durations) -> list[str]:
    """Every broken constraint of ``route`` (empty when feasible): windows, capacity, precedence, ride times."""
    try:
        schedule(route, tt)
    except Infeasible as exc:
        return [str(exc)]
    seen: set[str] = set(route.boarded)
    problems: list[str] = []
    for task in route.tasks:
        rid = str(task.request_id)
        if task.kind is TaskKind.PICKUP:
            if rid in seen:
                problems.append(f"route {route.key}: request {rid} picked up twice")
            seen.add(rid)
        elif task.kind is TaskKind.DROPOFF:
            if rid not in seen:
                problems.append(f"route {route.key}: request {rid} dropped off before pickup")
            seen.discard(rid)
    if seen:
        problems.append(f"route {route.key}: requests {sorted(seen)} never dropped off")
    return problems
