"""Booking rules per service: service hours, minimum notice, booking horizon and booking deadlines.

Two rule sets ship: ``instant`` (our default: book a ride now for right away) and ``kvg`` (the KVG Salzland's
rules today: trips between 07:00 and 21:00 need at least 60 minutes' notice; night trips, 21:00–07:00, must be
booked by 20:00 on the evening the night begins — for a trip after midnight that is 20:00 of the day before).
Times of day are local times in the rule set's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mobility.domain.rides import RejectionReason

MINUTE = 60
HOUR = 3600
DAY = 86_400


@dataclass(frozen=True, slots=True)
class Period:
    """A daily period ``[start, end)`` of local time; ``end <= start`` means it runs past midnight.

    A trip in the period needs ``min_notice_s`` seconds of notice, and, if ``book_by`` is set, must be booked by
    that local time on the day the period begins.
    """

    name: str
    start: time
    end: time
    min_notice_s: int = 0
    book_by: time | None = None

    def __post_init__(self) -> None:
        if self.min_notice_s < 0:
            msg = f"period {self.name!r}: min_notice_s must not be negative, got {self.min_notice_s}"
            raise ValueError(msg)

    def began_on(self, local: datetime) -> date | None:
        """The date on which the occurrence of this period containing ``local`` began, or None if outside."""
        t = local.time().replace(tzinfo=None)
        if self.start < self.end:
            return local.date() if self.start <= t < self.end else None
        if t >= self.start:
            return local.date()
        if t < self.end:
            return local.date() - timedelta(days=1)
        return None


@dataclass(frozen=True, slots=True)
class RuleViolation:
    """Why a trip time is not bookable: a stable reason, a German message, the earliest bookable time if any."""

    reason: RejectionReason
    message: str
    earliest_allowed: datetime | None = None


@dataclass(frozen=True, slots=True)
class BookingRules:
    """The booking rules of one service. ``periods`` must cover every bookable time of day (service hours)."""

    name: str
    periods: tuple[Period, ...]
    max_horizon_s: int = 14 * DAY
    timezone: str = "Europe/Berlin"

    def __post_init__(self) -> None:
        if not self.periods:
            msg = f"rule set {self.name!r} needs at least one period (its service hours)"
            raise ValueError(msg)
        if self.max_horizon_s <= 0:
            msg = f"rule set {self.name!r}: max_horizon_s must be positive, got {self.max_horizon_s}"
            raise ValueError(msg)

    def period_at(self, when: datetime) -> tuple[Period, date] | None:
        """The period containing ``when`` and the date it began, or None outside service hours."""
        local = when.astimezone(ZoneInfo(self.timezone))
        for period in self.periods:
            began = period.began_on(local)
            if began is not None:
                return period, began
        return None

    def check(self, trip_time: datetime, now: datetime) -> RuleViolation | None:
        """Whether a trip at ``trip_time`` may be booked at ``now``; None if it may."""
        if trip_time < now - timedelta(minutes=1):
            return RuleViolation(RejectionReason.IN_THE_PAST, "Der gewünschte Zeitpunkt liegt in der Vergangenheit.")
        if trip_time > now + timedelta(seconds=self.max_horizon_s):
            days = self.max_horizon_s // DAY
            return RuleViolation(RejectionReason.BEYOND_HORIZON,
                                 f"Fahrten können höchstens {days} Tage im Voraus gebucht werden.")
        found = self.period_at(trip_time)
        if found is None:
            return RuleViolation(RejectionReason.OUTSIDE_SERVICE_HOURS,
                                 f"Zu dieser Zeit fährt kein Rufbus. Betriebszeiten: {self.describe_hours()}.")
        period, began = found
        tz = ZoneInfo(self.timezone)
        if period.book_by is not None:
            deadline = datetime.combine(began, period.book_by, tzinfo=tz)
            if now > deadline:
                return RuleViolation(
                    RejectionReason.TOO_SHORT_NOTICE,
                    f"Fahrten im Zeitraum „{period.name}“ müssen bis {period.book_by:%H:%M} Uhr "
                    f"am {deadline:%d.%m.%Y} gebucht werden.")
        if period.min_notice_s and trip_time < now + timedelta(seconds=period.min_notice_s):  # none: up to a minute ago
            minutes = period.min_notice_s // MINUTE
            return RuleViolation(
                RejectionReason.TOO_SHORT_NOTICE,
                f"Fahrten im Zeitraum „{period.name}“ müssen mindestens {minutes} Minuten vorher gebucht werden.",
                now + timedelta(seconds=period.min_notice_s))
        return None

    def describe_hours(self) -> str:
        """The service hours in German, e.g. ``06:00–22:00 Uhr``."""
        return ", ".join(f"{p.start:%H:%M}–{p.end:%H:%M} Uhr" for p in self.periods)


INSTANT = BookingRules(
    name="instant",
    periods=(Period("Betriebszeit", time(6, 0), time(22, 0)),),
    max_horizon_s=14 * DAY,
)

KVG = BookingRules(
    name="kvg",
    periods=(
        Period("Tag (07–21 Uhr)", time(7, 0), time(21, 0), min_notice_s=60 * MINUTE),
        Period("Nacht (21–07 Uhr)", time(21, 0), time(7, 0), book_by=time(20, 0)),
    ),
    max_horizon_s=28 * DAY,
)

RULE_SETS: dict[str, BookingRules] = {INSTANT.name: INSTANT, KVG.name: KVG}


def rule_set(name: str) -> BookingRules:
    """The rule set called ``name`` (``instant`` or ``kvg``); ``ValueError`` naming the choices otherwise."""
    try:
        return RULE_SETS[name]
    except KeyError:
        msg = f"unknown booking rule set {name!r}; choose one of {sorted(RULE_SETS)}"
        raise ValueError(msg) from None
