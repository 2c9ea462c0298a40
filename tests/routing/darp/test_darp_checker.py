"""The independent checker accepts a valid plan and names each kind of broken rule."""

from __future__ import annotations

import dataclasses

import pytest

from routing.darp import (
    CostBreakdown,
    DarpProblem,
    Request,
    Route,
    Solution,
    Status,
    TimeWindow,
    Vehicle,
    Visit,
    VisitKind,
)
from routing.darp.checker import check, measure
from tests.routing.darp.darp_builders import line_travel

TRAVEL = line_travel([0, 2, 5, 9])
P, D = VisitKind.PICKUP, VisitKind.DROPOFF
COST = CostBreakdown(0, 0, 0, 0, 0, 0, 0)
REQUESTS = (
    Request(id="a", pickup=1, dropoff=3, load=(2,), pickup_window=TimeWindow(100, 400), max_ride_s=600,
            must_serve=True),
    Request(id="b", pickup=2, dropoff=3, load=(1,), dropoff_window=TimeWindow(0, 1000)),
)
PROBLEM = DarpProblem(REQUESTS, (Vehicle(id="bus", capacity=(3,), start=0, end=0, max_duration_s=2000),), TRAVEL)
#: bus: depot 0 -> a at km 2 (t=120..) -> b at km 5 -> drop both at km 9 -> depot
VALID = (Visit("a", P, 1, 120, (2,)), Visit("b", P, 2, 300, (3,)), Visit("a", D, 3, 540, (1,)),
         Visit("b", D, 3, 540, (0,)))


def _solution(visits: tuple[Visit, ...], *, arrival: int = 1080, rejected: tuple[str, ...] = ()) -> Solution:
    return Solution((Route("bus", visits, 0, arrival),), rejected, COST, Status.FEASIBLE)


def test_valid_plan_has_no_violations() -> None:
    """A hand-computed feasible plan passes, and its exact distance is 18 km."""
    assert check(PROBLEM, _solution(VALID)) == []
    assert measure(PROBLEM, _solution(VALID)).distance == 18_000


@pytest.mark.parametrize(
    ("visits", "kind"),
    [
        ((VALID[2], VALID[1], VALID[0], VALID[3]), "precedence"),  # drop-off before pickup
        ((dataclasses.replace(VALID[0], start_s=60), *VALID[1:]), "travel"),  # cannot be there yet
        ((dataclasses.replace(VALID[0], start_s=500, load_after=(2,)),
          dataclasses.replace(VALID[1], start_s=800), dataclasses.replace(VALID[2], start_s=1040),
          dataclasses.replace(VALID[3], start_s=1040)), "window"),
        ((VALID[0], dataclasses.replace(VALID[1], start_s=700), dataclasses.replace(VALID[2], start_s=940),
          dataclasses.replace(VALID[3], start_s=940)), "ride_time"),
        ((VALID[0], VALID[2], VALID[1], VALID[3]), "capacity"),  # declared loads no longer match
        ((VALID[0], VALID[2]), "pairing"),  # b neither served nor rejected
        ((VALID[1], VALID[3]), "confirmed"),  # confirmed a left out
    ],
)
def test_each_broken_rule_is_named(visits: tuple[Visit, ...], kind: str) -> None:
    """A plan breaking one rule yields a violation of that kind."""
    assert kind in {v.kind for v in check(PROBLEM, _solution(visits))}


def test_capacity_overflow_is_found() -> None:
    """Three seats on board of a 2-seat vehicle are reported as a capacity violation."""
    small = dataclasses.replace(PROBLEM, vehicles=(dataclasses.replace(PROBLEM.vehicles[0], capacity=(2,)),))
    kinds = {v.kind for v in check(small, _solution(VALID))}
    assert "capacity" in kinds


def test_route_duration_and_shift_are_checked() -> None:
    """A route lasting longer than allowed and ending after the shift is reported twice."""
    tight = dataclasses.replace(PROBLEM.vehicles[0], max_duration_s=900, shift=TimeWindow(0, 1000))
    problem = dataclasses.replace(PROBLEM, vehicles=(tight,))
    kinds = {v.kind for v in check(problem, _solution(VALID))}
    assert {"duration", "shift"} <= kinds
