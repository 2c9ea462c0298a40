"""The snapshot of the live plan as a routing.darp problem, and the solver's routes back as insertion routes.

Times become seconds since ``base`` (the earliest instant the snapshot needs, so all are non-negative). Riders on
board are pinned to their vehicle; every booking is must-serve with the windows of its tasks (its promise,
widened only where reality already broke it); a vehicle driving to or standing at its first task keeps it first.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from routing.darp import (
    CostBreakdown,
    DarpProblem,
    Request,
    Solution,
    Status,
    TimeWindow,
    Vehicle,
    Visit,
    VisitKind,
)
from routing.darp import Route as DarpRoute
from routing.insertion import Route, Schedule, Task, TaskKind, schedule

if TYPE_CHECKING:
    from mobility.domain.ports import TravelTimes
    from routing.dispatcher.live import LiveDispatcher
    from routing.dispatcher.reoptimise import Snapshot

_KIND = {TaskKind.PICKUP: VisitKind.PICKUP, TaskKind.DROPOFF: VisitKind.DROPOFF}


def en_route(route: Route, sched: Schedule, now_s: int) -> bool:
    """Whether the vehicle has left for (or stands at) its first task, which therefore stays first."""
    return bool(route.tasks) and (route.pinned > 0 or sched.departure[0] < now_s)


def _start(route: Route, sched: Schedule, now_s: int) -> int:
    return route.ready if en_route(route, sched, now_s) else max(route.ready, now_s)


class SubTravel:
    """The travel matrix restricted to the locations of one problem, as nested lists (fast scalar access).

    The solver's compilation asks for every pair of the problem's locations one by one; on the district's
    numpy stop matrix those scalar reads cost more than the whole search budget of a short re-optimisation.
    Other locations fall through to the full matrix.
    """

    def __init__(self, travel: TravelTimes, locations: Iterable[int]) -> None:
        self._travel = travel
        used = sorted(set(locations))
        self._used = used
        self._pos = {loc: k for k, loc in enumerate(used)}
        self._dur = _sub_table(travel, "durations", used, travel.duration)
        self._dist = _sub_table(travel, "distances", used, travel.distance)

    def __len__(self) -> int:
        return len(self._travel)

    @property
    def durations(self) -> Any:
        """The full duration table of the underlying travel times, if it has one (the solver's compile reads the
        problem's sub-matrix from it in one numpy indexing operation); ``None`` otherwise."""
        return getattr(self._travel, "durations", None)

    @property
    def distances(self) -> Any:
        """The full distance table of the underlying travel times, if it has one; ``None`` otherwise."""
        return getattr(self._travel, "distances", None)

    def tables_for(self, used: list[int]) -> tuple[list[list[int]], list[list[int]]] | None:
        """The duration and distance tables between ``used`` (in that order) as kept here, if these are exactly
        its locations (the solver's compilation picks its node rows from them instead of converting again)."""
        return (self._dur, self._dist) if used == self._used else None

    def duration(self, origin: int, destination: int) -> int:
        """Driving time (seconds)."""
        pos = self._pos
        if origin in pos and destination in pos:
            return self._dur[pos[origin]][pos[destination]]
        return self._travel.duration(origin, destination)

    def distance(self, origin: int, destination: int) -> int:
        """Driving distance (metres)."""
        pos = self._pos
        if origin in pos and destination in pos:
            return self._dist[pos[origin]][pos[destination]]
        return self._travel.distance(origin, destination)


def _sub_table(travel: TravelTimes, name: str, used: list[int], scalar: Callable[[int, int], int]) -> list[list[int]]:
    matrix = getattr(travel, name, None)
    if matrix is not None and hasattr(matrix, "take"):  # numpy: one fancy-indexing read
        table: list[list[int]] = matrix.take(used, axis=0).take(used, axis=1).tolist()
        return table
    return [[scalar(a, b) for b in used] for a in used]


@dataclass(frozen=True)
class Stated:
    """A snapshot as a solver problem: the problem, the current plan as initial solution, the time base (s),
    the routes whose first task must stay first, and which part of each route every solver vehicle stands for."""

    problem: DarpProblem
    initial: Solution
    base: int
    en_route: frozenset[str]
    parts: Mapping[str, Part]
    begins: Mapping[str, list[int]] = field(default_factory=dict)  # route key -> planned begin per node now


@dataclass(frozen=True)
class Part:
    """The stretch of a route between two breaks (or its start / end) that one solver vehicle plans."""

    route_key: str
    index: int  # 0: from the route's start; k: after its k-th break
    first: int  # task indices [first, stop) of the route
    stop: int


def _parts(route: Route, whole_shift: bool, cut: int | None = None) -> list[Part]:
    """The route's stretches: before its first break only (and before task ``cut``, where the vehicle is empty:
    the time partition of a live re-optimisation), or (``whole_shift``) every stretch between breaks."""
    breaks = [n for n, t in enumerate(route.tasks) if t.kind is TaskKind.BREAK]
    if not whole_shift or not breaks:
        stop = breaks[0] if breaks else len(route.tasks)
        return [Part(route.key, 0, 0, stop if cut is None else min(stop, cut))]
    bounds = [-1, *breaks, len(route.tasks)]
    return [Part(route.key, k, a + 1, b) for k, (a, b) in enumerate(itertools.pairwise(bounds))]


def _split(route: Route) -> int:
    """Index of the route's first break (the solver re-plans the tasks before it), or the number of tasks."""
    return next((n for n, t in enumerate(route.tasks) if t.kind is TaskKind.BREAK), len(route.tasks))


def time_cut(route: Route, sched: Schedule, after_s: int) -> int:
    """The first task index ``c`` whose task begins after ``after_s`` with nobody on board before it (the
    vehicle is empty after task ``c - 1``): the tasks from ``c`` on stay as they are. The number of tasks when
    there is none."""
    for c in range(1, len(route.tasks)):
        if sched.begin[c + 1] > after_s and not any(sched.load_after[c]):
            return c
    return len(route.tasks)


def to_problem(dispatcher: LiveDispatcher, snap: Snapshot) -> Stated | None:
    """The snapshot as a solver problem plus the current plan as its initial solution; None if not expressible.

    No rider sits through a break. Normally only the tasks before each route's next break are re-planned: the
    vehicle must reach the break's stop in time for the rest of its route, which stays as it is. With
    ``snap.whole_shift`` (the batch plan of a day) every stretch between breaks is a solver vehicle of its own:
    it starts at the break's stop when the break as planned now ends and must reach the next break's stop by the
    time that break begins now, so rides move freely between stretches and vehicles while the breaks stay.
    """
    tt = dispatcher.durations
    known = snap.schedules  # taken with the routes under the lock (routes with problems are not in a snapshot)
    scheds = {k: known[k] if k in known else schedule(r, tt) for k, r in snap.routes.items()}
    boarded = [t for r in snap.routes.values() for t in r.boarded.values()]
    base = min([snap.now_s, *boarded, *(r.ready for r in snap.routes.values())])
    promised = {rid: max(c.spec.pickup_earliest, c.held[0]) if c.held else c.spec.pickup_earliest
                for rid, c in snap.commitments.items()}  # a held pickup: from its held span on
    vehicles, requests, initial = [], [], []
    moving: set[str] = set()
    parts: dict[str, Part] = {}
    for key, route in snap.routes.items():
        sched = scheds[key]
        pinned = en_route(route, sched, snap.now_s)
        if pinned and min(_split(route), snap.cut.get(key, len(route.tasks))) == 0:
            continue  # the driver is on the way to or in a break: this route stays as it is
        if pinned:
            moving.add(key)
        for part in _parts(route, snap.whole_shift, snap.cut.get(key)):
            stated = _state_part(route, sched, part, now_s=snap.now_s, base=base, promised=promised, pinned=pinned,
                                 whole_shift=snap.whole_shift, reserve=snap.end_reserve.get(key, 0))
            if stated is None:
                return None
            vehicle, made, darp_route = stated
            if vehicle.shift.earliest + tt[vehicle.start][vehicle.end] > vehicle.shift.latest:
                if made:  # riders, but no time to reach the end (reality is late): not expressible
                    return None
                continue  # an idle stretch the plan is already late for: it stays as it is
            parts[vehicle.id] = part
            vehicles.append(vehicle)
            requests.extend(made)
            initial.append(darp_route)
    if not vehicles:
        return None
    locations = [x for v in vehicles for x in (v.start, v.end)] + [x for r in requests for x in (r.pickup, r.dropoff)]
    problem = DarpProblem(tuple(requests), tuple(vehicles), SubTravel(dispatcher.travel, locations))
    zero = CostBreakdown(0, 0, 0, 0, 0, 0, 0)
    return Stated(problem, Solution(tuple(initial), (), zero, Status.FEASIBLE), base, frozenset(moving), parts,
                  {k: scheds[k].begin for k in snap.routes})


def _state_part(route: Route, sched: Schedule, part: Part, *, now_s: int, base: int, promised: Mapping[str, int],
                pinned: bool, whole_shift: bool, reserve: int = 0) -> tuple[Vehicle, list[Request], DarpRoute] | None:
    """One stretch of ``route`` as a solver vehicle, its requests and its current visits (None: not expressible)."""
    tasks = route.tasks
    ident = route.key if part.index == 0 else f"{route.key}#{part.index}"
    if part.index == 0:
        start_loc, start = route.start_loc, _start(route, sched, now_s) - base
        depart = sched.departure[0] - base
    else:  # after a break: where it is taken, when it ends as planned now
        brk = part.first  # node index of the break = task index + 1 = part.first
        start_loc, start = tasks[part.first - 1].loc, sched.departure[brk] - base
        depart = start
    if part.stop < len(tasks):  # up to the next break: its stop, by its latest begin (whole shift: as planned now,
        end_loc = tasks[part.stop].loc  # for the next stretch starts when that break ends now)
        latest_end = sched.begin[part.stop + 1] if whole_shift else sched.latest[part.stop + 1]
    else:
        end_loc, latest_end = route.end_loc, _solver_end(route, sched, reserve)
    if latest_end - base < start:
        return None
    first_task = tasks[0] if part.index == 0 and part.stop > 0 else None
    vehicle = Vehicle(ident, route.capacity, start_loc, end_loc, TimeWindow(start, latest_end - base),
                      fixed_next=first_task.request_id if pinned and first_task is not None else None)
    made = _requests(route, part, ident, base, promised)
    if made is None:
        return None
    visits = tuple(Visit(str(t.request_id), _KIND[t.kind], t.loc, sched.begin[k] - base, sched.load_after[k])
                   for k, t in enumerate(tasks[part.first:part.stop], start=part.first + 1))
    return vehicle, made, DarpRoute(ident, visits, depart, sched.arrival[part.stop + 1] - base)


def _solver_end(route: Route, sched: Schedule, learnt: int = 0) -> int:
    """When the solver's vehicle must be back: the shift end less the no-show reserve, which the solver does not
    model — what the current plan keeps back, and two no-show waits (or what an earlier plan of this route turned
    out to need, ``learnt``) unless the current plan is already later (the exact check of the new plan has the last
    word)."""
    kept = route.shift_end - max(0, sched.worst_end - sched.end_arrival)
    return min(kept, max(sched.end_arrival, route.shift_end - max(2 * route.no_show_wait_s, learnt)))


def _requests(route: Route, part: Part, ident: str, base: int, promised: Mapping[str, int]) -> list[Request] | None:
    stretch = route.tasks[part.first:part.stop]
    pickups = {t.request_id: t for t in stretch if t.kind is TaskKind.PICKUP}
    drops = [t for t in stretch if t.kind is TaskKind.DROPOFF]
    aboard = set(route.boarded) if part.index == 0 else set()
    if set(pickups) - {t.request_id for t in drops} or aboard - {t.request_id for t in drops}:
        return None  # a rider would sit through the break
    out = []
    for drop in drops:
        rid = str(drop.request_id)
        dropoff_window = TimeWindow(0, drop.latest - base) if drop.latest >= base else None
        if dropoff_window is None:
            return None
        if rid in aboard:
            out.append(Request(rid, route.start_loc, drop.loc, drop.load, dropoff_window=dropoff_window,
                               dropoff_service_s=drop.service_s, max_ride_s=drop.max_ride_s, must_serve=True,
                               onboard=ident, picked_up_at=route.boarded[rid] - base))
            continue
        pick = pickups.get(rid)
        if pick is None or pick.latest < base:
            return None
        earliest = min(pick.earliest, promised.get(rid, pick.earliest))  # a re-plan may have fixed it later
        window = TimeWindow(max(0, earliest - base), pick.latest - base)
        out.append(Request(rid, pick.loc, drop.loc, drop.load, pickup_window=window, dropoff_window=dropoff_window,
                           pickup_service_s=pick.service_s, dropoff_service_s=drop.service_s,
                           max_ride_s=drop.max_ride_s, must_serve=True))
    return out


def routes_from_solution(snap: Snapshot, solution: Solution, stated: Stated) -> dict[str, Route]:
    """The solver's routes as insertion routes: each stretch's tasks in the solver's order, the breaks where they
    were, and (when only the first stretch was re-planned) everything after the first break unchanged."""
    tasks: dict[tuple[str, VisitKind], Task] = {}
    for route in snap.routes.values():
        for t in route.tasks:
            if t.kind is not TaskKind.BREAK:
                tasks[str(t.request_id), _KIND[t.kind]] = t
    planned: dict[str, dict[int, list[Task]]] = {}
    for darp_route in solution.routes:
        part = stated.parts[darp_route.vehicle_id]
        # pickups begin when the solver planned them (inside the promised window): that keeps ride times short
        planned.setdefault(part.route_key, {})[part.index] = [
            replace(tasks[v.request_id, v.kind], earliest=v.start_s + stated.base)
            if v.kind is VisitKind.PICKUP else tasks[v.request_id, v.kind] for v in darp_route.visits]
    out: dict[str, Route] = {}
    for key, stretches in planned.items():
        old = snap.routes[key]
        new_tasks: list[Task] = []
        done = 0
        for part in sorted((p for p in stated.parts.values() if p.route_key == key), key=lambda p: p.index):
            new_tasks.extend(old.tasks[done:part.first])  # the break before this stretch
            new_tasks.extend(stretches.get(part.index, old.tasks[part.first:part.stop]))
            done = part.stop
        # the tasks left as they are keep their planned pickups: a vehicle that now comes earlier waits there, so
        # no ride after the re-planned stretch grows
        begins = stated.begins.get(key)
        new_tasks.extend(replace(t, earliest=max(t.earliest, begins[n + 1]))
                         if begins is not None and t.kind is TaskKind.PICKUP else t
                         for n, t in enumerate(old.tasks[done:], start=done))
        keep_pin = old.pinned > 0 and bool(old.tasks) and bool(new_tasks) and new_tasks[0] == old.tasks[0]
        ready = old.ready if old.key in stated.en_route else max(old.ready, snap.now_s)
        out[old.key] = replace(old, tasks=tuple(new_tasks), pinned=1 if keep_pin else 0, ready=ready)
    return out
