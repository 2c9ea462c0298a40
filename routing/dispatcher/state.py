"""The dispatcher's mutable state, guarded by the dispatcher's lock: routes, their schedules, commitments."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from operator import itemgetter

from mobility.domain.fleet import Vehicle
from mobility.domain.plan import StopVisit
from mobility.domain.rides import Offer
from routing.insertion import (
    Durations,
    Position,
    Reached,
    RequestSpec,
    Route,
    Schedule,
    TaskKind,
    lenient_schedule,
    relaxed,
)
from routing.insertion.reach import ReachIndex


@dataclass(frozen=True, slots=True)
class Commitment:
    """A confirmed booking in the plan: the promise (offer), its constraints and the route that serves it.

    ``held`` is the span (seconds) the pickup keeps once it came inside the commitment horizon
    (:mod:`routing.dispatcher.hold`): the plan begins it there, inside the promised window."""

    booking_id: str
    offer: Offer
    spec: RequestSpec
    route_key: str
    boarded_at: int | None = None
    held: tuple[int, int] | None = None


@dataclass
class PlanState:
    """Routes per vehicle shift, cached schedules, commitments, driven visits and a change log.

    ``version`` grows with every change; ``changes`` records ``(version, kind, id)`` so a re-optimisation that
    solved an older snapshot can tell what happened meanwhile. Routes are only ever added or replaced (never
    removed), always through :meth:`put_route`, which keeps two indexes — the route keys per vehicle in shift
    order and the routes ordered by shift start (so a search looks only at shifts near its time window) — and the
    per-node reach index (:meth:`reachable`), and notes the key in ``touched`` for the plan view
    (:meth:`take_touched`). A route's arrived flag, the driven
    visits of its vehicle and the commitments it serves change only together with a :meth:`put_route` of it.
    """

    tt: Durations
    vehicles: dict[str, Vehicle]
    routes: dict[str, Route] = field(default_factory=dict)
    schedules: dict[str, Schedule] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)
    commitments: dict[str, Commitment] = field(default_factory=dict)
    history: dict[str, list[StopVisit]] = field(default_factory=dict)
    arrived: set[str] = field(default_factory=set)
    version: int = 0
    changed_at: datetime | None = None
    changes: list[tuple[int, str, str]] = field(default_factory=list)
    by_vehicle: dict[str, list[str]] = field(default_factory=dict)
    _by_start: list[tuple[int, int, str]] = field(default_factory=list)
    _longest_shift: int = 0
    touched: set[str] = field(default_factory=set)
    duty_began: dict[str, int] = field(default_factory=dict)  # route key -> when the driver began the duty
    duty_ended: dict[str, int] = field(default_factory=dict)  # route key -> when the duty ended (driver or clock)
    reach: ReachIndex = field(init=False, repr=False, compare=False)  # see put_route and reachable

    def __post_init__(self) -> None:
        self.reach = ReachIndex(self.tt)

    def bump(self, kind: str, ident: str, at: datetime | None = None) -> None:
        """Record a change of ``kind`` (``confirm``, ``cancel``, ``event``, ``replace``, ``extend``) about ``ident``."""
        self.version += 1
        self.changes.append((self.version, kind, ident))
        if len(self.changes) > 10_000:
            del self.changes[:5_000]
        if at is not None:
            self.changed_at = at

    def put_route(self, route: Route, *, relax: bool = False) -> None:
        """Store ``route`` and its schedule; with ``relax`` widen limits the reality already broke."""
        sched, problems = lenient_schedule(route, self.tt)
        if relax and problems:  # (relaxed gives a route without problems back as it is: schedule it once)
            route = relaxed(route, self.tt)
            sched, problems = lenient_schedule(route, self.tt)
        if route.key not in self.routes:
            self._index(route)
        self.routes[route.key] = route
        self.schedules[route.key] = sched
        self.reach.put(route, sched)
        self.touched.add(route.key)
        if problems:
            self.problems[route.key] = problems
        else:
            self.problems.pop(route.key, None)

    def touch(self, key: str) -> None:
        """Note that route ``key``'s duty changed without a new route (began, ended) for the plan view."""
        self.touched.add(key)

    def take_touched(self) -> set[str]:
        """The keys of the routes stored since the last call (for the plan view)."""
        touched, self.touched = self.touched, set()
        return touched

    def _index(self, route: Route) -> None:
        """Register a new route key (its shift never changes afterwards) in both indexes."""
        keys = self.by_vehicle.setdefault(route.vehicle_id, [])
        starts = [self.routes[k].shift_start for k in keys]
        keys.insert(bisect_left(starts, route.shift_start + 1), route.key)  # after equal starts: a stable order
        insort(self._by_start, (route.shift_start, len(self.routes), route.key))
        self._longest_shift = max(self._longest_shift, route.shift_end - route.shift_start)

    def searchable(self, earliest: int, latest: int) -> Iterator[tuple[Route, Schedule]]:
        """Routes in service whose shift overlaps ``[earliest, latest]`` and whose plan is feasible.

        In the order the routes were added; only shifts starting in ``[earliest - longest shift, latest]`` are
        looked at.
        """
        lo = bisect_left(self._by_start, (earliest - self._longest_shift,))
        hi = bisect_left(self._by_start, (latest + 1,))
        near = sorted(self._by_start[lo:hi], key=itemgetter(1))
        found = [(self.routes[key], self.schedules[key]) for _, _, key in near if self._open(key, earliest, latest)]
        yield from found

    def _open(self, key: str, earliest: int, latest: int) -> bool:
        route = self.routes[key]
        return (route.in_service and route.shift_end >= earliest and route.shift_start <= latest
                and key not in self.problems and key not in self.duty_ended)

    def searchable_of(self, vehicle_id: str, earliest: int, latest: int) -> list[tuple[Route, Schedule]]:
        """:meth:`searchable` restricted to the routes of ``vehicle_id`` (in shift order)."""
        low = earliest - self._longest_shift
        return [(self.routes[k], self.schedules[k]) for k in self.by_vehicle.get(vehicle_id, ())
                if self.routes[k].shift_start >= low and self._open(k, earliest, latest)]

    def positions(self, spec: RequestSpec, now: int, wait_weight_pct: int) -> Iterator[Position]:
        """The positions of :meth:`reachable` by a lower bound of their candidates' cost (for
        :func:`routing.insertion.best_bounded`); a route's own checks are made when its first position comes."""
        earliest, latest, low = spec.pickup_earliest, spec.pickup_latest, spec.pickup_earliest - self._longest_shift
        found = self.reach.bounded(spec, now, wait_weight_pct)
        is_open: dict[str, bool] = {}
        for bound, key, i, base in found:
            ok = is_open.get(key)
            if ok is None:
                ok = is_open[key] = self.routes[key].shift_start >= low and self._open(key, earliest, latest)
            if ok:
                yield bound, self.routes[key], self.schedules[key], i, base

    def reachable(self, spec: RequestSpec, now: int) -> list[Reached]:
        """The routes of :meth:`searchable` (same order) with a position from which the generator tries the pickup
        of ``spec``, with those positions (:class:`routing.insertion.reach.ReachIndex`); the others yield nothing."""
        earliest, latest, low = spec.pickup_earliest, spec.pickup_latest, spec.pickup_earliest - self._longest_shift
        found: list[Reached] = []
        for reach in self.reach.query(spec, now):
            key = reach.key
            if self.routes[key].shift_start >= low and self._open(key, earliest, latest):
                found.append((self.routes[key], self.schedules[key], reach.nodes))
        return found

    def started_by(self, at: int) -> list[str]:
        """Keys of the routes whose shift starts at or before ``at``, by shift start."""
        return [key for _, _, key in self._by_start[:bisect_left(self._by_start, (at + 1,))]]

    def routes_of(self, vehicle_id: str) -> list[Route]:
        """The shift routes of ``vehicle_id`` in shift order."""
        return [self.routes[k] for k in self.by_vehicle.get(vehicle_id, ())]

    def remove_request(self, route_key: str, request_id: str, now_s: int | None = None) -> Route:
        """Drop every task of ``request_id`` from the route (and from its on-board load); store and return it
        (re-timed: a pickup that would now begin too early for its rider's ride limit is delayed in its window).

        If the vehicle was standing at the removed first task (``pinned``), it leaves from there no earlier than
        ``now_s``: the plan must not start its next drive in the past, while the vehicle was still waiting."""
        route = self.routes[route_key]
        tasks = tuple(t for t in route.tasks if t.request_id != request_id)
        new = replace(route, tasks=tasks)
        if request_id in route.boarded:
            spec = self.commitments[request_id].spec
            boarded = {k: v for k, v in route.boarded.items() if k != request_id}
            onboard = tuple(a - b for a, b in zip(route.onboard, spec.load, strict=True))
            new = replace(new, boarded=boarded, onboard=onboard)
        if route.pinned and (not tasks or route.tasks[0] != tasks[0]):
            new = replace(new, pinned=0, ready=max(route.ready, now_s) if now_s is not None else route.ready)
            self.arrived.discard(route_key)
        # with a task gone the vehicle is early for the next ones: a rider picked up at once could then ride too
        # long waiting later in the tour; relax delays such a pickup inside its window (the driver waits there)
        self.put_route(new, relax=True)
        return self.routes[route_key]

    def not_started(self, route_key: str) -> list[Commitment]:
        """Commitments of the route whose rider has not boarded yet, by pickup window."""
        ids = {t.request_id for t in self.routes[route_key].tasks if t.kind is TaskKind.PICKUP}
        found = [c for c in self.commitments.values() if c.booking_id in ids]
        return sorted(found, key=lambda c: (c.spec.pickup_earliest, c.booking_id))
