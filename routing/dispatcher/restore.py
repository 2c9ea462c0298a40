"""Rebuild the live state after a restart from the stored plan and the confirmed bookings.

Each vehicle's route is laid out again in the stored order; a route that no longer fits (time went by) gives
its bookings back to the insertion, riders on board stay with their vehicle. Bookings that fit nowhere are
returned, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from mobility.domain.plan import Plan, StopVisit, VisitKind, VisitStatus
from mobility.domain.rides import Booking, BookingState
from routing.dispatcher.fleet_routes import shift_routes
from routing.dispatcher.state import Commitment, PlanState
from routing.insertion import Infeasible, Route, Task, TaskKind, schedule

if TYPE_CHECKING:
    from routing.dispatcher.live import LiveDispatcher

ACTIVE = {BookingState.CONFIRMED, BookingState.STARTED}


def _boarded_at(booking: Booking, visits: Sequence[StopVisit]) -> datetime:
    for v in visits:
        if v.booking_id == booking.id and v.kind is VisitKind.PICKUP and v.status is VisitStatus.DONE:
            return v.planned_departure
    for at, state in booking.history:
        if state is BookingState.STARTED:
            return at
    return booking.updated_at


def _route_at(routes: list[Route], t: int) -> Route | None:
    for r in routes:
        if r.shift_start <= t <= r.shift_end:
            return r
    return None


def restore(dispatcher: LiveDispatcher, plan: Plan, bookings: Sequence[Booking], now: datetime) -> list[str]:
    """Rebuild ``dispatcher``'s state (call with its lock held); returns ids of bookings not put back."""
    tb = dispatcher.timebase
    state = dispatcher.state
    # the version and change log go on (a cached plan or a running re-optimisation must see the change)
    fresh = PlanState(state.tt, dict(state.vehicles), version=state.version, changes=list(state.changes))
    for vehicle in fresh.vehicles.values():
        depot = dispatcher.depot_stop(vehicle).index
        for route in shift_routes(vehicle, depot, tb, no_show_wait_s=dispatcher.config.no_show_wait_s):
            fresh.put_route(route)
    active = {b.id: b for b in bookings if b.state in ACTIVE}
    for b in active.values():
        spec = dispatcher.spec_for(b.offer, b.id)
        fresh.commitments[b.id] = Commitment(b.id, b.offer, spec, "")
    now_s = tb.seconds(now)
    placed: set[str] = set()
    lost: list[str] = []
    for vehicle_id, tour in plan.tours.items():
        if vehicle_id not in fresh.vehicles:
            continue
        fresh.history[vehicle_id] = [v for v in tour.visits if v.status is VisitStatus.DONE]
        placed |= _lay_out(fresh, vehicle_id, tour.visits, active, dispatcher, now_s=now_s)
    # riders on board whose vehicle left the plan: keep them on their offered vehicle
    for b in active.values():
        if b.id not in placed and b.state is BookingState.STARTED:
            placed |= _lay_out(fresh, b.offer.vehicle_id, (), {b.id: b}, dispatcher, now_s=now_s)
    dispatcher.state.__dict__.update(fresh.__dict__)
    for bid in sorted(set(active) - placed, key=lambda i: (fresh.commitments[i].spec.pickup_earliest, i)):
        c = fresh.commitments[bid]
        found = dispatcher.search(c.spec, now_s)
        if found is None:
            del state.commitments[bid]
            lost.append(bid)
            continue
        state.put_route(found.route)
        state.commitments[bid] = replace(c, route_key=found.route_key)
    return lost


def _lay_out(state: PlanState, vehicle_id: str, visits: Sequence[StopVisit], active: dict[str, Booking],
             dispatcher: LiveDispatcher, *, now_s: int) -> set[str]:
    """Put the vehicle's stored visits back in order; returns the booking ids placed."""
    tb = dispatcher.timebase
    routes = state.routes_of(vehicle_id)
    if not routes:
        return set()
    current = _route_at(routes, now_s) or routes[0]
    onboard = [b for b in active.values() if b.state is BookingState.STARTED
               and (b.offer.vehicle_id == vehicle_id or any(v.booking_id == b.id for v in visits))]
    boarded = {b.id: tb.seconds(_boarded_at(b, visits)) for b in onboard}
    per_route: dict[str, list[Task]] = {r.key: [t for t in r.tasks if t.kind is TaskKind.BREAK] for r in routes}
    seen: set[tuple[str, VisitKind]] = set()
    for v in visits:
        bid = v.booking_id
        if v.status is VisitStatus.DONE or bid is None or bid not in active or (bid, v.kind) in seen:
            continue
        if v.kind is VisitKind.PICKUP and bid in boarded:
            continue
        c = state.commitments[bid]
        if c.route_key:
            key = c.route_key
        elif bid in boarded:
            key = current.key
        else:
            key = (_route_at(routes, tb.seconds(v.planned_arrival)) or current).key
        per_route[key].append(c.spec.pickup_task() if v.kind is VisitKind.PICKUP else c.spec.dropoff_task())
        state.commitments[bid] = replace(c, route_key=key)
        seen.add((bid, v.kind))
    for b in onboard:
        c = state.commitments[b.id]
        if (b.id, VisitKind.DROPOFF) not in seen:
            per_route[current.key].append(c.spec.dropoff_task())
            c = replace(c, route_key=current.key)
        state.commitments[b.id] = replace(c, boarded_at=boarded[b.id])
    start = _position(current, [v for v in visits if v.status is VisitStatus.DONE], dispatcher, now_s)
    load = current.onboard
    for b in onboard:
        load = tuple(x + y for x, y in zip(load, state.commitments[b.id].spec.load, strict=True))
    placed: set[str] = set()
    for route in routes:
        new = replace(route, tasks=tuple(_ordered(per_route[route.key])))
        if route.key == current.key:
            new = replace(new, start_loc=start[0], ready=start[1], onboard=load, boarded=boarded)
        placed |= _keep_or_release(state, new, dispatcher)
    return placed


def _position(route: Route, done: list[StopVisit], dispatcher: LiveDispatcher, now_s: int) -> tuple[int, int]:
    """Where the vehicle stands and from when: its last driven stop, else the start of its route."""
    if done:
        return done[-1].stop.index, max(dispatcher.timebase.seconds(done[-1].planned_departure), now_s)
    return route.start_loc, max(route.ready, now_s)


def _ordered(tasks: list[Task]) -> list[Task]:
    """Breaks back in time order among the stored visits (the stored order is kept for the rest)."""
    breaks = [t for t in tasks if t.kind is TaskKind.BREAK]
    rest = [t for t in tasks if t.kind is not TaskKind.BREAK]
    for brk in breaks:
        pos = next((n for n, t in enumerate(rest) if t.earliest > brk.latest), len(rest))
        if any(t.kind is TaskKind.PICKUP for t in rest[:pos]) and _open_at(rest, pos):
            pos = len(rest)
        rest.insert(pos, brk)
    return rest


def _open_at(tasks: list[Task], pos: int) -> bool:
    picked = {t.request_id for t in tasks[:pos] if t.kind is TaskKind.PICKUP}
    dropped = {t.request_id for t in tasks[:pos] if t.kind is TaskKind.DROPOFF}
    return bool(picked - dropped)


def _keep_or_release(state: PlanState, route: Route, dispatcher: LiveDispatcher) -> set[str]:
    """Keep the route if it is feasible; otherwise keep only riders on board (relaxed) and release the rest."""
    try:
        schedule(route, dispatcher.durations)
    except Infeasible:
        kept = tuple(t for t in route.tasks if t.kind is TaskKind.BREAK or t.request_id in route.boarded)
        state.put_route(replace(route, tasks=kept), relax=True)
        return set(route.boarded)
    state.put_route(route)
    return route.request_ids()
