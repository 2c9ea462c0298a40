"""Booking rule sets: instant (default) and the KVG Salzland rules with day notice and night deadline."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mobility.domain.rides import RejectionReason
from mobility.domain.rules import INSTANT, KVG, rule_set

BERLIN = ZoneInfo("Europe/Berlin")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A local time in March 2026 (2 March is a Monday)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=BERLIN)


def test_instant_books_right_away_in_service_hours() -> None:
    """The default rule set takes a trip five minutes ahead, and refuses one at night."""
    assert INSTANT.check(at(2, 10, 5), at(2, 10)) is None
    night = INSTANT.check(at(2, 23), at(2, 10))
    assert night is not None
    assert night.reason is RejectionReason.OUTSIDE_SERVICE_HOURS


@pytest.mark.parametrize(
    ("trip", "now", "reason"),
    [
        (at(2, 10, 30), at(2, 10), RejectionReason.TOO_SHORT_NOTICE),  # day trip: 60 min notice
        (at(2, 11), at(2, 10), None),
        (at(2, 22), at(2, 19, 59), None),  # night trip booked before 20:00
        (at(2, 22), at(2, 20, 1), RejectionReason.TOO_SHORT_NOTICE),
        (at(3, 2), at(2, 19), None),  # after midnight: the night began on the 2nd
        (at(3, 2), at(2, 21), RejectionReason.TOO_SHORT_NOTICE),
        (at(2, 9), at(2, 10), RejectionReason.IN_THE_PAST),
        (at(2, 9) + timedelta(days=40), at(2, 10), RejectionReason.BEYOND_HORIZON),
    ],
)
def test_kvg_rules(trip: datetime, now: datetime, reason: RejectionReason | None) -> None:
    """Day trips need an hour's notice; night trips must be booked by 20:00 on the evening the night begins."""
    got = KVG.check(trip, now)
    assert (got.reason if got else None) is reason
    if got:
        assert got.message


def test_earliest_bookable_time_is_given() -> None:
    """A too-short-notice refusal names the earliest time that could be booked."""
    got = KVG.check(at(2, 10, 30), at(2, 10))
    assert got is not None
    assert got.earliest_allowed == at(2, 11)


def test_unknown_rule_set_names_the_choices() -> None:
    """Asking for an unknown rule set fails naming the known ones."""
    assert rule_set("kvg") is KVG
    with pytest.raises(ValueError, match="instant"):
        rule_set("weekend")
