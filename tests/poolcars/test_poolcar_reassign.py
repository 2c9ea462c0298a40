"""Re-assignment after a breakdown: promises kept on same-station same-type cars, or reported."""

from __future__ import annotations

import itertools
from datetime import timedelta

from mobility.domain.poolcars import PoolRules, Reservation, ReservationState, Slot
from routing.carsharing import CarsharingPlanner, CpSatParams
from tests.poolcars.conftest import HBF, KREIS, MONDAY, VAN, car

RULES = PoolRules(buffer_s=900)
NOW = MONDAY.replace(hour=7)
PLANNER = CarsharingPlanner(params=CpSatParams(time_limit_s=5.0, workers=1))


def res(rid: str, car_id: str, start_h: float, hours: float, state: ReservationState = ReservationState.CONFIRMED):
    start = MONDAY + timedelta(hours=start_h)
    return Reservation(rid, f"p-{rid}", car_id, KREIS.id, Slot(start, start + timedelta(hours=hours)), state, NOW)


def test_breakdown_moves_reservations_to_a_free_peer() -> None:
    """The broken car's reservation goes to the idle car of the same station and type."""
    cars = [car("broken"), car("spare")]
    out = PLANNER.reassign(
        "broken", reservations=[res("r1", "broken", 9, 2)], cars=cars, stations=[KREIS], now=NOW, rules=RULES
    )
    assert out.new_car == {"r1": "spare"}
    assert out.unkept == ()


def test_swap_keeps_both_promises() -> None:
    """Swapping a peer's not-yet-started reservation makes room, so every promise is kept."""
    cars = [car("broken"), car("a"), car("b")]
    reservations = [
        res("long", "broken", 9, 6),  # 9–15: neither a nor b is free all that time ...
        res("morning-a", "a", 9, 1),
        res("noon-b", "b", 12, 1),  # ... until noon-b moves over to a
    ]
    out = PLANNER.reassign("broken", reservations=reservations, cars=cars, stations=[KREIS], now=NOW, rules=RULES)
    assert out.unkept == ()
    assigned = {r.id: out.new_car.get(r.id, r.car_id) for r in reservations}
    assert assigned["long"] in {"a", "b"}
    assert len(out.new_car) == 2  # the broken car's reservation and exactly one swap
    # no car holds two overlapping reservations after the change
    for c in ("a", "b"):
        mine = sorted((r.slot for r in reservations if assigned[r.id] == c), key=lambda s: s.start)
        assert all(x.padded(RULES.buffer_s).end <= y.start for x, y in itertools.pairwise(mine))


def test_unkeepable_promise_is_reported_not_dropped() -> None:
    """When no same-type car at the station is free, the reservation is reported as not keepable."""
    cars = [car("broken"), car("a"), car("other-station", HBF), car("van", KREIS, VAN)]
    reservations = [res("r1", "broken", 9, 2), res("busy", "a", 8, 4, ReservationState.STARTED)]
    out = PLANNER.reassign("broken", reservations=reservations, cars=cars, stations=[KREIS, HBF], now=NOW, rules=RULES)
    assert out.unkept == ("r1",)
    assert out.new_car == {}


def test_started_and_past_reservations_stay() -> None:
    """A reservation already picked up or already over is not moved."""
    cars = [car("broken"), car("spare")]
    reservations = [res("gone", "broken", 1, 2), res("driving", "broken", 6, 3, ReservationState.STARTED)]
    out = PLANNER.reassign("broken", reservations=reservations, cars=cars, stations=[KREIS], now=NOW, rules=RULES)
    assert out.new_car == {}
    assert out.unkept == ()


def test_fewest_changes() -> None:
    """Reservations of healthy cars keep their car when that is possible."""
    cars = [car("broken"), car("a"), car("b")]
    reservations = [res("r1", "broken", 9, 2), res("ra", "a", 9, 2), res("rb", "b", 13, 2)]
    out = PLANNER.reassign("broken", reservations=reservations, cars=cars, stations=[KREIS], now=NOW, rules=RULES)
    assert out.new_car == {"r1": "b"}
