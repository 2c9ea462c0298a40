"""The live state as the domain's immutable Plan: per vehicle its driven and planned stop visits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from mobility.domain.plan import Plan, StopVisit, Tour, VisitKind, VisitStatus
from mobility.domain.rides import Load, TimeWindow
from mobility.domain.stops import Stop
from routing.dispatcher.state import PlanState
from routing.dispatcher.timebase import TimeBase
from routing.insertion import Route, Schedule, TaskKind

_KINDS = {TaskKind.PICKUP: VisitKind.PICKUP, TaskKind.DROPOFF: VisitKind.DROPOFF, TaskKind.BREAK: VisitKind.BREAK}


def route_visits(route: Route, sched: Schedule, *, stops: Mapping[int, Stop], timebase: TimeBase,
                 arrived: bool, pickup_earliest: Mapping[str, int]) -> list[StopVisit]:
    """The planned visits of one shift route with planned times, windows and loads."""
    at = timebase.instant
    visits = []
    for k, task in enumerate(route.tasks, start=1):
        if task.kind is TaskKind.DROPOFF:
            earliest = min(pickup_earliest.get(str(task.request_id), sched.begin[k]), task.latest)
        else:
            earliest = task.earliest
        status = VisitStatus.ARRIVED if arrived and k == 1 else VisitStatus.PLANNED
        visits.append(StopVisit(
            booking_id=task.request_id,
            kind=_KINDS[task.kind],
            stop=stops[task.loc],
            planned_arrival=at(sched.arrival[k]),
            planned_departure=at(sched.departure[k]),
            window=TimeWindow(at(earliest), at(max(earliest, task.latest))),
            load_after=Load(*sched.load_after[k]),
            status=status,
        ))
    return visits


def build_plan(state: PlanState, *, service_area: str, stops: Mapping[int, Stop], timebase: TimeBase,
               created_at: datetime) -> Plan:
    """The plan of every vehicle: visits already driven (DONE) followed by the planned visits of each shift."""
    pickup_earliest = {bid: c.spec.pickup_earliest for bid, c in state.commitments.items()}
    tours: dict[str, Tour] = {}
    for vehicle_id in state.vehicles:
        visits = list(state.history.get(vehicle_id, ()))
        for route in state.routes_of(vehicle_id):
            visits.extend(route_visits(route, state.schedules[route.key], stops=stops, timebase=timebase,
                                       arrived=route.key in state.arrived, pickup_earliest=pickup_earliest))
        tours[vehicle_id] = Tour(vehicle_id, tuple(visits))
    return Plan(service_area=service_area, version=state.version, created_at=created_at, tours=tours)
