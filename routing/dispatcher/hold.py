"""The commitment horizon: pickups due soon keep the time the plan gives them.

A rider looks at the estimate half an hour before the pickup and goes to the stop by it. Inside the promised window
the plan is free to move a pickup — a new booking inserted before it, a re-optimisation that reorders the tour — and
each move makes the estimate the rider saw wrong. So once a pickup is planned to begin within ``hold_horizon_s`` of
now, the clock *holds* it: the latest begin the plan allows becomes its planned begin plus ``hold_slack_s`` (never
beyond the promise). Insertions and re-optimisations then keep it there (they plan within each task's latest
begin), and a re-optimisation solved on a snapshot taken before a hold keeps the holds made meanwhile
(:func:`keep_holds`). A vehicle that is late on the road is not held back by it: a driver event re-times the route
and widens what reality broke (``routing.insertion.relaxed``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from routing.dispatcher.state import PlanState
from routing.insertion import Route, TaskKind


def hold(state: PlanState, now_s: int, horizon_s: int, slack_s: int) -> int:
    """Hold the pickups planned to begin by ``now_s + horizon_s``; the number of pickups newly held."""
    held = 0
    for key in state.started_by(now_s + horizon_s):
        route = state.routes[key]
        if (key in state.duty_ended or key in state.problems or not route.in_service or route.shift_end < now_s
                or not route.tasks):
            continue
        sched = state.schedules[key]
        tasks = list(route.tasks)
        for k, task in enumerate(route.tasks, start=1):
            begin = sched.begin[k]
            if begin > now_s + horizon_s:
                break  # begins only grow along the route
            cap = max(begin + slack_s, task.earliest)
            if task.kind is TaskKind.PICKUP and task.latest > cap:
                tasks[k - 1] = replace(task, latest=cap)
                held += 1
        if tasks != list(route.tasks):
            state.put_route(replace(route, tasks=tuple(tasks)))
    return held


def keep_holds(current: Mapping[str, Route], new: Mapping[str, Route]) -> dict[str, Route]:
    """``new`` routes with each pickup's latest begin no later than in the ``current`` plan (holds made since)."""
    latest = {(t.request_id, t.kind): t.latest for r in current.values() for t in r.tasks
              if t.kind is TaskKind.PICKUP}
    out = {}
    for key, route in new.items():
        tasks = tuple(replace(t, latest=min(t.latest, latest[t.request_id, t.kind]))
                      if t.kind is TaskKind.PICKUP and latest.get((t.request_id, t.kind), t.latest) < t.latest
                      else t for t in route.tasks)
        out[key] = route if tasks == route.tasks else replace(route, tasks=tasks)
    return out
