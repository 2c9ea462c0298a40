"""Re-optimisation with the OR-Tools solver keeps every promise and swaps in only under the merge rule."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from mobility.domain.events import Event, EventType
from mobility.domain.rides import Offer
from routing.directory import NetworkStopDirectory
from routing.dispatcher.live import LiveDispatcher
from routing.dispatcher.reoptimise import solve_snapshot, swap_in, take_snapshot
from routing.insertion import TaskKind
from tests.routing.dispatcher.dispatch_helpers import DAY, assert_plan_valid, minibus, trip

MakeDispatcher = Callable[..., LiveDispatcher]
DEPOTS = ["959000", "953445"]
NOW = DAY + timedelta(hours=5)


def loaded(make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory, n: int = 20) -> LiveDispatcher:
    """Three minibuses with ``n`` random trips around Bernburg and Staßfurt booked greedily by insertion."""
    d = make_dispatcher([minibus(f"V{k}", DEPOTS[k % 2], directory) for k in range(3)])
    rng = random.Random(7)
    stops = [s for s in directory.stops() if s.municipality in {"Bernburg (Saale)", "Staßfurt", "Nienburg (Saale)"}]
    for k in range(n):
        a, b = rng.sample(stops, 2)
        when = NOW + timedelta(minutes=rng.randint(60, 300))
        offer = d.quote(trip(directory, f"r{k}", a.id, b.id, when, now=NOW), NOW)
        if isinstance(offer, Offer):
            d.confirm(offer, f"b{k}", NOW)
    return d


def assert_promises_kept(before: dict[str, Offer], after: dict[str, Offer]) -> None:
    """The same bookings, each still planned within its promised pickup window and latest arrival."""
    assert set(after) == set(before)
    for bid, offer in after.items():
        assert offer.pickup_window == before[bid].pickup_window
        assert offer.pickup_window.contains(offer.planned_pickup)
        assert offer.planned_dropoff <= offer.latest_arrival


def test_reoptimisation_keeps_every_promise(make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory) -> None:
    """After a re-optimisation every booking is still planned within its promised window and ride limit."""
    d = loaded(make_dispatcher, directory)
    before = d.commitments()
    assert d.reoptimise(NOW, 1.0), "the greedy plan of 20 trips leaves room for the solver"
    assert_promises_kept(before, d.commitments())
    assert_plan_valid(d)


def test_solved_snapshot_merges_a_booking_confirmed_meanwhile(make_dispatcher: MakeDispatcher,
                                                              directory: NetworkStopDirectory) -> None:
    """A booking confirmed while the solver ran is inserted into the new plan instead of being lost."""
    d = loaded(make_dispatcher, directory)
    now_s = d.timebase.seconds(NOW)
    with d.lock:
        snap = take_snapshot(d, now_s)
    new_routes = solve_snapshot(d, snap, 1.0)
    assert new_routes is not None
    late = d.quote(trip(directory, "late", "959000", "953445", NOW + timedelta(hours=2), now=NOW), NOW)
    assert isinstance(late, Offer)
    d.confirm(late, "late", NOW)
    assert swap_in(d, snap, new_routes, NOW)
    assert "late" in d.commitments()
    assert_plan_valid(d)


def test_solved_snapshot_is_dropped_after_a_driver_event(make_dispatcher: MakeDispatcher,
                                                         directory: NetworkStopDirectory) -> None:
    """A driver event while the solver ran makes the solved plan stale: it is not swapped in."""
    d = loaded(make_dispatcher, directory)
    with d.lock:
        snap = take_snapshot(d, d.timebase.seconds(NOW))
    new_routes = solve_snapshot(d, snap, 1.0)
    assert new_routes is not None
    version = d.plan().version
    d.record(Event(EventType.VEHICLE_IN_SERVICE, NOW, vehicle_id="V0"))
    assert swap_in(d, snap, new_routes, NOW) is False
    assert d.plan().version == version + 1
    assert_plan_valid(d)


def test_background_loop_replans_while_quotes_go_on(make_dispatcher: MakeDispatcher,
                                                    directory: NetworkStopDirectory) -> None:
    """The background loop re-plans in its own thread; quotes answered meanwhile are offers and the plan stays
    valid. (How long a quote takes while the solver runs is a figure of ``benchmarks/bench_quote.py
    --reoptimise``, not a timed assertion here.)"""
    import time

    from mobility.domain.clock import ManualClock
    from routing.dispatcher import ReoptimiseLoop

    d = loaded(make_dispatcher, directory)
    before = set(d.commitments())
    loop = ReoptimiseLoop(d, ManualClock(NOW), interval_s=0.01, time_limit_s=1.0)
    loop.start()
    answers = []
    deadline = time.monotonic() + 30
    while loop.runs < 2 and time.monotonic() < deadline:
        answers.append(d.quote(trip(directory, "q", "959000", "953445", NOW + timedelta(hours=3), now=NOW), NOW))
    loop.stop()
    assert loop.runs >= 2
    assert answers
    assert all(isinstance(a, Offer) for a in answers)
    assert set(d.commitments()) == before
    assert_plan_valid(d)


def test_reoptimisation_keeps_its_time_limit_and_promises_on_a_route_group(make_dispatcher: MakeDispatcher,
                                                                           directory: NetworkStopDirectory) -> None:
    """A node budget too small for the whole plan re-plans a group of routes only, keeping every promise. (That
    it ends within its time limit is a figure of ``benchmarks/bench_quote.py --reoptimise``.)"""
    from routing.dispatcher.reoptimise import budget_of, select_routes

    d = loaded(make_dispatcher, directory)
    with d.lock:
        snap = take_snapshot(d, d.timebase.seconds(NOW))
    part = select_routes(d, snap, max_nodes=1, seed=1)
    assert len(part.routes) == 1
    assert set(part.commitments) == {rid for r in part.routes.values() for rid in r.request_ids()}
    assert select_routes(d, snap, max_nodes=10_000, seed=0) is snap
    before = d.commitments()
    budget_of(d).per_node2_s = 1e-5  # a slow machine: few nodes fit
    d.reoptimise(NOW, 0.5)
    assert set(d.commitments()) == set(before)
    assert_plan_valid(d)


def test_budget_learns_the_solver_setup_within_bounds() -> None:
    """An overrun raises the per-node² estimate (at most doubling it), a solve within its limit lowers it."""
    from routing.dispatcher.reoptimise import MAX_PER_NODE2_S, Budget

    b = Budget(per_node2_s=1e-6)
    b.learn_setup(100, 1.0, 3.0)
    assert b.per_node2_s == 2e-6
    assert b.max_nodes(1.0) < Budget(per_node2_s=1e-6).max_nodes(1.0)
    b.learn_setup(100, 1.0, 1.0)
    assert b.per_node2_s < 2e-6
    for _ in range(30):
        b.learn_setup(10, 0.1, 100.0)
    assert b.per_node2_s == MAX_PER_NODE2_S


def _with_breaks(make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory) -> LiveDispatcher:
    """Three minibuses (shift 05–21 UTC, 30-minute break starting 10:30–11:30) with 30 trips over the day."""
    from dataclasses import replace as dc_replace

    from mobility.domain.fleet import Break, Shift

    pause = Break(DAY + timedelta(hours=10, minutes=30), DAY + timedelta(hours=11, minutes=30), 1800)
    fleet = [dc_replace(v, shifts=(Shift(DAY + timedelta(hours=5), DAY + timedelta(hours=21), pause),))
             for v in (minibus(f"V{k}", DEPOTS[k % 2], directory) for k in range(3))]
    d = make_dispatcher(fleet)
    rng = random.Random(11)
    stops = [s for s in directory.stops() if s.municipality in {"Bernburg (Saale)", "Staßfurt", "Nienburg (Saale)"}]
    for k in range(30):
        a, b = rng.sample(stops, 2)
        offer = d.quote(trip(directory, f"r{k}", a.id, b.id, NOW + timedelta(minutes=rng.randint(30, 11 * 60)),
                             now=NOW), NOW)
        if isinstance(offer, Offer):
            d.confirm(offer, f"b{k}", NOW)
    return d


def test_whole_shift_snapshot_states_every_stretch_between_breaks(make_dispatcher: MakeDispatcher,
                                                                  directory: NetworkStopDirectory) -> None:
    """For a day's batch plan each route becomes one solver vehicle per stretch between breaks, every booking of
    the day is in the problem, and reading the current plan back gives the same routes (breaks in place)."""
    from routing.dispatcher.darp_problem import routes_from_solution, to_problem

    d = _with_breaks(make_dispatcher, directory)
    now_s = d.timebase.seconds(NOW)
    with d.lock:
        live = take_snapshot(d, now_s)
        snap = take_snapshot(d, now_s, d.day_window(NOW.date()))
    assert snap.whole_shift
    assert not live.whole_shift
    with_breaks = [r for r in snap.routes.values() if any(str(t.kind) == "break" for t in r.tasks)]
    assert with_breaks
    stated = to_problem(d, snap)
    assert stated is not None
    assert len(stated.problem.vehicles) == sum(1 + sum(str(t.kind) == "break" for t in r.tasks)
                                               for r in snap.routes.values())
    assert {r.id for r in stated.problem.requests} == set(snap.commitments)
    back = routes_from_solution(snap, stated.initial, stated)
    for key, route in snap.routes.items():
        assert [(t.kind, t.request_id, t.loc) for t in back[key].tasks] == \
               [(t.kind, t.request_id, t.loc) for t in route.tasks]
    live_stated = to_problem(d, live)
    assert live_stated is not None
    assert len(live_stated.problem.requests) < len(stated.problem.requests)  # live: up to the first break only


def test_batch_plan_of_a_day_with_breaks_keeps_every_promise(make_dispatcher: MakeDispatcher,
                                                             directory: NetworkStopDirectory) -> None:
    """Re-planning the whole day (all stretches, breaks in place) keeps every booking in its promise."""
    d = _with_breaks(make_dispatcher, directory)
    before = d.commitments()
    distance = d.day_summary(NOW.date()).distance_m
    d.reoptimise(NOW, 2.0, day=NOW.date())
    assert_promises_kept(before, d.commitments())
    assert d.day_summary(NOW.date()).distance_m <= distance
    assert_plan_valid(d)


def test_an_idle_vehicle_the_plan_is_already_late_for_stays_out_of_the_problem(
        make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory) -> None:
    """An idle vehicle that can no longer reach its depot by its shift end (time went by) is left as it is instead
    of making the whole problem invalid; the others are re-planned."""
    from dataclasses import replace as dc_replace

    from routing.dispatcher.darp_problem import to_problem
    from routing.dispatcher.reoptimise import Snapshot

    d = make_dispatcher([minibus("V0", DEPOTS[0], directory), minibus("V1", DEPOTS[1], directory)])
    offer = d.quote(trip(directory, "r0", "959000", "953445", NOW + timedelta(hours=1), now=NOW), NOW)
    assert isinstance(offer, Offer)
    d.confirm(offer, "b0", NOW)
    now_s = d.timebase.seconds(NOW)
    with d.lock:
        snap = take_snapshot(d, now_s)
    idle_key = next(k for k, r in snap.routes.items() if not r.tasks)
    idle = snap.routes[idle_key]
    far = max(range(len(d.durations)), key=lambda x: d.durations[x][idle.end_loc])
    drive = d.durations[far][idle.end_loc]  # it could have made it had it left in time, but it did not
    stranded = dc_replace(idle, start_loc=far, ready=now_s + 60 - drive - 10, shift_end=now_s + 60)
    stated = to_problem(d, Snapshot(snap.version, now_s, {**snap.routes, idle_key: stranded}, snap.commitments))
    assert stated is not None
    assert idle_key not in {v.id for v in stated.problem.vehicles}
    assert {r.id for r in stated.problem.requests} == {"b0"}


def test_offers_after_a_swap_are_the_new_plan_and_unchanged_ones_stay(make_dispatcher: MakeDispatcher,
                                                                      directory: NetworkStopDirectory) -> None:
    """After a swap every booking's offer names the vehicle and the planned pickup and drop-off of its new route;
    a booking whose vehicle and times did not change keeps its commitment as it was (the same object)."""
    d = loaded(make_dispatcher, directory)
    before = dict(d.state.commitments)
    assert d.reoptimise(NOW, 1.0)
    at = d.timebase.instant
    kept = 0
    with d.lock:
        state = d.state
        for bid, c in state.commitments.items():
            route, sched = state.routes[c.route_key], state.schedules[c.route_key]
            begins = {(t.request_id, t.kind): sched.begin[k] for k, t in enumerate(route.tasks, start=1)}
            assert c.offer.vehicle_id == route.vehicle_id
            assert c.offer.planned_dropoff == at(begins[bid, TaskKind.DROPOFF])
            assert c.offer.planned_pickup == at(begins[bid, TaskKind.PICKUP])
            old = before[bid]
            same = (old.route_key, old.offer.vehicle_id, old.offer.planned_pickup, old.offer.planned_dropoff) == (
                c.route_key, c.offer.vehicle_id, c.offer.planned_pickup, c.offer.planned_dropoff)
            assert (c is old) == same, bid
            kept += same
    assert 0 < kept < len(before), "the re-plan moves some bookings and leaves others as they were"
