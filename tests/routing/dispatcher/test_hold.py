"""The plan keeps a reserve inside every promised pickup window, and pickups due soon are held where they are
planned (the commitment horizon), so the estimate a rider reads half an hour ahead keeps."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mobility.domain.rides import Offer
from routing.directory import NetworkStopDirectory
from routing.dispatcher import DispatcherConfig, LiveDispatcher
from routing.dispatcher.hold import hold, keep_holds
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


def test_the_clock_holds_pickups_due_within_the_horizon(directory: NetworkStopDirectory,
                                                        matrix: TravelTimeMatrix) -> None:
    """A pickup planned within the horizon is held within the slack of its planned begin (earlier and later);
    one beyond the horizon keeps its window; holding again changes nothing."""
    config = DispatcherConfig(hold_horizon_s=2_700, hold_slack_s=120)
    d = LiveDispatcher(directory=directory, travel=matrix, fleet=[minibus("V0", "959000", directory)],
                       config=config, origin=DAY)
    now = DAY + timedelta(hours=6)
    _book(d, [(1, 2, 30), (3, 4, 180)], now, "r")
    d.advance(now)
    with d.lock:
        soon, later = d.state.commitments["r0"], d.state.commitments["r1"]
        begin = {t.request_id: d.state.schedules[soon.route_key].begin[k]
                 for k, t in enumerate(d.state.routes[soon.route_key].tasks, start=1) if t.kind is TaskKind.PICKUP}
        tasks = {t.request_id: t for t in d.state.routes[soon.route_key].tasks if t.kind is TaskKind.PICKUP}
        assert soon.held == (max(soon.spec.pickup_earliest, begin["r0"] - 120), begin["r0"] + 120)
        assert (tasks["r0"].earliest, tasks["r0"].latest) == soon.held
        assert later.held is None
        assert tasks["r1"].latest == later.spec.pickup_due
        assert hold(d.state, d.timebase.seconds(now), 2_700, 120) == 0  # nothing new to hold


def test_a_request_that_would_delay_a_held_pickup_goes_after_it() -> None:
    """Insertion keeps a held pickup's span: a rider with a long boarding picked up on the way would delay it by
    300 s and now goes after it; unheld, the cheapest place is before it."""
    near_p, near_d = _pair("near", 2, 3, 0, 3_000)
    held = _route((replace(near_p, latest=320), near_d))
    first = RequestSpec("x", 1, 2, (1, 0, 0), 0, 3_000, 9_000, 5_000, 300, 0)
    found = best_insertion([(held, schedule(held, TT))], first, TT, 0)
    assert found is not None
    assert found.pickup_after >= 1
    free = _route((near_p, near_d))
    anywhere = best_insertion([(free, schedule(free, TT))], first, TT, 0)
    assert anywhere is not None
    assert anywhere.pickup_after == 0


def test_a_replan_solved_before_a_hold_keeps_it(directory: NetworkStopDirectory, matrix: TravelTimeMatrix) -> None:
    """keep_holds narrows a re-planned route's held pickups to their held span, and nothing else."""
    d = LiveDispatcher(directory=directory, travel=matrix, fleet=[minibus("V0", "959000", directory)], origin=DAY)
    now = DAY + timedelta(hours=6)
    _book(d, [(1, 2, 30), (3, 4, 180)], now, "r")
    with d.lock:
        before = d.state.routes["V0@0"]
    d.advance(now)
    with d.lock:
        kept = keep_holds(d.state.commitments, {"V0@0": before})["V0@0"]
        span = d.state.commitments["r0"].held
    assert span is not None
    pickups = {t.request_id: t for t in kept.tasks if t.kind is TaskKind.PICKUP}
    assert (pickups["r0"].earliest, pickups["r0"].latest) == span
    assert pickups["r1"] == next(t for t in before.tasks if t.request_id == "r1" and t.kind is TaskKind.PICKUP)
    assert [t for t in kept.tasks if t.kind is TaskKind.DROPOFF] == [t for t in before.tasks
                                                                    if t.kind is TaskKind.DROPOFF]


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
    held = _pickups(d)
    held = {bid: at for bid, at in held.items() if at <= d.timebase.seconds(now) + 2_700}
    _book(d, after, now, "b")
    d.reoptimise(now, 0.5)
    assert_plan_valid(d)
    planned = _pickups(d)
    with d.lock:
        for bid, c in d.state.commitments.items():
            window = c.offer.pickup_window
            assert window.latest - window.earliest == timedelta(seconds=config.pickup_window_s)
            assert planned[bid] <= d.timebase.seconds(window.latest) - 180, bid
            if bid in held:
                assert held[bid] - 120 <= planned[bid] <= held[bid] + 120, bid


def _pickups(d: LiveDispatcher) -> dict[str, int]:
    """When each pickup in the plan begins (seconds of the dispatcher's time base)."""
    with d.lock:
        return {str(t.request_id): d.state.schedules[key].begin[k] for key, r in d.state.routes.items()
                for k, t in enumerate(r.tasks, start=1) if t.kind is TaskKind.PICKUP}


def _book(d: LiveDispatcher, steps: list[tuple[int, int, int]], now: datetime, prefix: str) -> None:
    for n, (a, b, minutes) in enumerate(steps):
        if a == b:
            continue
        request = trip(d.directory, f"{prefix}{n}", STOPS[a], STOPS[b], now + timedelta(minutes=minutes), now=now)
        offer = d.quote(request, now)
        if isinstance(offer, Offer):
            d.confirm(offer, request.id, now)
