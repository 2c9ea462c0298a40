"""Duties: one vehicle × one shift × one service day — their ids, which one a driver works on, their views.

Inside the dispatcher a duty is a shift route (``vehicle@n``); outside it is a :class:`mobility.domain.plan.Duty`
with an id that stays the same across restarts (vehicle and local shift start).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from mobility.domain.german import day_and_time
from mobility.domain.plan import Duty, DutyStatus, StopVisit
from mobility.domain.stops import Stop
from routing.dispatcher.state import PlanState
from routing.dispatcher.timebase import TimeBase
from routing.insertion import Route, TaskKind

BEGIN_EARLY_S = 3600  # a duty can be begun up to an hour before its shift starts


class EventError(ValueError):
    """An event that does not fit the plan; the message is German (drivers and dispatchers read it)."""


def begin_if_needed(state: PlanState, route: Route, at: int, timebase: TimeBase) -> None:
    """Begin the duty of ``route`` at ``at`` unless it is under way; refuse events long before it or after its end."""
    if route.key in state.duty_ended:
        msg = "Dieser Dienst ist bereits beendet."
        raise EventError(msg)
    if route.key in state.duty_began:
        return
    if at < route.shift_start - BEGIN_EARLY_S:
        start = timebase.instant(route.shift_start)
        msg = f"Ihr Dienst beginnt erst {day_and_time(start, timebase.instant(at).date())}."
        raise EventError(msg)
    for other in state.routes_of(route.vehicle_id):  # the duty before it hands over, when nothing is left in it
        if (other.shift_start < route.shift_start and other.key in state.duty_began
                and other.key not in state.duty_ended and not has_rides(other)):
            end_duty(state, other, at)
    state.duty_began[route.key] = at
    state.touch(route.key)


def end_duty(state: PlanState, route: Route, at: int) -> None:
    """End the duty of ``route`` at ``at``: breaks not taken are dropped, nothing more is planned on it."""
    state.duty_began.setdefault(route.key, min(at, route.shift_end))
    state.duty_ended[route.key] = at
    state.arrived.discard(route.key)
    state.put_route(replace(route, tasks=(), ready=max(route.ready, min(at, route.shift_end)), pinned=0))


def duty_id(route: Route, timebase: TimeBase) -> str:
    """The stable id of the duty of ``route``: vehicle and local shift start (``bus-01-20261207-0530``)."""
    return f"{route.vehicle_id}-{timebase.instant(route.shift_start):%Y%m%d-%H%M}"


def on_break(state: PlanState, route: Route) -> bool:
    """Whether the driver of ``route`` is taking a break now (standing at a started break task)."""
    return route.key in state.arrived and bool(route.tasks) and route.tasks[0].kind is TaskKind.BREAK


def has_rides(route: Route) -> bool:
    """Whether ``route`` still has a pickup or drop-off to do (riders on board included)."""
    return any(t.kind is not TaskKind.BREAK for t in route.tasks) or any(route.onboard)


def current_route(state: PlanState, vehicle_id: str, at: int) -> Route | None:
    """The route a driver works on at ``at``: the duty under way, else the first duty not ended that is either not
    over yet or still has rides; None when every duty is over."""
    routes = state.routes_of(vehicle_id)
    for route in routes:
        if route.key in state.duty_began and route.key not in state.duty_ended:
            return route
    for route in routes:
        if route.key in state.duty_ended:
            continue
        if route.shift_end > at or has_rides(route):
            return route
    return None


def assign_duty(visits: Sequence[StopVisit], routes: Sequence[Route], timebase: TimeBase) -> dict[str, list[StopVisit]]:
    """Driven visits by duty id: their own ``duty_id``, else the last duty that started before them."""
    out: dict[str, list[StopVisit]] = {}
    starts = [(timebase.instant(r.shift_start), duty_id(r, timebase)) for r in routes]
    for visit in visits:
        key = visit.duty_id
        if key is None:
            key = starts[0][1] if starts else ""
            for start, ident in starts:
                if start <= visit.planned_arrival:
                    key = ident
        out.setdefault(key, []).append(visit)
    return out


def make_duty(state: PlanState, route: Route, *, timebase: TimeBase, depot: Stop, driven: Sequence[StopVisit],
              planned: Sequence[StopVisit]) -> Duty:
    """The domain duty of ``route`` with its driven and planned visits."""
    ident = duty_id(route, timebase)
    began = state.duty_began.get(route.key)
    ended = state.duty_ended.get(route.key)
    status = DutyStatus.PLANNED
    if ended is not None:
        status = DutyStatus.ENDED
    elif began is not None:
        status = DutyStatus.UNDER_WAY
    start = timebase.instant(route.shift_start)
    return Duty(
        id=ident, vehicle_id=route.vehicle_id, day=start.date(), start=start, end=timebase.instant(route.shift_end),
        depot=depot, visits=(*driven, *planned), status=status,
        began_at=None if began is None else timebase.instant(began),
        ended_at=None if ended is None else timebase.instant(ended),
        on_break_since=timebase.instant(route.ready) if on_break(state, route) else None,
        in_service=route.in_service,
    )


def depot_stops(state: PlanState, stops: Mapping[int, Stop]) -> dict[str, Stop]:
    """Each route's depot (where its shift ends) by route key."""
    return {key: stops[r.end_loc] for key, r in state.routes.items()}
