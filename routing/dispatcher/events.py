"""Driver and dispatcher events applied to the live state: arrived, boarded, no-show, dropped off, service.

Events name the booking (``booking_id``) or, for an arrival without a booking, the stop (``data`` key
``stop_id``). A break is reported as VEHICLE_ARRIVED with ``data`` ``visit_kind = "break"``: the first report
starts it, a second report ends it. A task can be reported when every task before it in the route is a break
(then taken) or lies at the same stop. Errors carry a German message for the driver or dispatcher.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from mobility.domain.events import Event
from mobility.domain.german import day_and_time
from mobility.domain.plan import StopVisit, VisitKind, VisitStatus
from mobility.domain.rides import Load, TimeWindow
from mobility.domain.stops import Stop
from routing.dispatcher.config import DispatcherConfig
from routing.dispatcher.duties import EventError, begin_if_needed, duty_id
from routing.dispatcher.state import Commitment, PlanState
from routing.dispatcher.timebase import TimeBase
from routing.insertion import Insertion, RequestSpec, Route, Task, TaskKind

__all__ = ["EventContext", "EventError", "leave", "visit_of"]

Search = Callable[[RequestSpec, int], Insertion | None]


BOARD_EARLY_S = 1800  # a rider can board at most 30 minutes before the promised pickup window opens


@dataclass(frozen=True, slots=True)
class EventContext:
    """What event handling needs besides the state."""

    timebase: TimeBase
    config: DispatcherConfig
    stops: Mapping[int, Stop]
    stop_index: Callable[[str], int]
    search: Search


def _commitment(state: PlanState, event: Event) -> Commitment:
    if event.booking_id is None:
        msg = f"Das Ereignis {event.type} braucht eine Buchungsnummer."
        raise EventError(msg)
    c = state.commitments.get(event.booking_id)
    if c is None:
        msg = f"Die Buchung {event.booking_id} ist nicht (mehr) im Fahrplan."
        raise EventError(msg)
    vehicle = state.routes[c.route_key].vehicle_id
    if event.vehicle_id is not None and event.vehicle_id != vehicle:
        msg = f"Die Buchung {event.booking_id} fährt mit Fahrzeug {vehicle}, nicht mit {event.vehicle_id}."
        raise EventError(msg)
    return c


def _vehicle_route(state: PlanState, event: Event, ctx: EventContext) -> Route:
    if event.vehicle_id not in state.vehicles:
        msg = f"Das Fahrzeug {event.vehicle_id} ist unbekannt."
        raise EventError(msg)
    at = ctx.timebase.seconds(event.at)
    routes = state.routes_of(event.vehicle_id)
    if not routes:
        msg = f"Das Fahrzeug {event.vehicle_id} hat keine Schicht."
        raise EventError(msg)
    for route in routes:
        if route.shift_start <= at <= route.shift_end or (route.tasks and route.shift_start <= at):
            return route
    return min(routes, key=lambda r: abs(r.shift_start - at))


def visit_of(task: Task, stop: Stop, at: int, load: tuple[int, ...], ctx: EventContext, *, duty: str | None = None,
             began: int | None = None) -> StopVisit:
    """The driven (DONE) visit of ``task``, done at ``at`` (a break: begun at ``began``) in duty ``duty``."""
    when = ctx.timebase.instant(at)
    arrival = when if began is None else ctx.timebase.instant(began)
    kinds = {TaskKind.PICKUP: VisitKind.PICKUP, TaskKind.DROPOFF: VisitKind.DROPOFF, TaskKind.BREAK: VisitKind.BREAK}
    window = TimeWindow(when, when)
    if task.kind is not TaskKind.DROPOFF:
        window = TimeWindow(ctx.timebase.instant(task.earliest), ctx.timebase.instant(max(task.earliest, task.latest)))
    return StopVisit(task.request_id, kinds[task.kind], stop, arrival, when, window, Load(*load), VisitStatus.DONE,
                     duty)


def _reach(state: PlanState, route: Route, k: int, at: int, ctx: EventContext) -> Route:
    """The route with the breaks before task ``k`` taken; other tasks before it must share its stop.

    Checks first, then changes: a refused event leaves the driven history as it was."""
    target = route.tasks[k]
    for task in route.tasks[:k]:
        if task.kind is not TaskKind.BREAK and task.loc != target.loc:
            name = ctx.stops[task.loc].name
            msg = f"Vor dieser Haltestelle ist noch {name} ({task.kind} {task.request_id}) geplant."
            raise EventError(msg)
    keep: list[Task] = []
    history = state.history.setdefault(route.vehicle_id, [])
    sched = state.schedules[route.key]
    for n, task in enumerate(route.tasks[:k], start=1):
        if task.kind is TaskKind.BREAK:
            begin = min(at, sched.begin[n])
            history.append(visit_of(task, ctx.stops[task.loc], min(at, begin + task.service_s), sched.load_after[n],
                                    ctx, duty=duty_id(route, ctx.timebase), began=begin))
        else:
            keep.append(task)
    return replace(route, tasks=(*keep, *route.tasks[k:]))


def _task_index(route: Route, request_id: str, kind: TaskKind) -> int:
    for k, task in enumerate(route.tasks):
        if task.request_id == request_id and task.kind is kind:
            return k
    msg = f"Für die Buchung {request_id} ist kein {kind} mehr geplant."
    raise EventError(msg)


def arrived(state: PlanState, event: Event, ctx: EventContext) -> list[str]:
    at = ctx.timebase.seconds(event.at)
    data = dict(event.data)
    if event.booking_id is not None:
        c = _commitment(state, event)
        route = state.routes[c.route_key]
        kind = TaskKind.DROPOFF if c.boarded_at is not None else TaskKind.PICKUP
        k = _task_index(route, c.booking_id, kind)
        begin_if_needed(state, route, at, ctx.timebase)
    elif data.get("visit_kind") == TaskKind.BREAK.value:
        route = _vehicle_route(state, event, ctx)
        k = next((n for n, t in enumerate(route.tasks) if t.kind is TaskKind.BREAK), -1)
        if k < 0:
            return []
        if k == 0 and route.key in state.arrived:  # reported again at its end: the break is over
            leave(state, route, route.tasks[0], at, ctx)
            return []
    else:
        route = _vehicle_route(state, event, ctx)
        stop_id = data.get("stop_id")
        loc = ctx.stop_index(stop_id) if stop_id is not None else (route.tasks[0].loc if route.tasks else -1)
        k = next((n for n, t in enumerate(route.tasks) if t.loc == loc), -1)
        if k < 0:
            if loc >= 0 and stop_id is not None:
                state.put_route(replace(route, start_loc=loc, ready=at, pinned=0), relax=True)
            return []
    route = _reach(state, route, k, at, ctx)
    loc = route.tasks[0].loc
    state.put_route(replace(route, start_loc=loc, ready=at, pinned=1), relax=True)
    state.arrived.add(route.key)
    return []


def leave(state: PlanState, route: Route, task: Task, at: int, ctx: EventContext, *,
           drop: str | None = None, **changes: object) -> Route:
    """Route after ``task`` is done at time ``at``: the vehicle stands at that stop, ready at ``at``.

    ``drop`` names a request whose remaining tasks go too (a no-show's drop-off).
    """
    route = _reach(state, route, route.tasks.index(task), at, ctx)
    tasks = tuple(t for t in route.tasks if t != task and (drop is None or t.request_id != drop))
    new = replace(route, tasks=tasks, start_loc=task.loc, ready=at, pinned=0, **changes)  # type: ignore[arg-type]
    began = route.ready if task.kind is TaskKind.BREAK and route.key in state.arrived else None
    state.arrived.discard(route.key)
    state.history.setdefault(route.vehicle_id, []).append(
        visit_of(task, ctx.stops[task.loc], at, new.onboard, ctx, duty=duty_id(route, ctx.timebase), began=began))
    state.put_route(new, relax=True)
    return new


def boarded(state: PlanState, event: Event, ctx: EventContext) -> list[str]:
    c = _commitment(state, event)
    if c.boarded_at is not None:
        return []
    at = ctx.timebase.seconds(event.at)
    route = state.routes[c.route_key]
    k = _task_index(route, c.booking_id, TaskKind.PICKUP)
    if at < c.spec.pickup_earliest - BOARD_EARLY_S:
        opens = ctx.timebase.instant(c.spec.pickup_earliest)
        msg = (f"Einsteigen ist für die Buchung {c.booking_id} erst kurz vor dem Abholfenster möglich "
               f"(ab {day_and_time(opens, ctx.timebase.instant(at).date())}).")
        raise EventError(msg)
    begin_if_needed(state, route, at, ctx.timebase)
    onboard = tuple(a + b for a, b in zip(route.onboard, c.spec.load, strict=True))
    leave(state, route, route.tasks[k], at, ctx, onboard=onboard, boarded={**route.boarded, c.booking_id: at})
    state.commitments[c.booking_id] = replace(c, boarded_at=at)
    return []


def no_show(state: PlanState, event: Event, ctx: EventContext) -> list[str]:
    c = _commitment(state, event)
    if c.boarded_at is not None:
        msg = f"Die Buchung {c.booking_id} ist bereits eingestiegen."
        raise EventError(msg)
    at = ctx.timebase.seconds(event.at)
    route = state.routes[c.route_key]
    k = _task_index(route, c.booking_id, TaskKind.PICKUP)
    task = route.tasks[k]
    here = route.key in state.arrived and route.start_loc == task.loc
    arrival = route.ready if here else state.schedules[route.key].begin[k + 1]
    allowed = max(arrival, task.earliest) + ctx.config.no_show_wait_s
    if at < allowed:
        when = day_and_time(ctx.timebase.instant(allowed), ctx.timebase.instant(at).date())
        msg = f"Nichterscheinen kann erst ab {when} gemeldet werden."
        raise EventError(msg)
    begin_if_needed(state, route, at, ctx.timebase)
    leave(state, route, task, at, ctx, drop=c.booking_id)
    del state.commitments[c.booking_id]
    return []


def dropped_off(state: PlanState, event: Event, ctx: EventContext) -> list[str]:
    c = _commitment(state, event)
    if c.boarded_at is None:
        msg = f"Die Buchung {c.booking_id} ist noch nicht eingestiegen."
        raise EventError(msg)
    at = ctx.timebase.seconds(event.at)
    route = state.routes[c.route_key]
    k = _task_index(route, c.booking_id, TaskKind.DROPOFF)
    begin_if_needed(state, route, at, ctx.timebase)
    onboard = tuple(a - b for a, b in zip(route.onboard, c.spec.load, strict=True))
    boarded = {key: v for key, v in route.boarded.items() if key != c.booking_id}
    leave(state, route, route.tasks[k], at, ctx, onboard=onboard, boarded=boarded)
    del state.commitments[c.booking_id]
    return []


def out_of_service(state: PlanState, event: Event, ctx: EventContext) -> list[str]:
    route = _vehicle_route(state, event, ctx)
    vehicle = state.vehicles[route.vehicle_id]
    state.vehicles[vehicle.id] = replace(vehicle, in_service=False)
    lost: list[str] = []
    moved: list[Commitment] = []
    for r in state.routes_of(vehicle.id):
        lost.extend(sorted(r.boarded))  # riders on board of a vehicle out of service: the dispatcher must act
        for c in state.not_started(r.key):
            state.remove_request(r.key, c.booking_id)
            moved.append(c)
        state.put_route(replace(state.routes[r.key], in_service=False))
    now = ctx.timebase.seconds(event.at)
    for c in sorted(moved, key=lambda c: (c.spec.pickup_earliest, c.booking_id)):
        ins = ctx.search(c.spec, now)
        if ins is None:
            del state.commitments[c.booking_id]
            lost.append(c.booking_id)
            continue
        state.put_route(ins.route)
        new_vehicle = state.vehicles[ins.route.vehicle_id]
        offer = replace(c.offer, vehicle_id=new_vehicle.id, vehicle_type=new_vehicle.type.id,
                        planned_pickup=ctx.timebase.instant(ins.pickup_begin),
                        planned_dropoff=ctx.timebase.instant(ins.dropoff_begin))
        state.commitments[c.booking_id] = replace(c, route_key=ins.route_key, offer=offer)
    return lost


def in_service(state: PlanState, event: Event, ctx: EventContext) -> list[str]:
    route = _vehicle_route(state, event, ctx)
    vehicle = state.vehicles[route.vehicle_id]
    state.vehicles[vehicle.id] = replace(vehicle, in_service=True)
    at = ctx.timebase.seconds(event.at)
    stop_id = dict(event.data).get("stop_id")
    for r in state.routes_of(vehicle.id):
        changes: dict[str, object] = {"in_service": True}
        if r.key == route.key:
            changes["ready"] = max(r.ready, at)
            if stop_id is not None:
                changes["start_loc"] = ctx.stop_index(stop_id)
        state.put_route(replace(r, **changes))  # type: ignore[arg-type]
    return []
