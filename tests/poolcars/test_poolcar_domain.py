"""The pure pool-car domain: slots, calendars, rules and reservation states."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mobility.domain.poolcar_rules import (
    blocked_period,
    cancel,
    change_end,
    check_slot,
    conflicts,
    overlapping_own,
    pick_up,
    release_if_not_picked_up,
    return_car,
)
from mobility.domain.poolcars import (
    PoolCarError,
    PoolErrorCode,
    PoolRules,
    Reservation,
    ReservationState,
    Slot,
    WeeklyHours,
)
from tests.poolcars.conftest import MONDAY

RULES = PoolRules(buffer_s=900)
NOW = MONDAY.replace(hour=7)


def _res(start_h: float, hours: float, state: ReservationState = ReservationState.CONFIRMED) -> Reservation:
    start = MONDAY + timedelta(hours=start_h)
    return Reservation("r1", "anna", "car-1", "kreis", Slot(start, start + timedelta(hours=hours)), state, NOW)


@pytest.mark.parametrize(
    ("start_h", "end_h", "code"),
    [
        (6, 8, PoolErrorCode.IN_THE_PAST),
        (9, 8, PoolErrorCode.END_BEFORE_START),
        (9, 9, PoolErrorCode.END_BEFORE_START),
        (9, 9.25, PoolErrorCode.TOO_SHORT),
        (9, 9 + 73, PoolErrorCode.TOO_LONG),
        (24 * 61, 24 * 61 + 2, PoolErrorCode.BEYOND_HORIZON),
    ],
)
def test_check_slot_rejects_bad_slots(start_h: float, end_h: float, code: PoolErrorCode) -> None:
    """Past, reversed, too short, too long and too far ahead slots are refused with their stable code."""
    with pytest.raises(PoolCarError) as err:
        check_slot(MONDAY + timedelta(hours=start_h), MONDAY + timedelta(hours=end_h), NOW, RULES)
    assert err.value.code is code
    assert err.value.message  # German text for the person


def test_check_slot_accepts_a_normal_slot() -> None:
    """A two-hour slot later today is accepted unchanged."""
    slot = check_slot(MONDAY.replace(hour=9), MONDAY.replace(hour=11), NOW, RULES)
    assert slot.duration_s == 7_200


def test_naive_datetimes_are_refused() -> None:
    """A slot without time zone is refused rather than guessed."""
    with pytest.raises(PoolCarError):
        check_slot(datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 11), NOW, RULES)


minutes = st.integers(min_value=0, max_value=3 * 24 * 60)


@given(a0=minutes, a_len=st.integers(1, 600), b0=minutes, b_len=st.integers(1, 600), buf=st.integers(0, 120))
def test_conflict_is_overlap_of_blocked_periods(a0: int, a_len: int, b0: int, b_len: int, buf: int) -> None:
    """Two reservations conflict exactly when one starts before the other's end plus the buffer (symmetric)."""
    rules = PoolRules(buffer_s=buf * 60)
    a = Slot(MONDAY + timedelta(minutes=a0), MONDAY + timedelta(minutes=a0 + a_len))
    b = Slot(MONDAY + timedelta(minutes=b0), MONDAY + timedelta(minutes=b0 + b_len))
    expected = a.start < b.end + timedelta(minutes=buf) and b.start < a.end + timedelta(minutes=buf)
    assert conflicts(a, b, rules) == conflicts(b, a, rules) == expected
    assert blocked_period(a, rules).end - a.end == timedelta(minutes=buf)


def test_weekly_hours_allow_only_inside_opening() -> None:
    """A Mon–Fri 06–22 calendar allows 08–10 on Monday, not 21–23 and not Saturday."""
    hours = WeeklyHours(tuple((d, time(6), time(22)) for d in range(5)))
    assert hours.allows(Slot(MONDAY.replace(hour=8), MONDAY.replace(hour=10)))
    assert not hours.allows(Slot(MONDAY.replace(hour=21), MONDAY.replace(hour=23)))
    saturday = MONDAY + timedelta(days=5)
    assert not hours.allows(Slot(saturday.replace(hour=8), saturday.replace(hour=10)))


def test_weekly_hours_join_across_midnight() -> None:
    """Periods ending at midnight and starting at midnight join, so an overnight slot is allowed."""
    hours = WeeklyHours(tuple((d, time(0), time(0)) for d in range(7)))
    assert hours.allows(Slot(MONDAY.replace(hour=20), MONDAY.replace(hour=20) + timedelta(hours=30)))


def test_weekly_hours_follow_local_time_across_dst() -> None:
    """Opening hours are local: on the DST Sunday (29 March 2026) 08:00 local is 06:00 UTC."""
    sunday = datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
    hours = WeeklyHours(((6, time(8), time(12)),))
    assert hours.allows(Slot(sunday, sunday + timedelta(hours=2)))
    assert not hours.allows(Slot(sunday - timedelta(minutes=30), sunday + timedelta(hours=1)))


def test_pick_up_only_in_the_pickup_window() -> None:
    """Pick-up works from 15 min before the start up to the grace end, not earlier."""
    res = _res(9, 2)
    with pytest.raises(PoolCarError) as err:
        pick_up(res, MONDAY.replace(hour=8), RULES)
    assert err.value.code is PoolErrorCode.NOT_PICKUP_TIME
    started = pick_up(res, MONDAY.replace(hour=8, minute=50), RULES)
    assert started.state is ReservationState.STARTED
    assert started.picked_up_at == MONDAY.replace(hour=8, minute=50)


def test_not_picked_up_is_released_after_grace() -> None:
    """A confirmed reservation is released only once the grace period after its start has passed."""
    res = _res(9, 2)
    assert release_if_not_picked_up(res, MONDAY.replace(hour=9, minute=30), RULES) is None
    released = release_if_not_picked_up(res, MONDAY.replace(hour=9, minute=31), RULES)
    assert released is not None
    assert released.state is ReservationState.RELEASED
    assert release_if_not_picked_up(_res(9, 2, ReservationState.STARTED), MONDAY.replace(hour=12), RULES) is None


def test_return_early_frees_the_rest_of_the_slot() -> None:
    """Returning a started car early ends the slot at the return time."""
    started = pick_up(_res(9, 4), MONDAY.replace(hour=9), RULES)
    done = return_car(started, MONDAY.replace(hour=10))
    assert done.state is ReservationState.FINISHED
    assert done.slot.end == MONDAY.replace(hour=10)


def test_extend_and_shorten() -> None:
    """The end may move later or earlier, but not before now, the start, or past the maximum duration."""
    res = _res(9, 2)
    assert change_end(res, MONDAY.replace(hour=13), NOW, RULES).slot.end == MONDAY.replace(hour=13)
    assert change_end(res, MONDAY.replace(hour=10), NOW, RULES).slot.duration_s == 3_600
    for bad, code in [
        (MONDAY.replace(hour=6), PoolErrorCode.IN_THE_PAST),
        (MONDAY.replace(hour=8), PoolErrorCode.END_BEFORE_START),
        (MONDAY + timedelta(days=4), PoolErrorCode.TOO_LONG),
    ]:
        with pytest.raises(PoolCarError) as err:
            change_end(res, bad, NOW, RULES)
        assert err.value.code is code


def test_terminal_states_refuse_changes() -> None:
    """A cancelled reservation can be neither cancelled again, picked up, nor changed."""
    gone = cancel(_res(9, 2), NOW)
    for action in (lambda: cancel(gone, NOW), lambda: pick_up(gone, MONDAY.replace(hour=9), RULES)):
        with pytest.raises(PoolCarError) as err:
            action()
        assert err.value.code is PoolErrorCode.INVALID_STATE
    with pytest.raises(PoolCarError):
        change_end(gone, MONDAY.replace(hour=12), NOW, RULES)


def test_overlapping_own_reservation_is_found() -> None:
    """One person cannot hold two active reservations at the same time; cancelled ones do not count."""
    mine = _res(9, 2)
    later = Slot(MONDAY.replace(hour=10), MONDAY.replace(hour=12))
    assert overlapping_own("anna", later, [mine]) == mine
    assert overlapping_own("bert", later, [mine]) is None
    assert overlapping_own("anna", later, [cancel(mine, NOW)]) is None
