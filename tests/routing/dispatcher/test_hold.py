"""The plan keeps a reserve inside every promised pickup window, and pickups due soon are held where they are
planned (the commitment horizon), so the estimate a rider reads half an hour ahead keeps."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mobility.domain.rides import Offer
from routing.directory import NetworkStopDirectory
from routing.dispatcher import DispatcherConfig, LiveDispatcher
from routing.dispatcher.hold import hold, keep_holds
from routing.dispatcher.state import PlanState
from routing.insertion import RequestSpec, Route, Task, TaskKind, best_insertion, schedule
from routing.matrix import TravelTimeMatrix
from tests.routing.dispatcher.dispatch_helpers import DAY, assert_plan_valid, minibus, trip

# five stops on a line, 100 s apart: 0 — 1 — 2 — 3 — 4
TT = [[abs(a - b) * 100 for b in range(5)] for a in range(5)]
STOPS = ["959000", "958851", "959054", "959185", "953445", "958908"]


def _route(tasks: tuple[Task, ...]) -> Route:
    return Route("v@0", "v", (4, 0, 0), 0, 0, 0, 0, 20_000, tasks)


def _pair(rid: str, p: int, d: int, earliest: int, latest: int) -> tuple[Task, Task]:
    spec = RequestSpec(rid, p, d, (1, 0, 0), earliest, latest, latest + 5_000, 5_000, 0, 0)
    return spec.pickup_task(), spec.dropoff_task()


def test_the_plan_begins_a_pickup_a_reserve_before_the_promised_window_ends() -> None:
    """With a reserve of 300 s a pickup the vehicle can reach only 200 s before the window ends gets no place;
    without the reserve it does — and the promise itself (the spec's window) is the same in both."""
    a_pick, a_drop = _pair("a", 4, 0, 0, 10_000)  # keeps the vehicle busy at stop 4 until 400 s
    busy = _route((a_pick, a_drop))
    late = RequestSpec("b", 4, 3, (1, 0, 0), 0, 600, 9_000, 5_000, 0, 0, pickup_reserve_s=300)
    assert late.pickup_due == 300
    assert late.pickup_task().latest == 300
    assert best_insertion([(busy, schedule(busy, TT))], late, TT, 0) is None
    free = RequestSpec("b", 4, 3, (1, 0, 0), 0, 600, 9_000, 5_000, 0, 0)
    found = best_insertion([(busy, schedule(busy, TT))], free, TT, 0)
    assert found is not None
    assert found.pickup_begin == 400


def test_a_reserve_wider_than_the_window_leaves_the_window_start() -> None:
    """The reserve never makes the planned window end before it starts."""
    spec = RequestSpec("c", 1, 2, (1, 0, 0), 500, 600, 9_000, 5_000, 0, 0, pickup_reserve_s=900)
    assert spec.pickup_due == 500


def test_the_clock_holds_pickups_due_within_the_horizon() -> None:
    """A pickup planned within the horizon may begin at most the slack later; one beyond it keeps its window."""
    near_p, near_d = _pair("near", 2, 3, 0, 3_000)
    far_p, far_d = _pair("far", 1, 0, 5_000, 8_000)
    state = PlanState(TT, {})
    state.put_route(_route((near_p, near_d, far_p, far_d)))
    assert hold(state, now_s=0, horizon_s=1_800, slack_s=120) == 1
    tasks = {(t.request_id, t.kind): t for t in state.routes["v@0"].tasks}
    assert tasks["near", TaskKind.PICKUP].latest == 200 + 120
    assert tasks["far", TaskKind.PICKUP].latest == 8_000
    assert hold(state, now_s=0, horizon_s=1_800, slack_s=120) == 0  # nothing new to hold
    # a request picked up on the way with a long boarding (delaying "near" by 300 s) no longer fits before it
    first = RequestSpec("x", 1, 2, (1, 0, 0), 0, 3_000, 9_000, 5_000, 300, 0)
    held = state.routes["v@0"]
    found = best_insertion([(held, state.schedules["v@0"])], first, TT, 0)
    assert found is not None
    assert found.pickup_after >= 1  # after "near"'s pickup
    open_route = _route((near_p, near_d, far_p, far_d))
    anywhere = best_insertion([(open_route, schedule(open_route, TT))], first, TT, 0)
    assert anywhere is not None
    assert anywhere.pickup_after == 0  # unheld, the cheapest place is before "near"


def test_a_replan_solved_before_a_hold_keeps_it() -> None:
    """keep_holds caps the new routes' pickups by the current plan's latest begins."""
    near_p, near_d = _pair("near", 2, 3, 0, 3_000)
    current = {"v@0": _route((Task(TaskKind.PICKUP, "near", 2, 0, 320, 0, (1, 0, 0)), near_d))}
    new = {"w@0": _route((near_p, near_d))}
    kept = keep_holds(current, new)
    assert kept["w@0"].tasks[0].latest == 320
    assert kept["w@0"].tasks[1] == near_d


def steps(first: int, last: int) -> st.SearchStrategy[list[tuple[int, int, int]]]:
    """Bookings between the stops, ``first``–``last`` minutes after the time they are made."""
    return st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(first, last)), min_size=3,
                    max_size=12)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps(70, 105), steps(5, 60))
def test_held_pickups_stay_where_they_were_when_more_is_booked(
        directory: NetworkStopDirectory, matrix: TravelTimeMatrix, before: list[tuple[int, int, int]],
        after: list[tuple[int, int, int]]) -> None:
    """Every planned pickup keeps the reserve; once the clock held the pickups due soon, further bookings and a
    re-optimisation move none of them more than the slack later, and every promise is kept."""
    config = DispatcherConfig(pickup_reserve_s=180, hold_horizon_s=2_700, hold_slack_s=120)
    fleet = [minibus("V0", "959000", directory, seats=8)]
    d = LiveDispatcher(directory=directory, travel=matrix, fleet=fleet, config=config, origin=DAY)
    now = DAY + timedelta(hours=6)
    _book(d, before, now - timedelta(hours=1), "a")
    d.advance(now)
    with d.lock:
        held = {bid: c.offer.planned_pickup for bid, c in d.state.commitments.items()
                if c.offer.planned_pickup is not None and c.offer.planned_pickup <= now + timedelta(seconds=2_700)}
    _book(d, after, now, "b")
    d.reoptimise(now, 0.5)
    assert_plan_valid(d)
    with d.lock:
        for bid, c in d.state.commitments.items():
            window = c.offer.pickup_window
            assert window.latest - window.earliest == timedelta(seconds=config.pickup_window_s)
            assert c.offer.planned_pickup is not None
            assert c.offer.planned_pickup <= window.latest - timedelta(seconds=180), bid
            if bid in held:
                assert c.offer.planned_pickup <= held[bid] + timedelta(seconds=120), bid


def _book(d: LiveDispatcher, steps: list[tuple[int, int, int]], now: datetime, prefix: str) -> None:
    for n, (a, b, minutes) in enumerate(steps):
        if a == b:
            continue
        request = trip(d.directory, f"{prefix}{n}", STOPS[a], STOPS[b], now + timedelta(minutes=minutes), now=now)
        offer = d.quote(request, now)
        if isinstance(offer, Offer):
            d.confirm(offer, request.id, now)
