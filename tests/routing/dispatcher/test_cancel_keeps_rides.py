"""A cancellation must not stretch the rides of others: with a task gone the vehicle is early for the next rider,
whose pickup is then delayed inside the window (the driver waits) rather than planned so early that waiting later
in the tour makes the ride too long (seen once in the 10,000-request simulation: r08716 rode 847 s against 802 s
with no no-show before it)."""

from __future__ import annotations

from routing.dispatcher.state import PlanState
from routing.insertion import RequestSpec, Route, insert_tasks, lenient_schedule, schedule

# five stops on a line, 100 s apart: 0 — 1 — 2 — 3 — 4
TT = [[abs(a - b) * 100 for b in range(5)] for a in range(5)]


def req(rid: str, p: int, d: int, *, e: int, lp: int, ride: int = 5_000) -> RequestSpec:
    """A one-seat request from stop ``p`` to ``d`` with pickup window [e, lp] and ride limit ``ride``."""
    return RequestSpec(rid, p, d, (1, 0, 0), e, lp, 9_000, ride, 0, 0)


def test_a_cancelled_pickup_before_a_rider_keeps_that_riders_ride() -> None:
    """x is picked up at stop 2, then a at stop 1 (at 300), then b at stop 3 (window from 700), a alights at
    stop 4 at 800: a rides exactly its 500 s. x cancels: the bus reaches a at 100 — picked up then, a would wait
    with it for b and ride 700 s. The plan must let the bus wait at a's stop (a's pickup at 300, inside its
    window) and keep the promise."""
    x, a, b = req("x", 2, 4, e=200, lp=5_000), req("a", 1, 4, e=100, lp=1_000, ride=500), req("b", 3, 4, e=700, lp=800)
    r = Route("v@0", "v", (4, 0, 0), 0, 0, 0, 0, 10_000)
    r = insert_tasks(r, x, 0, 0, 0)  # x up, x down
    r = insert_tasks(r, a, 1, 1, 0)  # x up, a up, a down, x down
    r = insert_tasks(r, b, 2, 2, 0)  # x up, a up, b up, b down, a down, x down
    sched = schedule(r, TT)  # feasible as planned
    assert sched.begin[2] == 300
    state = PlanState(TT, {})
    state.put_route(r)
    assert not state.problems

    state.remove_request("v@0", "x")

    kept = state.routes["v@0"]
    assert "v@0" not in state.problems
    _, problems = lenient_schedule(kept, TT)
    assert problems == []
    after = schedule(kept, TT)
    pickup = next(k for k, t in enumerate(kept.tasks, start=1) if t.request_id == "a" and t.kind.value == "pickup")
    dropoff = next(k for k, t in enumerate(kept.tasks, start=1) if t.request_id == "a" and t.kind.value == "dropoff")
    assert 100 <= after.begin[pickup] <= 1_000  # inside a's promised window
    assert after.begin[dropoff] - after.departure[pickup] <= 500  # the promise, not widened
    assert next(t for t in kept.tasks if t.request_id == "a" and t.kind.value == "dropoff").max_ride_s == 500
