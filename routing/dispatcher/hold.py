"""The commitment horizon: pickups due soon keep the time the plan gives them.

A rider looks at the estimate half an hour before the pickup and goes to the stop by it. Inside the promised window
the plan is free to move a pickup — a new booking inserted before it, a cancellation or a re-optimisation that
reorders the tour — and each move makes the estimate the rider saw wrong (a vehicle that comes ten minutes early
is as bad as one ten minutes late). So once a pickup is planned to begin within ``hold_horizon_s`` of now, the
clock *holds* it: the plan begins it within ``hold_slack_s`` of that planned begin (inside the promise; the vehicle
waits rather than comes early). Insertions and re-optimisations keep it there — both plan within each task's
earliest and latest begin, the solver is given the held span, and a re-optimisation solved on a snapshot taken
before a hold keeps the holds made meanwhile (:func:`keep_holds`). A vehicle late on the road is not held back by
it: a driver event re-times the route and widens what reality broke (``routing.insertion.relaxed``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from routing.dispatcher.state import Commitment, PlanState
from routing.insertion import Route, Task, TaskKind


def hold(state: PlanState, now_s: int, horizon_s: int, slack_s: int) -> int:
    """Hold the pickups planned to begin by ``now_s + horizon_s``; the number of pickups newly held."""
    held = 0
    for key in state.started_by(now_s + horizon_s):
        route = state.routes[key]
        if (key in state.duty_ended or key in state.problems or not route.in_service or route.shift_end < now_s
                or not route.tasks):
            continue
        sched = state.schedules[key]
        for k, task in enumerate(route.tasks, start=1):
            begin = sched.begin[k]
            if begin > now_s + horizon_s:
                break  # begins only grow along the route
            c = state.commitments.get(str(task.request_id))
            if task.kind is TaskKind.PICKUP and c is not None and c.held is None:
                span = (max(task.earliest, begin - slack_s), min(task.latest, begin + slack_s))
                state.commitments[c.booking_id] = replace(c, held=span)
                held += 1
        tasks = tuple(_within(t, state.commitments) for t in route.tasks)
        if tasks != route.tasks:
            state.put_route(replace(route, tasks=tasks))
    return held


def keep_holds(commitments: Mapping[str, Commitment], new: Mapping[str, Route]) -> dict[str, Route]:
    """``new`` routes with each held pickup kept within its held span (holds made since a snapshot)."""
    out = {}
    for key, route in new.items():
        tasks = tuple(_within(t, commitments) for t in route.tasks)
        out[key] = route if tasks == route.tasks else replace(route, tasks=tasks)
    return out


def _within(task: Task, commitments: Mapping[str, Commitment]) -> Task:
    """``task`` narrowed to its held span (a pickup that is held), else itself."""
    if task.kind is not TaskKind.PICKUP:
        return task
    c = commitments.get(str(task.request_id))
    if c is None or c.held is None:
        return task
    earliest, latest = max(task.earliest, c.held[0]), min(task.latest, c.held[1])
    if (earliest, latest) == (task.earliest, task.latest) or earliest > latest:
        return task
    return replace(task, earliest=earliest, latest=latest)
