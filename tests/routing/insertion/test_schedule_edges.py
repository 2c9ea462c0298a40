"""Route timing computed by hand: every list of the schedule, the drive home, the named problems, and how
``relaxed`` repairs a route after a driver event (found by a mutation check of routing/insertion/schedule.py,
docs/testing.md)."""

from __future__ import annotations

import pytest

from routing.insertion import Route, Task, TaskKind, check, schedule
from routing.insertion.schedule import Infeasible, lenient_schedule, relaxed

# five stops on a line, 100 s apart: 0 — 1 — 2 — 3 — 4
TT = [[abs(a - b) * 100 for b in range(5)] for a in range(5)]
P, D = TaskKind.PICKUP, TaskKind.DROPOFF


def route(*tasks: Task, end: int = 4, shift_end: int = 10_000, capacity: tuple[int, ...] = (2,),
          onboard: tuple[int, ...] = (0,), boarded: dict[str, int] | None = None) -> Route:
    """Vehicle ``v`` ready at stop 0 at time 0, ending at stop ``end`` by ``shift_end``."""
    return Route("v@0", "v", capacity, 0, 0, end, 0, shift_end, tasks, onboard, boarded or {})


def task(kind: TaskKind, rid: str, loc: int, earliest: int = 0, latest: int = 5_000, *, service: int = 0,
         ride: int | None = None) -> Task:
    """A task of request ``rid`` (one seat) at stop ``loc``; ``ride`` is the limit of a drop-off."""
    return Task(kind, rid, loc, earliest, latest, service, (1,), ride if kind is D else None)


def test_every_list_of_a_schedule_by_hand() -> None:
    """Pickup at stop 1 from 300 s (30 s service), drop-off at stop 3 from 600 s, home at stop 4: the vehicle leaves
    at 200 (not earlier: it waits at its start), waits 70 s at the drop-off, is home at 730 after 400 s of driving;
    the latest begins run backwards from the windows and the shift end."""
    r = route(task(P, "a", 1, 300, 900, service=30), task(D, "a", 3, 600, 5_000, service=30, ride=1_000))
    s = schedule(r, TT)
    assert s.arrival == [200, 300, 530, 730]
    assert s.begin == [200, 300, 600, 730]
    assert s.departure == [200, 330, 630, 730]
    assert s.load_after == [(0,), (1,), (0,), (0,)]
    assert s.waited == [0, 0, 70, 70]
    assert s.latest == [800, 900, 5_000, 10_000]
    assert s.end_arrival == 730
    assert s.drive_s(TT) == 400
    assert s.locs == [0, 1, 3, 4]


def test_an_empty_route_drives_home_at_once() -> None:
    """Without tasks the vehicle leaves when ready and must leave by the shift end minus the drive home."""
    s = schedule(route(shift_end=1_000), TT)
    assert (s.arrival, s.latest, s.waited) == ([0, 400], [600, 1_000], [0, 0])


def test_latest_begins_when_the_shift_end_binds() -> None:
    """With the shift ending at 1,000 s, each latest begin is the next one minus service and drive: 870 at the
    drop-off (30 s service, 100 s home), 640 at the pickup (30 s, 200 s), 540 for leaving the start."""
    r = route(task(P, "a", 1, service=30), task(D, "a", 3, service=30), shift_end=1_000)
    assert schedule(r, TT).latest == [540, 640, 870, 1_000]


def test_the_drive_home_must_end_by_the_shift_end() -> None:
    """Home exactly at the shift end is fine; a second less of shift and the route is infeasible, naming when."""
    tasks = (task(P, "a", 1), task(D, "a", 3))
    assert schedule(route(*tasks, shift_end=400), TT).end_arrival == 400
    with pytest.raises(Infeasible, match=r"^route v@0: back at 400, after the shift end 399$"):
        schedule(route(*tasks, shift_end=399), TT)


def test_every_broken_constraint_is_named_in_order() -> None:
    """A lenient schedule lists each problem once, in route order; the strict one raises the first of them."""
    r = route(task(P, "a", 1), task(P, "b", 2, latest=100), task(D, "c", 3), task(D, "a", 4, ride=50),
              capacity=(1,), onboard=(1,), shift_end=300, end=0)
    s, problems = lenient_schedule(r, TT)
    assert problems == [
        "route v@0, task 1 (pickup of a): load (2,) exceeds capacity (1,)",
        "route v@0, task 2 (pickup of b): begins at 200, after its latest 100",
        "route v@0, task 2 (pickup of b): load (3,) exceeds capacity (1,)",
        "route v@0, task 3 (dropoff of c): drop-off before its pickup",
        "route v@0, task 4 (dropoff of a): ride of 300 s exceeds its limit 50 s",
        "route v@0: back at 800, after the shift end 300",
    ]
    assert s.end_arrival == 800
    with pytest.raises(Infeasible) as caught:
        schedule(r, TT)
    assert str(caught.value) == problems[0]
    over = route(capacity=(1,), onboard=(2,))
    assert lenient_schedule(over, TT)[1] == ["route v@0: load on board (2,) exceeds capacity (1,)"]


def test_check_names_double_pickups_and_riders_never_dropped() -> None:
    """A request picked up twice and one never dropped off are named with the route and the request ids."""
    assert check(route(task(P, "a", 1), task(P, "a", 2), task(D, "a", 3)), TT) == [
        "route v@0: request a picked up twice"]
    assert check(route(task(P, "b", 1), task(P, "a", 2), task(D, "a", 3), capacity=(3,)), TT) == [
        "route v@0: requests ['b'] never dropped off"]
    assert check(route(task(P, "a", 1), task(D, "a", 3)), TT) == []


def test_relaxed_delays_an_early_pickup_inside_its_window_then_widens_the_ride() -> None:
    """Rider a (stop 1, pickup window 0–1,000 s, ride limit 300 s) would ride 1,000 s because the bus then fetches b
    at stop 4 (from 900 s). ``relaxed`` first delays a's pickup — to 800, then to 1,000, the end of its window (the
    driver waits; the promise holds) — and only then widens a's limit to the 500 s the bus now needs; b's windows
    stay, the shift is not stretched."""
    r = route(task(P, "a", 1, 0, 1_000), task(P, "b", 4, 900, 1_500), task(D, "a", 2, ride=300), task(D, "b", 3),
              end=0)
    fixed = relaxed(r, TT)
    assert [(t.request_id, t.kind, t.earliest, t.latest, t.max_ride_s) for t in fixed.tasks] == [
        ("a", P, 1_000, 1_000, None), ("b", P, 900, 1_500, None), ("a", D, 0, 5_000, 500), ("b", D, 0, 5_000, None)]
    assert fixed.shift_end == r.shift_end
    assert check(fixed, TT) == []
    assert schedule(fixed, TT).begin == [900, 1_000, 1_300, 1_500, 1_600, 1_900]


def test_relaxed_counts_the_boarding_time_when_it_delays_a_pickup() -> None:
    """The same tour with a minute of boarding at a's pickup: the ride is counted from the end of boarding, so the
    pickup is delayed to 740, then to 940 (= 1,300 − 300 − 60), and the limit widened to 500."""
    r = route(task(P, "a", 1, 0, 1_000, service=60), task(P, "b", 4, 900, 1_500), task(D, "a", 2, ride=300),
              task(D, "b", 3), end=0)
    fixed = relaxed(r, TT)
    assert (fixed.tasks[0].earliest, fixed.tasks[2].max_ride_s) == (940, 500)
    assert check(fixed, TT) == []


def test_relaxed_widens_what_a_late_bus_cannot_keep() -> None:
    """A bus ready only at 1,000 s cannot begin a's pickup by its latest 300 nor be home by 1,200: the latest
    begin becomes exactly 1,100 (when the bus gets there) and the shift end 1,400; a route that is feasible comes
    back unchanged."""
    late = Route("v@0", "v", (2,), 0, 1_000, 0, 0, 1_200, (task(P, "a", 1, 0, 300), task(D, "a", 2, ride=100)),
                 (0,), {})
    fixed = relaxed(late, TT)
    assert [(t.latest, t.max_ride_s) for t in fixed.tasks] == [(1_100, None), (5_000, 100)]
    assert fixed.shift_end == 1_400
    assert check(fixed, TT) == []
    fine = route(task(P, "a", 1), task(D, "a", 2))
    assert relaxed(fine, TT) is fine


def test_relaxed_widens_the_ride_of_a_rider_already_on_board() -> None:
    """A rider on board since 0 s with a 150 s limit, dropped at stop 3 (300 s): nothing can be delayed, so the
    limit becomes the 300 s of the ride; a drop-off at its very limit stays as it was."""
    on_board = route(task(D, "a", 3, ride=150), onboard=(1,), boarded={"a": 0}, end=0)
    assert relaxed(on_board, TT).tasks[0].max_ride_s == 300
    exact = route(task(D, "a", 3, ride=300), onboard=(1,), boarded={"a": 0}, end=0)
    assert relaxed(exact, TT) is exact
