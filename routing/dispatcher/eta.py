"""Estimated times at a booking's next stop from the vehicle's state: its last event or position, the tasks before
the booking's and the travel times between them.

A stop not reached yet is never expected before now; a pickup never before its promised window (the vehicle waits).
While the duty has not begun, the estimate is the plan's (basis PLANNED); once it is under way it rests on the last
driver event or, when newer, the last device position (basis LIVE) and says how old that basis is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from mobility.domain.plan import Eta, EtaBasis, VisitKind
from mobility.domain.rides import TimeWindow
from mobility.domain.stops import Stop
from routing.dispatcher.duties import duty_id
from routing.dispatcher.state import PlanState
from routing.dispatcher.timebase import TimeBase
from routing.insertion import Task, TaskKind

POSITION_FRESH_S = 600  # a position older than this is not used for estimates


@dataclass(frozen=True, slots=True)
class Fix:
    """A vehicle position as the estimate uses it: the nearest stop (matrix index) and when."""

    loc: int
    at: int


def estimate(state: PlanState, booking_id: str, now_s: int, *, timebase: TimeBase, stops: Mapping[int, Stop],
             fix: Fix | None = None, planned_at: datetime | None = None) -> Eta | None:
    """The estimate for ``booking_id``'s next stop (pickup, or drop-off once aboard); None when not in the plan."""
    c = state.commitments.get(booking_id)
    if c is None:
        return None
    route = state.routes[c.route_key]
    kind = TaskKind.DROPOFF if c.boarded_at is not None else TaskKind.PICKUP
    k = next((n for n, t in enumerate(route.tasks) if t.request_id == booking_id and t.kind is kind), -1)
    if k < 0:
        return None
    live = route.key in state.duty_began and route.key not in state.duty_ended
    standing = route.key in state.arrived and route.pinned > 0
    loc, t, basis_at = route.start_loc, route.ready, min(route.ready, now_s)
    if live and fix is not None and fix.at >= route.ready and now_s - fix.at <= POSITION_FRESH_S and not standing:
        loc, t, basis_at = fix.loc, fix.at, fix.at
    begin = _forward(state.tt, route.tasks[:k + 1], loc, t, now_s, standing=standing)
    task = route.tasks[k]
    eta = begin if kind is TaskKind.PICKUP else max(begin, now_s)
    if kind is TaskKind.PICKUP:
        window = c.offer.pickup_window
    else:
        window = TimeWindow(c.offer.pickup_window.earliest, c.offer.latest_arrival)
    if not live:
        basis_at = timebase.seconds(planned_at) if planned_at is not None else now_s
    return Eta(booking_id=booking_id, vehicle_id=route.vehicle_id, duty_id=duty_id(route, timebase),
               kind=VisitKind.PICKUP if kind is TaskKind.PICKUP else VisitKind.DROPOFF, stop=stops[task.loc],
               eta=timebase.instant(eta), basis=EtaBasis.LIVE if live else EtaBasis.PLANNED,
               basis_at=timebase.instant(basis_at), stops_before=k, window=window)


def _forward(tt: Sequence[Sequence[int]], tasks: Sequence[Task], loc: int, t: int, now_s: int, *,
             standing: bool) -> int:
    """When service begins at the last of ``tasks``, driving from ``loc`` at ``t``; not-reached stops not before now."""
    begin = t
    for n, task in enumerate(tasks):
        arrival = t if n == 0 and standing else max(t + tt[loc][task.loc], now_s)
        begin = max(arrival, task.earliest)
        t = begin + task.service_s
        loc = task.loc
    return begin
