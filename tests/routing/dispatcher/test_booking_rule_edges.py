"""Booking rules at their edges: inclusive starts, exclusive ends, deadlines and horizons to the second, the exact
German messages (found by a mutation check of mobility/domain/rules.py, docs/testing.md)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from mobility.domain.rides import RejectionReason
from mobility.domain.rules import INSTANT, KVG, BookingRules, Period

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 23, 5, 0, tzinfo=BERLIN)  # Monday 05:00


def at(hour: int, minute: int = 0, second: int = 0, day: int = 23) -> datetime:
    """Local time on November ``day``, 2026."""
    return datetime(2026, 11, day, hour, minute, second, tzinfo=BERLIN)


@pytest.mark.parametrize(("when", "period"), [
    (at(7), "Tag (07–21 Uhr)"), (at(20, 59, 59), "Tag (07–21 Uhr)"), (at(21), "Nacht (21–07 Uhr)"),
    (at(6, 59, 59), "Nacht (21–07 Uhr)"), (at(0), "Nacht (21–07 Uhr)"),
])
def test_a_period_includes_its_start_and_excludes_its_end(when: datetime, period: str) -> None:
    """07:00 is day, 21:00 is night, 06:59:59 still night: start inclusive, end exclusive, also past midnight."""
    found = KVG.period_at(when)
    assert found is not None
    assert found[0].name == period


def test_a_night_period_began_the_evening_before_after_midnight() -> None:
    """A trip at 00:00 or 06:59 belongs to the night that began the day before; 21:00 to the night of that day."""
    night = KVG.periods[1]
    assert night.began_on(at(0, day=24)) == at(0, day=23).date()
    assert night.began_on(at(6, 59, day=24)) == at(0, day=23).date()
    assert night.began_on(at(21, day=23)) == at(0, day=23).date()
    assert night.began_on(at(7, day=24)) is None


def test_instant_service_hours_are_six_to_ten() -> None:
    """06:00 is bookable, 22:00 is not, and the refusal names the hours."""
    assert INSTANT.check(at(6), at(5, 30)) is None
    refused = INSTANT.check(at(22), at(5, 30))
    assert refused is not None
    assert refused.reason is RejectionReason.OUTSIDE_SERVICE_HOURS
    assert refused.message == "Zu dieser Zeit fährt kein Rufbus. Betriebszeiten: 06:00–22:00 Uhr."
    assert KVG.describe_hours() == "07:00–21:00 Uhr, 21:00–07:00 Uhr"


def test_a_whole_day_period_contains_every_time() -> None:
    """A period from 00:00 to 00:00 runs past midnight, i.e. the whole day."""
    always = Period("immer", time(0), time(0))
    for hour in (0, 7, 12, 23):
        assert always.began_on(at(hour)) is not None


def test_now_and_a_minute_ago_are_not_the_past() -> None:
    """A trip for right now, or up to a minute ago (the form took a while), is bookable; 61 seconds ago is past."""
    now = at(8)
    assert INSTANT.check(now, now) is None
    assert INSTANT.check(now - timedelta(seconds=60), now) is None
    past = INSTANT.check(now - timedelta(seconds=61), now)
    assert past is not None
    assert past.reason is RejectionReason.IN_THE_PAST
    assert past.message == "Der gewünschte Zeitpunkt liegt in der Vergangenheit."


def test_the_horizon_is_inclusive_to_the_second() -> None:
    """Exactly 14 days ahead is bookable, a second more is not, and the message says 14 days."""
    now = at(8)
    assert INSTANT.check(now + timedelta(days=14), now) is None
    far = INSTANT.check(now + timedelta(days=14, seconds=1), now)
    assert far is not None
    assert far.reason is RejectionReason.BEYOND_HORIZON
    assert far.message == "Fahrten können höchstens 14 Tage im Voraus gebucht werden."


def test_the_night_deadline_is_inclusive() -> None:
    """A night trip can be booked at 20:00:00 sharp; at 20:00:01 the deadline has passed (with date and time)."""
    trip = at(23)
    assert KVG.check(trip, at(20)) is None
    late = KVG.check(trip, at(20, 0, 1))
    assert late is not None
    assert late.reason is RejectionReason.TOO_SHORT_NOTICE
    assert late.message == "Fahrten im Zeitraum „Nacht (21–07 Uhr)“ müssen bis 20:00 Uhr am 23.11.2026 gebucht werden."


def test_the_day_notice_is_inclusive_and_names_the_minutes() -> None:
    """60 minutes ahead is bookable; 59 minutes is not, and the refusal says when the trip becomes bookable."""
    now = at(9)
    assert KVG.check(now + timedelta(minutes=60), now) is None
    short = KVG.check(now + timedelta(minutes=59), now)
    assert short is not None
    assert short.message == "Fahrten im Zeitraum „Tag (07–21 Uhr)“ müssen mindestens 60 Minuten vorher gebucht werden."
    assert short.earliest_allowed == now + timedelta(minutes=60)


def test_rule_sets_and_periods_refuse_impossible_values() -> None:
    """No periods, a horizon of zero or a negative notice are refused with the rule set or period named; a notice
    of zero and a horizon of one second are fine."""
    with pytest.raises(ValueError, match=r"^rule set 'leer' needs at least one period \(its service hours\)$"):
        BookingRules("leer", ())
    with pytest.raises(ValueError, match=r"^rule set 'x': max_horizon_s must be positive, got 0$"):
        BookingRules("x", INSTANT.periods, max_horizon_s=0)
    with pytest.raises(ValueError, match=r"^period 'p': min_notice_s must not be negative, got -1$"):
        Period("p", time(6), time(22), min_notice_s=-1)
    assert BookingRules("kurz", (Period("p", time(6), time(22), min_notice_s=0),), max_horizon_s=1).max_horizon_s == 1
