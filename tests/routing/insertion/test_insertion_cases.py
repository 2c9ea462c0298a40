"""Hand-made insertion cases in the style of MATSim's DRT tests: one vehicle entry per occupancy case."""

from __future__ import annotations

import pytest

from routing.insertion import (
    CostWeights,
    RequestSpec,
    Route,
    Task,
    TaskKind,
    best_insertion,
    candidates,
    check,
    schedule,
)

# five stops on a line, 100 s apart: 0 — 1 — 2 — 3 — 4
TT = [[abs(a - b) * 100 for b in range(5)] for a in range(5)]
W = CostWeights(0)


def route(tasks: tuple[Task, ...] = (), *, capacity: tuple[int, ...] = (4, 0, 0), onboard: tuple[int, ...] = (0, 0, 0),
          boarded: dict[str, int] | None = None, shift_end: int = 10_000) -> Route:
    """A route of vehicle ``v`` starting at stop 0 at time 0, back at stop 0 by ``shift_end``."""
    return Route("v@0", "v", capacity, 0, 0, 0, 0, shift_end, tasks, onboard, boarded or {})


def req(rid: str, p: int, d: int, *, load: tuple[int, ...] = (1, 0, 0), e: int = 0, lp: int = 5_000,
        ld: int = 9_000, ride: int = 5_000, service: int = 0) -> RequestSpec:
    """A request from stop ``p`` to ``d`` with pickup window [e, lp], latest arrival ld, ride limit ride."""
    return RequestSpec(rid, p, d, load, e, lp, ld, ride, service, service)


def positions(r: Route, spec: RequestSpec, now: int = 0) -> set[tuple[int, int]]:
    """The (pickup_after, dropoff_after) pairs the generator yields."""
    return {(c.pickup_after, c.dropoff_after) for c in candidates(r, schedule(r, TT), spec, TT, now=now, weights=W)}


def with_request(r: Route, spec: RequestSpec, i: int, j: int) -> Route:
    """``r`` with ``spec`` inserted at (i, j)."""
    from routing.insertion import insert_tasks

    return insert_tasks(r, spec, i, j, 0)


def test_empty_vehicle_has_exactly_one_insertion() -> None:
    """An idle vehicle offers exactly one position: pickup and drop-off right after its start."""
    assert positions(route(), req("a", 1, 3)) == {(0, 0)}


def test_start_empty_two_stops_all_positions() -> None:
    """With one booked trip and room to spare, every precedence-respecting position is generated."""
    r = with_request(route(), req("a", 1, 3), 0, 0)
    assert positions(r, req("b", 2, 4)) == {(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)}


def test_full_between_stops_blocks_spanning_positions() -> None:
    """A vehicle full between pickup and drop-off of a booked party takes no one across that segment."""
    r = with_request(route(capacity=(2, 0, 0)), req("a", 1, 3, load=(2, 0, 0)), 0, 0)
    assert positions(r, req("b", 2, 4)) == {(0, 0), (2, 2)}


def test_onboard_passenger_ride_limit_forbids_detour() -> None:
    """A rider on board whose ride limit is nearly used up cannot be taken on a detour."""
    drop = Task(TaskKind.DROPOFF, "x", 2, 0, 9_000, 0, (1, 0, 0), 250)
    r = route((drop,), onboard=(1, 0, 0), boarded={"x": 0})
    found = best_insertion([(r, schedule(r, TT))], req("b", 4, 1), TT, 0, weights=W)
    assert found is not None
    tasks = found.route.tasks
    assert tasks[0].request_id == "x", "the rider on board must be dropped first"
    assert check(found.route, TT) == []


def test_wheelchair_needs_a_wheelchair_place() -> None:
    """A wheelchair user is only placed in a vehicle with a wheelchair place."""
    plain = route(capacity=(8, 0, 0))
    equipped = Route("w@0", "w", (6, 1, 0), 4, 0, 4, 0, 10_000)
    spec = req("a", 1, 3, load=(0, 1, 0))
    assert positions(plain, spec) == set()
    found = best_insertion([(plain, schedule(plain, TT)), (equipped, schedule(equipped, TT))], spec, TT, 0)
    assert found is not None
    assert found.route_key == "w@0"


def test_no_rider_sits_through_a_break() -> None:
    """No position puts a break between a rider's pickup and drop-off."""
    brk = Task(TaskKind.BREAK, None, 0, 1_000, 2_000, 600)
    r = route((brk,))
    assert positions(r, req("a", 1, 3, lp=9_000)) == {(0, 0), (1, 1)}


def test_shift_end_is_kept() -> None:
    """A trip that would bring the vehicle back after its shift end is not offered."""
    r = route(shift_end=599)  # 0 → 1 → 3 → 0 takes 600 s
    assert positions(r, req("a", 1, 3)) == set()
    r_long = route(shift_end=600)
    assert positions(r_long, req("a", 1, 3)) == {(0, 0)}


def test_promised_window_of_booked_pickup_is_kept() -> None:
    """A detour that would make a booked pickup begin after its promised window is not generated."""
    r = with_request(route(), req("a", 4, 0, e=400, lp=400), 0, 0)
    got = positions(r, req("b", 1, 2, e=300, lp=1_000))  # waiting at stop 1 until 300 makes stop 4 late
    assert all(i >= 1 for i, _ in got), "nothing may delay the pickup at stop 4 promised for exactly t=400"
    assert got


def test_cheapest_insertion_pools_on_the_way() -> None:
    """The best insertion of a trip on the way of a booked trip pools it (no added driving)."""
    r = with_request(route(), req("a", 1, 4), 0, 0)
    found = best_insertion([(r, schedule(r, TT))], req("b", 2, 3), TT, 0, weights=W)
    assert found is not None
    assert (found.pickup_after, found.dropoff_after) == (1, 1)
    assert found.cost == 0


def test_vehicle_that_left_is_not_diverted_before_its_next_stop() -> None:
    """Once the vehicle has left its start for the first task, nothing is inserted before that task."""
    r = with_request(route(), req("a", 4, 3, e=400, lp=500), 0, 0)
    assert (0, 0) in positions(r, req("b", 1, 2), now=0)
    assert all(i >= 1 for i, _ in positions(r, req("b", 1, 2), now=50))


@pytest.mark.parametrize(("e", "lp", "expected"), [(0, 5_000, 100), (700, 900, 700)])
def test_pickup_begins_at_window_or_arrival(e: int, lp: int, expected: int) -> None:
    """The planned pickup begins on arrival, or when the window opens if the vehicle is early."""
    r = route()
    found = best_insertion([(r, schedule(r, TT))], req("a", 1, 3, e=e, lp=lp), TT, 0)
    assert found is not None
    assert found.pickup_begin == expected


def test_an_early_vehicle_waits_to_pick_up_instead_of_stretching_the_ride() -> None:
    """After a driver event the vehicle is early: picking ``a`` up at once would make its ride too long (``b``'s
    window makes the bus wait). The pickup is delayed inside its window and the ride limit stays the promise
    (widening it would plan the broken ride, and let later insertions stretch it further)."""
    from dataclasses import replace

    from routing.insertion import relaxed

    a, b = req("a", 1, 3, e=100, lp=1_000, ride=500), req("b", 2, 4, e=700, lp=800)
    planned = with_request(with_request(route(), a, 0, 0), b, 1, 2)  # a picked up, b picked up, a dropped off
    assert [(t.kind.value, t.request_id) for t in planned.tasks] == [
        ("pickup", "a"), ("pickup", "b"), ("dropoff", "a"), ("dropoff", "b")]
    late = replace(planned, ready=500)
    assert check(late, TT) == []
    early = replace(planned, ready=0)  # the driver reports being ready at the depot at once
    assert check(early, TT) != []  # picking a up at 100 and waiting for b until 700: a rides 700 s
    fixed = relaxed(early, TT)
    assert check(fixed, TT) == []
    assert fixed.tasks[2].max_ride_s == 500  # the promise is kept, not widened
    assert fixed.tasks[0].earliest == 300  # a waits: picked up at 300, inside its window
    assert fixed.tasks[0].latest == 1_000
    sched = schedule(fixed, TT)
    assert sched.begin[3] - sched.departure[1] == 500  # a rides exactly its limit (not 700 s from 100 on)


def test_a_rider_on_board_of_a_late_vehicle_gets_the_ride_reality_gives() -> None:
    """A ride limit that delaying cannot repair (the rider is on board) is widened to what the schedule gives."""
    from routing.insertion import relaxed

    drop = Task(TaskKind.DROPOFF, "a", 3, 0, 9_000, 0, (1, 0, 0), 200)
    late = route((drop,), onboard=(1, 0, 0), boarded={"a": 0})  # on board since 0, 300 s from stop 3
    assert check(late, TT) != []
    assert relaxed(late, TT).tasks[0].max_ride_s == 300
