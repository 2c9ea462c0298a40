"""Bookable times: the next time a ride can be booked for, and the nearest times that would work after a refusal.

The booking rules (service hours, notice, deadlines) say which times may be booked at all; the dispatcher says which
of them a vehicle can serve. At 23:30 the next bookable time is the start of the service hours next morning, not
"now + 60 minutes"; a refusal at night offers the last possible time of the evening and the first of the morning.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from mobility.domain.ports import Dispatcher
from mobility.domain.rides import NoOffer, RejectionReason, RideRequest
from mobility.domain.rules import BookingRules

STEP = timedelta(minutes=5)  # times offered to people are on a 5-minute grid
DEFAULT_LEAD = timedelta(minutes=15)  # the form's default: a quarter of an hour from now at the earliest
TRY_STEP = timedelta(minutes=15)  # alternatives are tried in quarter hours from the nearest allowed time
TRIES = 4  # per direction
#: refusals for which another time may help
TIME_REASONS = frozenset({RejectionReason.OUTSIDE_SERVICE_HOURS, RejectionReason.TOO_SHORT_NOTICE,
                          RejectionReason.NO_CAPACITY})


def ceil_to(when: datetime, step: timedelta = STEP) -> datetime:
    """``when`` rounded up to the grid of ``step`` (seconds dropped)."""
    seconds = int(step.total_seconds())
    stamp = int(when.timestamp())
    rounded = -(-stamp // seconds) * seconds
    return datetime.fromtimestamp(rounded, tz=when.tzinfo)


def period_starts(rules: BookingRules, after: datetime) -> Iterator[datetime]:
    """The starts of the rules' periods after ``after`` through the booking horizon, in order."""
    tz = ZoneInfo(rules.timezone)
    day = after.astimezone(tz).date()
    days = rules.max_horizon_s // 86_400 + 2
    starts = sorted(datetime.combine(day + timedelta(days=n), p.start, tzinfo=tz)
                    for n in range(days) for p in rules.periods)
    yield from (s for s in starts if s > after)


def period_ends(rules: BookingRules, before: datetime, now: datetime) -> Iterator[datetime]:
    """The ends of the rules' periods between ``now`` and ``before``, latest first."""
    tz = ZoneInfo(rules.timezone)
    day = before.astimezone(tz).date()
    ends = sorted((datetime.combine(day - timedelta(days=n), p.end, tzinfo=tz)
                   for n in range(2) for p in rules.periods), reverse=True)
    yield from (e for e in ends if now < e <= before)


def allowed(rules: BookingRules, when: datetime, now: datetime) -> datetime | None:
    """``when`` if the rules allow it, else the earliest allowed time the rules name for it (minimum notice)."""
    violation = rules.check(when, now)
    if violation is None:
        return when
    if violation.earliest_allowed is not None:
        later = ceil_to(violation.earliest_allowed)
        if rules.check(later, now) is None:
            return later
    return None


def next_bookable(rules: BookingRules, now: datetime, lead: timedelta = DEFAULT_LEAD,
                  after: datetime | None = None) -> datetime | None:
    """The first time on the 5-minute grid at least ``lead`` from ``now`` (and not before ``after``) that may be
    booked at ``now`` (``None``: none in the horizon)."""
    start = ceil_to(max(now + lead, after or now))
    for candidate in (start, *period_starts(rules, start)):
        found = allowed(rules, ceil_to(candidate), now)
        if found is not None:
            return found
    return None


def with_nearest_times(result: NoOffer, dispatcher: Dispatcher, rules: BookingRules, now: datetime) -> NoOffer:
    """``result`` with the nearest possible times as alternatives when it has none and another time may help."""
    if result.alternatives or result.reason not in TIME_REASONS:
        return result
    return dataclasses.replace(result, alternatives=nearest_times(dispatcher, rules, result.request, now))


def nearest_times(dispatcher: Dispatcher, rules: BookingRules, request: RideRequest, now: datetime
                  ) -> tuple[datetime, ...]:
    """After a refusal: the nearest earlier and the nearest later time a vehicle can take ``request`` (departure or
    arrival as asked), looking past the service hours — the evening before and the morning after a night request."""
    asked = request.requested_time
    found: list[datetime] = []
    if rules.check(asked, now) is None:  # the time is allowed, the vehicles are full: try later ones
        later_from: datetime | None = asked + TRY_STEP
    else:
        later_from = next_bookable(rules, now, lead=timedelta(0), after=asked)
    if later_from is not None:
        hit = _first_fit(dispatcher, rules, request, now, start=later_from, step=TRY_STEP)
        if hit is not None:
            found.append(hit)
    earlier_from = _last_allowed_before(rules, asked, now)
    if earlier_from is not None:
        hit = _first_fit(dispatcher, rules, request, now, start=earlier_from, step=-TRY_STEP)
        if hit is not None and hit not in found:
            found.append(hit)
    return tuple(sorted(found))


def _last_allowed_before(rules: BookingRules, asked: datetime, now: datetime) -> datetime | None:
    """The latest allowed time before ``asked``: just before the end of the period that ended last."""
    if rules.check(asked, now) is None:
        candidate = asked - TRY_STEP
        return candidate if rules.check(candidate, now) is None else None
    for end in period_ends(rules, asked, now):
        candidate = ceil_to(end - TRY_STEP)
        if rules.check(candidate, now) is None:
            return candidate
    return None


def _first_fit(dispatcher: Dispatcher, rules: BookingRules, request: RideRequest, now: datetime, *,
               start: datetime, step: timedelta) -> datetime | None:
    """The first of ``start``, ``start + step``, … (at most :data:`TRIES`) that the rules allow and a vehicle can
    serve."""
    for n in range(TRIES):
        when = start + n * step
        if rules.check(when, now) is not None:
            continue
        moved = dataclasses.replace(request, id=str(uuid.uuid4()),
                                    departure=None if request.arrival is not None else when,
                                    arrival=when if request.arrival is not None else None)
        if not isinstance(dispatcher.quote(moved, now), NoOffer):
            return when
    return None
