"""The night's batch plan: pre-booked rides of the next service day re-planned by OR-Tools as a whole.

Pre-bookings for later days are inserted one by one as they come (each gets its promise at once). Once a day,
when the day's bookings are in, the batch run re-solves the shifts of that day round after round (each round a
group of neighbouring routes around a rotating seed route, as the background re-optimisation does) until its
time budget is spent or every busy route had its turn without improvement. Every promise is kept: the solver
treats each booking as must-serve within its promised windows, and a round is swapped in only if it drives less.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from booking.service.bookings import BookingService
from booking.service.operations import OperationsService
from booking.service.standing import BOOKED, StandingOrders
from mobility.domain.batch import DayPlan, batch_rounds

log = logging.getLogger(__name__)

LATE_BY = timedelta(hours=6)  # a batch run missed by more than this (service down) is skipped


def next_service_day(now: datetime, timezone: str) -> date:
    """The service day a batch run at ``now`` prepares: today before noon (local), tomorrow from noon on."""
    return (now.astimezone(ZoneInfo(timezone)) + timedelta(hours=12)).date()


def batch_due(now: datetime, at: clock_time, timezone: str, last_planned: date | None, *,
              late_by: timedelta = LATE_BY) -> date | None:
    """The day to plan if the daily batch time ``at`` (local) passed less than ``late_by`` ago and that day is not
    planned yet (a service started in the afternoon does not re-plan the running day as a night's batch)."""
    local = now.astimezone(ZoneInfo(timezone))
    run_at = datetime.combine(local.date(), at, local.tzinfo)
    if run_at > local:
        run_at -= timedelta(days=1)
    if local - run_at >= late_by:
        return None
    day = next_service_day(run_at, timezone)
    return None if last_planned is not None and last_planned >= day else day


def book_standing_orders(operations: OperationsService, day: date) -> int:
    """Book the standing orders due on ``day`` (each order and day once); returns how many were booked. A failure
    is logged: the batch plan goes on."""
    try:
        runs = StandingOrders(operations.ctx, BookingService(operations.ctx)).book_day(day)
    except Exception:
        log.exception("standing orders of %s could not be booked", day.isoformat())
        return 0
    booked = sum(1 for r in runs if r.outcome == BOOKED)
    if runs:
        log.info("standing orders %s: %d booked, %d refused", day.isoformat(), booked, len(runs) - booked)
    return booked


def plan_day(operations: OperationsService, day: date, time_limit_s: float, *, round_s: float = 5.0,
             actor: str = "batch") -> DayPlan:
    """Book the standing orders due on ``day``, then re-plan the shifts starting on ``day`` within ``time_limit_s``
    seconds (rounds of at most ``round_s``); every round that replaces the plan is stored and logged like a
    background re-optimisation."""
    book_standing_orders(operations, day)
    dispatcher = operations.ctx.dispatcher
    result = batch_rounds(day, lambda limit: operations.reoptimise(limit, actor=actor, day=day),
                          lambda: dispatcher.day_summary(day), time_limit_s=time_limit_s, round_s=round_s)
    log.info("batch plan %s: %d rides on %d shifts, %.1f km → %.1f km (%d of %d rounds improved, %.1f s)",
             day.isoformat(), result.rides, result.busy_routes, result.distance_before_m / 1000,
             result.distance_after_m / 1000, result.improved_rounds, result.rounds, result.seconds)
    return result
