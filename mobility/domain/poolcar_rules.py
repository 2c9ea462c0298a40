"""Pool-car booking rules as pure functions: slot checks, conflicts and reservation state changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from mobility.domain.poolcars import (
    RESERVATION_TRANSITIONS,
    PoolCarError,
    PoolErrorCode,
    PoolRules,
    Reservation,
    ReservationState,
    Slot,
)


def check_slot(start: datetime, end: datetime, now: datetime, rules: PoolRules) -> Slot:
    """Validate a requested slot against the rules and return it; raise :class:`PoolCarError` otherwise."""
    if start.tzinfo is None or end.tzinfo is None:
        msg = "Bitte Beginn und Ende mit Zeitzone angeben (ISO 8601, z. B. 2026-03-02T08:00:00+01:00)."
        raise PoolCarError(PoolErrorCode.END_BEFORE_START, msg, "start")
    if end <= start:
        msg = "Das Ende der Reservierung liegt vor dem Beginn."
        raise PoolCarError(PoolErrorCode.END_BEFORE_START, msg, "end")
    if start < now:
        msg = "Der gewünschte Beginn liegt in der Vergangenheit."
        raise PoolCarError(PoolErrorCode.IN_THE_PAST, msg, "start")
    if start > now + timedelta(seconds=rules.horizon_s):
        msg = f"Reservierungen sind höchstens {rules.horizon_s // 86_400} Tage im Voraus möglich."
        raise PoolCarError(PoolErrorCode.BEYOND_HORIZON, msg, "start")
    slot = Slot(start, end)
    if slot.duration_s < rules.min_duration_s:
        msg = f"Eine Reservierung dauert mindestens {rules.min_duration_s // 60} Minuten."
        raise PoolCarError(PoolErrorCode.TOO_SHORT, msg, "end")
    if slot.duration_s > rules.max_duration_s:
        msg = f"Eine Reservierung darf höchstens {rules.max_duration_s // 3_600} Stunden dauern."
        raise PoolCarError(PoolErrorCode.TOO_LONG, msg, "end")
    return slot


def blocked_period(slot: Slot, rules: PoolRules) -> Slot:
    """The period a reservation of ``slot`` keeps its car from others: the slot plus the buffer."""
    return slot.padded(rules.buffer_s)


def conflicts(a: Slot, b: Slot, rules: PoolRules) -> bool:
    """Whether two reservations of the same car with slots ``a`` and ``b`` cannot both be kept."""
    return blocked_period(a, rules).overlaps(blocked_period(b, rules))


def local_time(t: datetime, timezone: str = "Europe/Berlin") -> str:
    """``t`` as people in the Salzlandkreis read it: ``02.03.2026, 09:45 Uhr``."""
    return t.astimezone(ZoneInfo(timezone)).strftime("%d.%m.%Y, %H:%M Uhr")


def _moved(res: Reservation, target: ReservationState, **changes: object) -> Reservation:
    if target not in RESERVATION_TRANSITIONS[res.state]:
        msg = f"Eine Reservierung im Zustand {res.state} kann nicht {_VERB[target]} werden."
        raise PoolCarError(PoolErrorCode.INVALID_STATE, msg, "state")
    return replace(res, state=target, **changes)  # type: ignore[arg-type]


_VERB = {
    ReservationState.STARTED: "abgeholt",
    ReservationState.FINISHED: "zurückgegeben",
    ReservationState.CANCELLED: "storniert",
    ReservationState.RELEASED: "freigegeben",
    ReservationState.REJECTED: "abgelehnt",
    ReservationState.CONFIRMED: "bestätigt",
}


def pick_up(res: Reservation, now: datetime, rules: PoolRules) -> Reservation:
    """The reservation after the car was picked up; only from ``early_pickup_s`` before the start to the grace end."""
    earliest = res.slot.start - timedelta(seconds=rules.early_pickup_s)
    latest = res.slot.start + timedelta(seconds=rules.grace_s)
    if res.state is ReservationState.CONFIRMED and not earliest <= now <= latest:
        msg = f"Das Auto kann zwischen {local_time(earliest)} und {local_time(latest)} abgeholt werden."
        raise PoolCarError(PoolErrorCode.NOT_PICKUP_TIME, msg, "now")
    return _moved(res, ReservationState.STARTED, picked_up_at=now)


def release_if_not_picked_up(res: Reservation, now: datetime, rules: PoolRules) -> Reservation | None:
    """The released reservation if it was not picked up within the grace period, else ``None``."""
    if res.state is ReservationState.CONFIRMED and now > res.slot.start + timedelta(seconds=rules.grace_s):
        return _moved(res, ReservationState.RELEASED)
    return None


def cancel(res: Reservation, now: datetime) -> Reservation:
    """The reservation cancelled (only before pick-up)."""
    return _moved(res, ReservationState.CANCELLED)


def reject(res: Reservation, now: datetime) -> Reservation:
    """The reservation marked as not keepable (e.g. its car broke down and no replacement exists)."""
    return _moved(res, ReservationState.REJECTED)


def return_car(res: Reservation, now: datetime) -> Reservation:
    """The reservation finished: the car is back at ``now``; an early return frees the rest of the slot."""
    if res.state is not ReservationState.STARTED:
        return _moved(res, ReservationState.FINISHED)
    end = min(res.slot.end, max(now, res.slot.start + timedelta(seconds=1)))
    return _moved(res, ReservationState.FINISHED, slot=Slot(res.slot.start, end), returned_at=now)


def change_end(res: Reservation, new_end: datetime, now: datetime, rules: PoolRules) -> Reservation:
    """The reservation with a new end (extend or shorten); the caller checks the car is free for an extension."""
    if not res.active:
        msg = f"Eine Reservierung im Zustand {res.state} kann nicht mehr geändert werden."
        raise PoolCarError(PoolErrorCode.INVALID_STATE, msg, "state")
    if new_end.tzinfo is None:
        msg = "Bitte das neue Ende mit Zeitzone angeben."
        raise PoolCarError(PoolErrorCode.END_BEFORE_START, msg, "end")
    if new_end <= now:
        msg = "Das neue Ende liegt in der Vergangenheit."
        raise PoolCarError(PoolErrorCode.IN_THE_PAST, msg, "end")
    if new_end <= res.slot.start:
        msg = "Das neue Ende liegt vor dem Beginn."
        raise PoolCarError(PoolErrorCode.END_BEFORE_START, msg, "end")
    slot = Slot(res.slot.start, new_end)
    if slot.duration_s > rules.max_duration_s:
        msg = f"Eine Reservierung darf höchstens {rules.max_duration_s // 3_600} Stunden dauern."
        raise PoolCarError(PoolErrorCode.TOO_LONG, msg, "end")
    return replace(res, slot=slot)


def overlapping_own(customer_id: str, slot: Slot, reservations: list[Reservation]) -> Reservation | None:
    """An active reservation of the same person whose slot overlaps ``slot`` (one person drives one car)."""
    for r in reservations:
        if r.customer_id == customer_id and r.active and r.slot.overlaps(slot):
            return r
    return None
