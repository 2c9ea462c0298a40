"""A quick proof that an insertion cannot keep the shift end with the no-show reserve, before the exact check.

Most candidates that pass the generator's O(1) tests and then fail the exact check fail on the no-show reserve:
the new pickup is one more rider who may not show, and the route would not be back by the shift end if the two
riders with the longest waits did not come (:data:`routing.insertion.schedule.NO_SHOWS_RESERVED`). When the
insertion only delays the route (the usual case), the new end follows from the schedule in O(1) — the delay at a
node shrinks by the waiting planned from there on — and the reserve from the route's pickups; if that already
misses the shift end, :func:`routing.insertion.schedule.schedule` would raise for the new route, and the check can
count the candidate as failed without building it. Otherwise (or if the insertion would make the route arrive
anywhere earlier, which a matrix without the triangle inequality allows) the exact check decides.
"""

from __future__ import annotations

from routing.insertion.model import RequestSpec, Route, TaskKind
from routing.insertion.schedule import NO_SHOWS_RESERVED, Durations, Schedule


def ends_too_late(
    route: Route,
    sched: Schedule,
    request: RequestSpec,
    tt: Durations,
    *,
    pickup_after: int,
    dropoff_after: int,
    now: int,
) -> bool:
    """True only if ``route`` with the pickup after node ``pickup_after`` and the drop-off after ``dropoff_after``
    (as :func:`routing.insertion.search.insert_tasks` builds it) is back after its shift end, no-show reserve
    included."""
    worst = worst_end(route, sched, request, tt, pickup_after=pickup_after, dropoff_after=dropoff_after, now=now)
    return worst is not None and worst > route.shift_end


def worst_end(
    route: Route,
    sched: Schedule,
    request: RequestSpec,
    tt: Durations,
    *,
    pickup_after: int,
    dropoff_after: int,
    now: int,
) -> int | None:
    """:attr:`Schedule.worst_end` of the route with the insertion, in O(1) plus a look at its pickups; ``None``
    when the insertion would make the vehicle arrive somewhere earlier than planned (then it is not O(1))."""
    i, j = pickup_after, dropoff_after
    locs, p, d = sched.locs, request.pickup, request.dropoff
    leave = max(route.ready, now) if i == 0 else sched.departure[i]
    dep_p = max(leave + tt[locs[i]][p], request.pickup_earliest) + request.pickup_service_s
    if i == j:
        dep_d = dep_p + tt[p][d] + request.dropoff_service_s
    else:
        delay = dep_p + tt[p][locs[i + 1]] - sched.arrival[i + 1]
        if delay < 0:
            return None
        dep_j = sched.departure[j] + max(0, delay - (sched.waited[j] - sched.waited[i]))
        dep_d = dep_j + tt[locs[j]][d] + request.dropoff_service_s
    k = j + 1  # the first old node after the drop-off (n + 1: the way back)
    delay = dep_d + tt[d][locs[k]] - sched.arrival[k]
    if delay < 0:
        return None
    n = len(route.tasks)
    end = sched.arrival[n + 1] + max(0, delay - (sched.waited[n] - sched.waited[k - 1]))
    waits = [max(t.service_s, route.no_show_wait_s) - t.service_s for t in route.tasks if t.kind is TaskKind.PICKUP]
    waits.append(max(request.pickup_service_s, route.no_show_wait_s) - request.pickup_service_s)
    return end + sum(sorted(waits, reverse=True)[:NO_SHOWS_RESERVED])
