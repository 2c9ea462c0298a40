"""The batch plan of one service day: re-optimisation rounds until the time budget is spent (pure loop).

Used by the booking service's nightly run and by the simulation: each round re-plans a group of the day's
routes (the dispatcher rotates the group), a round is swapped in only if it drives less, and the loop stops when
the budget is spent or every busy route had its turn without improvement.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from mobility.domain.plan import DaySummary

MIN_ROUND_S = 0.5  # a round with less time than this is not started


@dataclass(frozen=True, slots=True)
class DayPlan:
    """What a batch run did for one service day."""

    day: date
    rides: int
    busy_routes: int
    rounds: int
    improved_rounds: int
    distance_before_m: int
    distance_after_m: int
    seconds: float


def batch_rounds(day: date, reoptimise: Callable[[float], bool], summary: Callable[[], DaySummary], *,
                 time_limit_s: float, round_s: float, clock: Callable[[], float] = time.perf_counter) -> DayPlan:
    """Run ``reoptimise(limit)`` rounds for ``day`` within ``time_limit_s`` (each at most ``round_s``), measured
    on ``clock`` (wall time; a benchmark may count CPU time)."""
    if time_limit_s <= 0 or round_s <= 0:
        msg = f"time_limit_s and round_s must be positive, got {time_limit_s} and {round_s}"
        raise ValueError(msg)
    began = clock()
    before = summary()
    rounds = improved = idle = 0
    while before.busy_routes and idle < max(3, before.busy_routes):
        left = time_limit_s - (clock() - began)
        if left < MIN_ROUND_S:
            break
        rounds += 1
        if reoptimise(min(round_s, left)):
            improved += 1
            idle = 0
        else:
            idle += 1
    after = summary()
    return DayPlan(day, after.rides, after.busy_routes, rounds, improved, before.distance_m, after.distance_m,
                   round(clock() - began, 2))
