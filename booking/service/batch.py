"""The night's batch plan: pre-booked rides of the next service day re-planned by OR-Tools as a whole.

Pre-bookings for later days are inserted one by one as they come (each gets its promise at once). Once a day,
when the day's bookings are in, the batch run re-solves the shifts of that day round after round (each round a
group of neighbouring routes around a rotating seed route, as the background re-optimisation does) until its
time budget is spent or every busy route had its turn without improvement. Every promise is kept: the solver
treats each booking as must-serve within its promised windows, and a round is swapped in only if it drives less.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from booking.service.operations import OperationsService

log = logging.getLogger(__name__)

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


def next_service_day(now: datetime, timezone: str) -> date:
    """The service day a batch run at ``now`` prepares: today before noon (local), tomorrow from noon on."""
    return (now.astimezone(ZoneInfo(timezone)) + timedelta(hours=12)).date()


def batch_due(now: datetime, at: clock_time, timezone: str, last_planned: date | None) -> date | None:
    """The day to plan if the daily batch time ``at`` (local) has passed and that day is not planned yet."""
    local = now.astimezone(ZoneInfo(timezone))
    if local.time() < at:
        return None
    day = next_service_day(datetime.combine(local.date(), at, local.tzinfo), timezone)
    return None if last_planned is not None and last_planned >= day else day


def plan_day(operations: OperationsService, day: date, time_limit_s: float, *, round_s: float = 5.0,
             actor: str = "batch") -> DayPlan:
    """Re-plan the shifts starting on ``day`` within ``time_limit_s`` seconds (rounds of at most ``round_s``)."""
    if time_limit_s <= 0 or round_s <= 0:
        msg = f"time_limit_s and round_s must be positive, got {time_limit_s} and {round_s}"
        raise ValueError(msg)
    dispatcher = operations.ctx.dispatcher
    began = time.perf_counter()
    before = dispatcher.day_summary(day)
    rounds = improved = idle = 0
    while before.busy_routes and idle < max(3, before.busy_routes):
        left = time_limit_s - (time.perf_counter() - began)
        if left < MIN_ROUND_S:
            break
        rounds += 1
        if operations.reoptimise(min(round_s, left), actor=actor, day=day):
            improved += 1
            idle = 0
        else:
            idle += 1
    after = dispatcher.day_summary(day)
    result = DayPlan(day, after.rides, after.busy_routes, rounds, improved, before.distance_m, after.distance_m,
                     round(time.perf_counter() - began, 2))
    log.info("batch plan %s: %d rides on %d shifts, %.1f km → %.1f km (%d of %d rounds improved, %.1f s)",
             day.isoformat(), result.rides, result.busy_routes, before.distance_m / 1000, after.distance_m / 1000,
             improved, rounds, result.seconds)
    return result
