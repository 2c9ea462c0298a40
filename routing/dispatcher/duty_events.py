"""Events of a driver's duty (begin, end, break begin, break end) and the clock that closes the past.

A duty is begun by the driver (or implicitly by the first event of its tasks) no more than an hour before its shift
starts, and ended by the driver once no ride is left, from half an hour before its shift ends (an earlier end is the
control room's decision: it takes the vehicle out of service). A break is begun at its planned place, once every
ride before it is done and nobody is on board, and ends when the driver ends it — or, at the latest, when the clock
reaches its planned end. The clock also closes a break whose time passed without the driver (it is then taken as
planned) and ends the duties whose shift is over with nothing left to drive. Errors carry a German message.
"""

from __future__ import annotations

from dataclasses import replace

from mobility.domain.events import Event
from routing.dispatcher.duties import (
    BEGIN_EARLY_S,
    begin_if_needed,
    current_route,
    duty_id,
    end_duty,
    has_rides,
    on_break,
)
from routing.dispatcher.events import EventContext, EventError, leave, visit_of
from routing.dispatcher.state import PlanState
from routing.insertion import Route, TaskKind

BREAK_EARLY_S = 1800  # a break can be begun up to 30 minutes before its window opens
END_GRACE_S = 1800  # a duty under way with nothing left ends by the clock 30 minutes after its shift
END_EARLY_S = 1800  # the driver can end a duty up to 30 minutes before its shift ends (earlier: the control room)


def _route_now(state: PlanState, event: Event, ctx: EventContext) -> tuple[Route, int]:
    if event.vehicle_id not in state.vehicles:
        msg = f"Das Fahrzeug {event.vehicle_id} ist unbekannt."
        raise EventError(msg)
    at = ctx.timebase.seconds(event.at)
    route = current_route(state, event.vehicle_id, at)
    if route is None:
        msg = "Für dieses Fahrzeug ist kein Dienst mehr geplant."
        raise EventError(msg)
    return route, at


def duty_started(state: PlanState, event: Event, ctx: EventContext) -> list[str]:
    """The driver begins the current duty; a late start moves the first departure."""
    route, at = _route_now(state, event, ctx)
    if route.key in state.duty_began:
        following = _next_duty(state, route, at)
        if following is None:
            return []  # begun already (a repeated report changes nothing)
        route = following  # the duty under way has nothing left and the next one may begin: a handover
    begin_if_needed(state, route, at, ctx.timebase)
    if at > route.ready and not route.pinned and route.start_loc == route.end_loc:
        state.put_route(replace(route, ready=at), relax=True)
    return []


def _next_duty(state: PlanState, route: Route, at: int) -> Route | None:
    """The vehicle's next duty after ``route`` if ``route`` has nothing left and the next may begin at ``at``."""
    if has_rides(route):
        return None
    for other in state.routes_of(route.vehicle_id):
        if (other.shift_start > route.shift_start and other.key not in state.duty_ended
                and at >= other.shift_start - BEGIN_EARLY_S):
            return other
    return None


def duty_ended(state: PlanState, event: Event, ctx: EventContext) -> list[str]:
    """The driver ends the current duty: only when no ride is left; breaks not taken are dropped."""
    route, at = _route_now(state, event, ctx)
    if route.key not in state.duty_began:
        begin_if_needed(state, route, at, ctx.timebase)  # a duty far ahead cannot be ended (a stale second press)
    if has_rides(route):
        n = sum(1 for t in route.tasks if t.kind is not TaskKind.BREAK)
        msg = f"Der Dienst kann noch nicht beendet werden: {n} Halt(e) mit Fahrgästen sind noch geplant."
        raise EventError(msg)
    if at < route.shift_end - END_EARLY_S:
        end = ctx.timebase.instant(route.shift_end)
        msg = (f"Der Dienst geht bis {end:%H:%M} Uhr und kann ab "
               f"{ctx.timebase.instant(route.shift_end - END_EARLY_S):%H:%M} Uhr beendet werden. "
               "Für ein früheres Ende bitte die Leitstelle anrufen.")
        raise EventError(msg)
    end_duty(state, route, at)
    return []


def break_started(state: PlanState, event: Event, ctx: EventContext) -> list[str]:
    """The driver begins the break at its planned place (the manifest sent the vehicle there): the next drive starts
    from there when the break ends."""
    route, at = _route_now(state, event, ctx)
    if on_break(state, route):
        return []
    k = next((n for n, t in enumerate(route.tasks) if t.kind is TaskKind.BREAK), -1)
    if k < 0:
        msg = "In diesem Dienst ist keine Pause (mehr) geplant."
        raise EventError(msg)
    if any(route.onboard):
        msg = "Eine Pause ist nicht möglich, solange Fahrgäste an Bord sind."
        raise EventError(msg)
    before = [t for t in route.tasks[:k] if t.kind is not TaskKind.BREAK]
    if before:
        name = ctx.stops[before[0].loc].name
        msg = f"Vor der Pause sind noch {len(before)} Halt(e) geplant, als Nächstes {name}."
        raise EventError(msg)
    task = route.tasks[k]
    if at < task.earliest - BREAK_EARLY_S:
        msg = f"Die Pause kann frühestens ab {ctx.timebase.instant(task.earliest - BREAK_EARLY_S):%H:%M} Uhr beginnen."
        raise EventError(msg)
    begin_if_needed(state, route, at, ctx.timebase)
    taken = replace(task, earliest=at, latest=max(task.latest, at))  # at its planned place, where the manifest sent
    state.put_route(replace(route, tasks=(taken, *route.tasks[k + 1:]), start_loc=task.loc, ready=at, pinned=1),
                    relax=True)
    state.arrived.add(route.key)
    return []


def break_ended(state: PlanState, event: Event, ctx: EventContext) -> list[str]:
    """The driver ends the break: the vehicle is ready from now where it stands."""
    route, at = _route_now(state, event, ctx)
    if not on_break(state, route):
        msg = "Es läuft gerade keine Pause."
        raise EventError(msg)
    leave(state, route, route.tasks[0], at, ctx)
    return []


def advance(state: PlanState, now_s: int, ctx: EventContext) -> bool:
    """Close what the clock closes up to ``now_s``; True when something changed."""
    changed = False
    for key in state.started_by(now_s):
        route = state.routes[key]
        if key in state.duty_ended:
            continue
        if on_break(state, route):
            end = route.ready + route.tasks[0].service_s
            if end <= now_s:
                leave(state, route, route.tasks[0], end, ctx)
                changed = True
                route = state.routes[key]
        elif route.tasks and route.tasks[0].kind is TaskKind.BREAK and key not in state.arrived:
            task = route.tasks[0]
            begin = state.schedules[key].begin[1]
            if begin + task.service_s <= now_s:  # its time passed without the driver: taken as planned
                state.history.setdefault(route.vehicle_id, []).append(visit_of(
                    task, ctx.stops[route.start_loc], begin + task.service_s, route.onboard, ctx,
                    duty=duty_id(route, ctx.timebase), began=begin))
                route = replace(route, tasks=route.tasks[1:], ready=max(route.ready, begin + task.service_s))
                state.put_route(route, relax=True)
                changed = True
        if route.shift_end <= now_s and not has_rides(route):
            if key not in state.duty_began:
                end_duty(state, route, route.shift_end)
                changed = True
            elif route.shift_end + END_GRACE_S <= now_s:
                end_duty(state, route, route.shift_end + END_GRACE_S)
                changed = True
    return changed
