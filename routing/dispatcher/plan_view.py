"""The live state as the domain's immutable Plan: per vehicle its driven and planned stop visits.

Building every visit of every shift anew (thousands of datetimes) after each change made the plan expensive
(~80 ms for 40 vehicles and 16 days of shifts); :class:`PlanView` keeps the converted visits of each shift route
and each vehicle's tour and converts again only what changed since its last call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from mobility.domain.plan import Duty, Plan, StopVisit, Tour, VisitKind, VisitStatus
from mobility.domain.rides import Load, TimeWindow
from mobility.domain.stops import Stop
from routing.dispatcher.duties import assign_duty, duty_id, make_duty
from routing.dispatcher.state import PlanState
from routing.dispatcher.timebase import TimeBase
from routing.insertion import Route, Schedule, TaskKind

_KINDS = {TaskKind.PICKUP: VisitKind.PICKUP, TaskKind.DROPOFF: VisitKind.DROPOFF, TaskKind.BREAK: VisitKind.BREAK}


Made = dict[tuple[int, ...], StopVisit]  # a route's visits by (id of the task, its times, load and window)


def route_visits(route: Route, sched: Schedule, *, stops: Mapping[int, Stop], timebase: TimeBase,
                 arrived: bool, pickup_earliest: Mapping[str, int],
                 promised_latest: Mapping[str, int] | None = None, reuse: Made | None = None,
                 made: Made | None = None) -> list[StopVisit]:
    """The planned visits of one shift route with planned times, windows and loads.

    A pickup's window ends where the promise ends (``promised_latest``), not at the earlier latest begin the plan
    keeps itself to (reserve, commitment horizon).

    A break's planned arrival is when it begins (not when the vehicle gets there) and its planned departure when it
    ends. ``reuse`` (what ``made`` collected at the route's previous conversion, whose tasks must still be alive)
    gives back the visit of a task whose times, load and window did not change instead of a new one."""
    at = timebase.instant
    duty = duty_id(route, timebase)
    visits = []
    for k, task in enumerate(route.tasks, start=1):
        if task.kind is TaskKind.DROPOFF:
            earliest = min(pickup_earliest.get(str(task.request_id), sched.begin[k]), task.latest)
        else:
            earliest = task.earliest
        latest = task.latest
        if task.kind is TaskKind.PICKUP and promised_latest:
            latest = max(latest, promised_latest.get(str(task.request_id), latest))
        here = arrived and k == 1
        arrival = sched.begin[k] if task.kind is TaskKind.BREAK else sched.arrival[k]
        key = (id(task), arrival, sched.departure[k], earliest, latest, here, *sched.load_after[k])
        visit = reuse.get(key) if reuse is not None else None
        if visit is None:
            visit = StopVisit(
                booking_id=task.request_id,
                kind=_KINDS[task.kind],
                stop=stops[task.loc],
                planned_arrival=at(arrival),
                planned_departure=at(sched.departure[k]),
                window=TimeWindow(at(earliest), at(max(earliest, latest))),
                load_after=Load(*sched.load_after[k]),
                status=VisitStatus.ARRIVED if here else VisitStatus.PLANNED,
                duty_id=duty,
            )
        if made is not None:
            made[key] = visit
        visits.append(visit)
    return visits


class PlanView:
    """Builds the immutable Plan from the live state, converting only the routes and tours that changed.

    The routes to convert again are those stored since the last build (:meth:`PlanState.take_touched`); a
    vehicle's tour is assembled again when one of its routes or its driven visits changed. Unchanged tours are
    the same :class:`Tour` objects as in the previous plan.
    """

    def __init__(self, *, service_area: str, stops: Mapping[int, Stop], timebase: TimeBase) -> None:
        self._service_area = service_area
        self._stops = stops
        self._timebase = timebase
        self._routes: dict[str, tuple[StopVisit, ...]] = {}
        self._tours: dict[str, tuple[Sequence[StopVisit], int, Tour]] = {}  # history list, its length, tour
        self._duties: dict[str, tuple[Duty, ...]] = {}  # per vehicle
        self._tour_map: dict[str, Tour] = {}  # the last plan's tours, in the fleet's order
        self._duty_map: dict[str, Duty] = {}  # the last plan's duties, by vehicle in the fleet's order
        self._history: object = None  # the state's history as last seen (a restore replaces it)
        self._made: dict[str, tuple[Route, Made]] = {}  # per route its last conversion (see route_visits)

    def build(self, state: PlanState, created_at: datetime) -> Plan:
        """The plan of every vehicle: visits already driven (DONE) followed by the planned visits of each shift.

        Only vehicles with a route stored since the last build are looked at (every driven visit comes with a
        new route of its vehicle); all of them after a restore or when the fleet changed."""
        changed: set[str] = set()
        for key in state.take_touched():
            self._routes[key] = self._convert(state, key)
            changed.add(state.routes[key].vehicle_id)
        if state.history is not self._history or self._tour_map.keys() != state.vehicles.keys():
            self._history = state.history
            self._tour_map = {vehicle_id: self._tour(state, vehicle_id, changed) for vehicle_id in state.vehicles}
            self._duty_map = {d.id: d for v in state.vehicles for d in self._duties[v]}
            changed.clear()
        same_duties = True
        for vehicle_id in changed:
            old = self._duties[vehicle_id]
            self._tour_map[vehicle_id] = self._tour(state, vehicle_id, changed)
            new = self._duties[vehicle_id]
            if same_duties and [d.id for d in old] == [d.id for d in new]:
                self._duty_map.update((d.id, d) for d in new)  # same keys: the order stays
            else:
                same_duties = False
        if not same_duties:
            self._duty_map = {d.id: d for v in state.vehicles for d in self._duties[v]}
        return Plan(service_area=self._service_area, version=state.version, created_at=created_at,
                    tours=dict(self._tour_map), duties=dict(self._duty_map))

    def _tour(self, state: PlanState, vehicle_id: str, changed: set[str]) -> Tour:
        """The vehicle's tour (and duties), assembled again if its routes or its driven visits changed."""
        history = state.history.get(vehicle_id, ())
        known = self._tours.get(vehicle_id)
        if known is None or vehicle_id in changed or known[0] is not history or known[1] != len(history):
            planned = (v for key in state.by_vehicle.get(vehicle_id, ()) for v in self._route(state, key))
            known = (history, len(history), Tour(vehicle_id, (*history, *planned)))
            self._tours[vehicle_id] = known
            self._duties[vehicle_id] = self._vehicle_duties(state, vehicle_id, history)
        return known[2]

    def _vehicle_duties(self, state: PlanState, vehicle_id: str, history: Sequence[StopVisit]) -> tuple[Duty, ...]:
        keys = state.by_vehicle.get(vehicle_id, ())
        routes = [state.routes[k] for k in keys]
        driven = assign_duty(history, routes, self._timebase)
        return tuple(make_duty(state, r, timebase=self._timebase, depot=self._stops[r.end_loc],
                               driven=driven.get(duty_id(r, self._timebase), ()), planned=self._route(state, r.key))
                     for r in routes)

    def _route(self, state: PlanState, key: str) -> tuple[StopVisit, ...]:
        visits = self._routes.get(key)
        if visits is None:
            visits = self._routes[key] = self._convert(state, key)
        return visits

    def _convert(self, state: PlanState, key: str) -> tuple[StopVisit, ...]:
        route = state.routes[key]
        earliest, latest = {}, {}
        for task in route.tasks:
            c = state.commitments.get(str(task.request_id)) if task.kind is not TaskKind.BREAK else None
            if c is not None:
                earliest[c.booking_id] = c.spec.pickup_earliest
                latest[c.booking_id] = c.spec.pickup_latest
        before = self._made.get(key)
        made: Made = {}
        visits = tuple(route_visits(route, state.schedules[key], stops=self._stops, timebase=self._timebase,
                                    arrived=key in state.arrived, pickup_earliest=earliest, promised_latest=latest,
                                    reuse=before[1] if before is not None else None, made=made))
        self._made[key] = (route, made)  # the route keeps its tasks (and so their ids) alive
        return visits
