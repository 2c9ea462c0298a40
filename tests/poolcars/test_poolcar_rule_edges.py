"""Pool-car rules at their edges: each refusal with its code, German message and field, every boundary to the second
(found by a mutation check of mobility/domain/poolcar_rules.py, docs/testing.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mobility.domain.poolcar_rules import cancel, change_end, check_slot, local_time, pick_up, reject, return_car
from mobility.domain.poolcars import PoolCarError, PoolErrorCode, PoolRules, Reservation, ReservationState, Slot
from tests.poolcars.conftest import MONDAY

RULES = PoolRules()  # 30 min to 72 h, 60 days ahead, pick-up from 15 min before to 30 min after the start
NOW = MONDAY.replace(hour=7)
S = timedelta(seconds=1)
TZ_MESSAGE = "Bitte Beginn und Ende mit Zeitzone angeben (ISO 8601, z. B. 2026-03-02T08:00:00+01:00)."
TOO_LONG = "Eine Reservierung darf höchstens 72 Stunden dauern."


def _res(start: datetime, end: datetime, state: ReservationState = ReservationState.CONFIRMED) -> Reservation:
    return Reservation("r1", "anna", "car-1", "kreis", Slot(start, end), state, NOW)


def _refused(call: object) -> tuple[PoolErrorCode, str, str | None]:
    with pytest.raises(PoolCarError) as caught:
        call()  # type: ignore[operator]
    return caught.value.code, caught.value.message, caught.value.field


NINE = MONDAY.replace(hour=9)
SLOTS = [
    ("naive start", NINE.replace(tzinfo=None), NINE + timedelta(hours=2),
     (PoolErrorCode.END_BEFORE_START, TZ_MESSAGE, "start")),
    ("naive end", NINE, (NINE + timedelta(hours=2)).replace(tzinfo=None),
     (PoolErrorCode.END_BEFORE_START, TZ_MESSAGE, "start")),
    ("end at the start", NINE, NINE,
     (PoolErrorCode.END_BEFORE_START, "Das Ende der Reservierung liegt vor dem Beginn.", "end")),
    ("a second ago", NOW - S, NOW + timedelta(hours=1),
     (PoolErrorCode.IN_THE_PAST, "Der gewünschte Beginn liegt in der Vergangenheit.", "start")),
    ("a second beyond 60 days", NOW + timedelta(days=60) + S, NOW + timedelta(days=60, hours=1),
     (PoolErrorCode.BEYOND_HORIZON, "Reservierungen sind höchstens 60 Tage im Voraus möglich.", "start")),
    ("a second short of 30 minutes", NINE, NINE + timedelta(minutes=30) - S,
     (PoolErrorCode.TOO_SHORT, "Eine Reservierung dauert mindestens 30 Minuten.", "end")),
    ("a second over 72 hours", NINE, NINE + timedelta(hours=72) + S, (PoolErrorCode.TOO_LONG, TOO_LONG, "end")),
]


@pytest.mark.parametrize(("start", "end", "refusal"), [s[1:] for s in SLOTS], ids=[s[0] for s in SLOTS])
def test_check_slot_refuses_with_code_message_and_field(start: datetime, end: datetime,
                                                       refusal: tuple[PoolErrorCode, str, str]) -> None:
    """Each refusal names its stable code, tells the person in German and points at the field to correct."""
    assert _refused(lambda: check_slot(start, end, NOW, RULES)) == refusal


@pytest.mark.parametrize(("start", "end"), [
    (NOW, NOW + timedelta(hours=1)), (NOW + timedelta(days=60), NOW + timedelta(days=60, hours=1)),
    (NINE, NINE + timedelta(minutes=30)), (NINE, NINE + timedelta(hours=72)),
], ids=["starting now", "exactly 60 days ahead", "exactly 30 minutes", "exactly 72 hours"])
def test_check_slot_accepts_each_limit_itself(start: datetime, end: datetime) -> None:
    """Every limit is inclusive: the slot comes back as asked."""
    assert check_slot(start, end, NOW, RULES) == Slot(start, end)


def test_change_end_refusals_and_limits() -> None:
    """A finished reservation cannot change; the new end needs a time zone, must lie after now and after the start,
    and the slot may last 72 hours but not a second more; a car out now may be brought back a second from now."""
    res = _res(NINE, NINE + timedelta(hours=2))
    gone = _res(NINE, NINE + timedelta(hours=2), ReservationState.CANCELLED)
    assert _refused(lambda: change_end(gone, NINE + timedelta(hours=3), NOW, RULES)) == (
        PoolErrorCode.INVALID_STATE, "Eine Reservierung im Zustand CANCELLED kann nicht mehr geändert werden.", "state")
    assert _refused(lambda: change_end(res, (NINE + timedelta(hours=3)).replace(tzinfo=None), NOW, RULES)) == (
        PoolErrorCode.END_BEFORE_START, "Bitte das neue Ende mit Zeitzone angeben.", "end")
    assert _refused(lambda: change_end(res, NOW, NOW, RULES)) == (
        PoolErrorCode.IN_THE_PAST, "Das neue Ende liegt in der Vergangenheit.", "end")
    assert _refused(lambda: change_end(res, NINE, NOW, RULES)) == (
        PoolErrorCode.END_BEFORE_START, "Das neue Ende liegt vor dem Beginn.", "end")
    assert _refused(lambda: change_end(res, NINE + timedelta(hours=72) + S, NOW, RULES)) == (
        PoolErrorCode.TOO_LONG, TOO_LONG, "end")
    longest = change_end(res, NINE + timedelta(hours=72), NOW, RULES)
    assert (longest.id, longest.state, longest.slot) == ("r1", res.state, Slot(NINE, NINE + timedelta(hours=72)))
    out = _res(MONDAY.replace(hour=6), MONDAY.replace(hour=8), ReservationState.STARTED)
    assert change_end(out, NOW + S, NOW, RULES).slot.end == NOW + S


def test_pick_up_window_is_inclusive_at_both_ends() -> None:
    """From 08:45:00 to 09:30:00 for a 09:00 start; a second outside, the refusal says the window in local time."""
    res = _res(NINE, NINE + timedelta(hours=2))
    window = "Das Auto kann zwischen 02.03.2026, 08:45 Uhr und 02.03.2026, 09:30 Uhr abgeholt werden."
    for moment in (NINE - timedelta(minutes=15), NINE + timedelta(minutes=30)):
        assert pick_up(res, moment, RULES).picked_up_at == moment
    for moment in (NINE - timedelta(minutes=15) - S, NINE + timedelta(minutes=30) + S):
        assert _refused(lambda m=moment: pick_up(res, m, RULES)) == (PoolErrorCode.NOT_PICKUP_TIME, window, "now")


def test_state_changes_that_cannot_happen_are_named() -> None:
    """Cancelling twice, rejecting a car already out or returning one never picked up is refused, naming the state
    and the action; a confirmed reservation can be rejected (its car broke down)."""
    gone = cancel(_res(NINE, NINE + timedelta(hours=2)), NOW)
    assert _refused(lambda: cancel(gone, NOW)) == (
        PoolErrorCode.INVALID_STATE, "Eine Reservierung im Zustand CANCELLED kann nicht storniert werden.", "state")
    waiting = _res(NINE, NINE + timedelta(hours=2))
    assert reject(waiting, NOW).state is ReservationState.REJECTED
    out = pick_up(waiting, NINE, RULES)
    assert _refused(lambda: reject(out, NINE)) == (
        PoolErrorCode.INVALID_STATE, "Eine Reservierung im Zustand STARTED kann nicht abgelehnt werden.", "state")
    assert _refused(lambda: return_car(waiting, NINE)) == (
        PoolErrorCode.INVALID_STATE, "Eine Reservierung im Zustand CONFIRMED kann nicht zurückgegeben werden.",
        "state")


def test_return_ends_the_slot_at_the_return_but_never_before_it_began_or_after_it_ended() -> None:
    """Back at once: the slot keeps one second; back late: the slot keeps its end; the return time is recorded."""
    out = pick_up(_res(NINE, NINE + timedelta(hours=2)), NINE - timedelta(minutes=10), RULES)
    at_once = return_car(out, NINE - timedelta(minutes=5))
    assert (at_once.slot, at_once.returned_at) == (Slot(NINE, NINE + S), NINE - timedelta(minutes=5))
    late = return_car(out, NINE + timedelta(hours=3))
    assert (late.state, late.slot.end, late.returned_at) == (
        ReservationState.FINISHED, NINE + timedelta(hours=2), NINE + timedelta(hours=3))


def test_local_time_is_german_local_time_in_summer_and_winter() -> None:
    """06:05 UTC is 08:05 in July (CEST) and 07:05 in January (CET), written the German way."""
    assert local_time(datetime(2026, 7, 1, 6, 5, tzinfo=UTC)) == "01.07.2026, 08:05 Uhr"
    assert local_time(datetime(2026, 1, 5, 6, 5, tzinfo=UTC)) == "05.01.2026, 07:05 Uhr"
    assert local_time(datetime(2026, 1, 5, 6, 5, tzinfo=UTC), "UTC") == "05.01.2026, 06:05 Uhr"
