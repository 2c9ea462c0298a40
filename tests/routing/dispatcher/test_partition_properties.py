"""Properties of the incremental live re-optimisation (groups by area, time cut, only what changed) and of the
no-show reserve: every plan passes the exact check, promises are kept, riders on board stay on their vehicle."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mobility.domain.events import Event, EventType
from mobility.domain.rides import Offer
from routing.directory import NetworkStopDirectory
from routing.dispatcher import DispatcherConfig
from routing.dispatcher.live import LiveDispatcher
from routing.dispatcher.partition import CUT_S, cuts, groups, progress_of, stretch
from routing.dispatcher.reoptimise import budget_of, take_snapshot
from routing.insertion import Route, TaskKind
from routing.insertion.schedule import NO_SHOWS_RESERVED
from tests.routing.dispatcher.dispatch_helpers import DAY, assert_plan_valid, minibus, trip
from tests.routing.dispatcher.test_reoptimise import assert_promises_kept

MakeDispatcher = Callable[..., LiveDispatcher]
STOPS = ["959000", "958851", "959054", "959185", "953445", "958908"]
NOW = DAY + timedelta(hours=5)
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

bookings = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(20, 420), st.integers(1, 3)),
                    min_size=2, max_size=16)


def _book(d: LiveDispatcher, directory: NetworkStopDirectory, trips: list[tuple[int, int, int, int]]) -> None:
    for n, (a, b, minutes, pax) in enumerate(trips):
        if a == b:
            continue
        offer = d.quote(trip(directory, f"r{n}", STOPS[a], STOPS[b], NOW + timedelta(minutes=minutes), now=NOW,
                             passengers=pax), NOW)
        if isinstance(offer, Offer):
            d.confirm(offer, f"b{n}", NOW)


def _board_first(d: LiveDispatcher) -> dict[str, str]:
    """Each vehicle's first rider boards at the planned time; booking -> vehicle of the riders on board."""
    aboard = {}
    with d.lock:
        firsts = [(r.vehicle_id, r.tasks[0], d.state.schedules[r.key].begin[1]) for r in d.state.routes.values()
                  if r.tasks and r.tasks[0].kind is TaskKind.PICKUP]
    for vehicle, task, begin in firsts:
        at = d.timebase.instant(begin)
        d.record(Event(EventType.VEHICLE_ARRIVED, at, booking_id=task.request_id, vehicle_id=vehicle))
        d.record(Event(EventType.PASSENGER_BOARDED, at, booking_id=task.request_id, vehicle_id=vehicle))
        aboard[str(task.request_id)] = vehicle
    return aboard


@SETTINGS
@given(bookings, st.booleans(), st.integers(1, 2))
def test_incremental_reoptimisation_keeps_every_promise(make_dispatcher: MakeDispatcher,
                                                        directory: NetworkStopDirectory,
                                                        trips: list[tuple[int, int, int, int]], board: bool,
                                                        workers: int) -> None:
    """After the grouped, time-cut re-optimisation (groups one after another or two at once in forked processes)
    every route passes the exact check, every booking keeps its promise, and riders on board are still on board
    of their vehicle."""
    d = make_dispatcher([minibus(f"V{k}", STOPS[(3 * k) % 6], directory, seats=4) for k in range(4)])
    budget_of(d).workers = workers
    _book(d, directory, trips)
    aboard = _board_first(d) if board else {}
    before = d.commitments()
    later = max([NOW, *(o.planned_pickup for o in before.values() if o.planned_pickup is not None)])
    d.reoptimise(min(later, NOW + timedelta(hours=2)), 0.6)
    assert_plan_valid(d)
    assert_promises_kept(before, d.commitments())
    with d.lock:
        for bid, vehicle in aboard.items():
            c = d.state.commitments[bid]
            assert c.boarded_at is not None
            assert d.state.routes[c.route_key].vehicle_id == vehicle


@SETTINGS
@given(bookings)
def test_groups_are_disjoint_time_cut_and_only_where_changed(make_dispatcher: MakeDispatcher,
                                                             directory: NetworkStopDirectory,
                                                             trips: list[tuple[int, int, int, int]]) -> None:
    """Groups never share a route, stay within the node limit (unless one route alone is larger), contain every
    changed route, end each stretch where the vehicle is empty, and are not formed again once solved."""
    d = make_dispatcher([minibus(f"V{k}", STOPS[(3 * k) % 6], directory, seats=4) for k in range(4)])
    _book(d, directory, trips)
    now_s = d.timebase.seconds(NOW)
    with d.lock:
        snap = take_snapshot(d, now_s)
        cut = cuts(snap.routes, d.state.schedules, now_s, CUT_S)
        scheds = dict(d.state.schedules)
    from dataclasses import replace

    snap = replace(snap, cut=cut)
    found = groups(d, snap, 12)
    seen: set[str] = set()
    for group in found:
        assert not seen & set(group.routes)
        seen |= set(group.routes)
        nodes = [stretch(r, group.cut[k])[0] for k, r in group.routes.items()]
        assert len(nodes) == 1 or sum(nodes) <= 12
    busy = {k for k, r in snap.routes.items() if stretch(r, cut[k])[1]}
    assert busy <= seen
    for key, c in cut.items():
        route: Route = snap.routes[key]
        assert 0 <= c <= len(route.tasks)
        if c < len(route.tasks):
            assert not any(scheds[key].load_after[c]), "a stretch ends with nobody on board"
            assert scheds[key].begin[c + 1] > now_s + CUT_S
    from routing.dispatcher.partition import mark_solved

    for group in found:
        mark_solved(d, group)
    assert groups(d, snap, 12) == []
    assert bool(progress_of(d).solved) == bool(busy)


WAIT = 300


def _executed_end(route: Route, tt: list[list[int]], no_shows: set[str]) -> int:
    """When the vehicle is back if the riders in ``no_shows`` do not come (the driver waits ``WAIT`` for each)."""
    t, here = route.ready, route.start_loc
    first = True
    for task in route.tasks:
        if task.request_id in no_shows and task.kind is TaskKind.DROPOFF:
            continue
        arrive = t + tt[here][task.loc]
        if first:  # the vehicle waits at its start rather than at its first task
            arrive = max(arrive, task.earliest)
            first = False
        begin = max(arrive, task.earliest)
        t = begin + (max(WAIT, task.service_s) if task.request_id in no_shows else task.service_s)
        here = task.loc
    return t + tt[here][route.end_loc]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bookings, st.integers(0, 2**16))
def test_no_show_waits_never_keep_a_bus_past_its_shift(make_dispatcher: MakeDispatcher,
                                                       directory: NetworkStopDirectory,
                                                       trips: list[tuple[int, int, int, int]], pick: int) -> None:
    """Whichever two riders (or fewer) do not show up, every vehicle is back at its depot by its shift end (shifts
    end soon after the rides, so the reserve binds)."""
    config = DispatcherConfig(no_show_wait_s=WAIT)
    d = make_dispatcher([minibus(f"V{k}", STOPS[(3 * k) % 6], directory, seats=4, start_h=5, end_h=7)
                         for k in range(2)], config)
    _book(d, directory, [(a, b, m % 100, p) for a, b, m, p in trips])
    with d.lock:
        for route in d.state.routes.values():
            pickups = [str(t.request_id) for t in route.tasks if t.kind is TaskKind.PICKUP]
            chosen = set([rid for n, rid in enumerate(pickups) if pick >> n & 1][:NO_SHOWS_RESERVED])
            assert _executed_end(route, d.durations, chosen) <= route.shift_end, (route.key, chosen)


def test_two_groups_at_once_in_forked_processes(make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """With two workers and small groups, groups are solved two at a time (one in a forked process) and both are
    swapped in: the plan passes the exact check and every promise is kept."""
    from routing.dispatcher import partition

    monkeypatch.setattr(partition, "MAX_GROUP_NODES", 10)
    d = make_dispatcher([minibus(f"V{k}", STOPS[(3 * k) % 6], directory, seats=4) for k in range(4)])
    _book(d, directory, [(k % 6, (k * 5 + 1) % 6, 30 + 17 * k, 1) for k in range(12)])
    budget_of(d).workers = 2
    before = d.commitments()
    with d.lock:
        busy = {k for k, r in d.state.routes.items() if r.request_ids()}
    d.reoptimise(NOW, 4.0)
    assert len(busy) >= 3
    assert len(progress_of(d).solved) >= 2  # the first two groups went at once (the rest as the time allows)
    assert_plan_valid(d)
    assert_promises_kept(before, d.commitments())
