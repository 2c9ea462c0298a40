"""The dispatcher's mutable state, guarded by the dispatcher's lock: routes, their schedules, commitments."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime

from mobility.domain.fleet import Vehicle
from mobility.domain.plan import StopVisit
from mobility.domain.rides import Offer
from routing.insertion import Durations, RequestSpec, Route, Schedule, TaskKind, lenient_schedule, relaxed


@dataclass(frozen=True, slots=True)
class Commitment:
    """A confirmed booking in the plan: the promise (offer), its constraints and the route that serves it."""

    booking_id: str
    offer: Offer
    spec: RequestSpec
    route_key: str
    boarded_at: int | None = None


@dataclass
class PlanState:
    """Routes per vehicle shift, cached schedules, commitments, driven visits and a change log.

    ``version`` grows with every change; ``changes`` records ``(version, kind, id)`` so a re-optimisation that
    solved an older snapshot can tell what happened meanwhile.
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

    def bump(self, kind: str, ident: str, at: datetime | None = None) -> None:
        """Record a change of kind ``kind`` (``confirm``, ``cancel``, ``event``, ``replace``) concerning ``ident``."""
        self.version += 1
        self.changes.append((self.version, kind, ident))
        if len(self.changes) > 10_000:
            del self.changes[:5_000]
        if at is not None:
            self.changed_at = at

    def put_route(self, route: Route, *, relax: bool = False) -> None:
        """Store ``route`` and its schedule; with ``relax`` widen limits the reality already broke."""
        if relax:
            route = relaxed(route, self.tt)
        sched, problems = lenient_schedule(route, self.tt)
        self.routes[route.key] = route
        self.schedules[route.key] = sched
        if problems:
            self.problems[route.key] = problems
        else:
            self.problems.pop(route.key, None)

    def searchable(self, earliest: int, latest: int) -> Iterator[tuple[Route, Schedule]]:
        """Routes in service whose shift overlaps ``[earliest, latest]`` and whose plan is feasible."""
        for key, route in self.routes.items():
            if (route.in_service and route.shift_end >= earliest and route.shift_start <= latest
                    and key not in self.problems):
                yield route, self.schedules[key]

    def routes_of(self, vehicle_id: str) -> list[Route]:
        """The shift routes of ``vehicle_id`` in shift order."""
        return sorted((r for r in self.routes.values() if r.vehicle_id == vehicle_id), key=lambda r: r.shift_start)

    def remove_request(self, route_key: str, request_id: str) -> Route:
        """Drop every task of ``request_id`` from the route (and from its on-board load); store and return it."""
        route = self.routes[route_key]
        tasks = tuple(t for t in route.tasks if t.request_id != request_id)
        new = replace(route, tasks=tasks)
        if request_id in route.boarded:
            spec = self.commitments[request_id].spec
            boarded = {k: v for k, v in route.boarded.items() if k != request_id}
            onboard = tuple(a - b for a, b in zip(route.onboard, spec.load, strict=True))
            new = replace(new, boarded=boarded, onboard=onboard)
        if route.pinned and (not tasks or route.tasks[0] != tasks[0]):
            new = replace(new, pinned=0)
            self.arrived.discard(route_key)
        self.put_route(new)
        return new

    def not_started(self, route_key: str) -> list[Commitment]:
        """Commitments of the route whose rider has not boarded yet, by pickup window."""
        ids = {t.request_id for t in self.routes[route_key].tasks if t.kind is TaskKind.PICKUP}
        found = [c for c in self.commitments.values() if c.booking_id in ids]
        return sorted(found, key=lambda c: (c.spec.pickup_earliest, c.booking_id))
