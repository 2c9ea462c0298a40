"""The state machines of TOMP-API 2.0 (package and leg) and how our booking states map onto them.

Pure functions: no I/O. The package machine is the spec's purchase flow 2 (two-phase purchase) with pre-sales
release and after-sales cancel; the leg machine is the TO-controlled one of a driven ride (the driver's events
move it, never the MaaS operator).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class PackageState(StrEnum):
    """``packageStatus`` of the TOMP-API 2.0 core module."""

    OFFERED = "OFFERED"
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    ROLLBACK = "ROLLBACK"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"
    STARTED = "STARTED"
    ENDED = "ENDED"
    SETTLED = "SETTLED"


class LegState(StrEnum):
    """``legStatus`` of the TOMP-API 2.0 core module."""

    NOT_STARTED = "NOT_STARTED"
    PREPARING = "PREPARING"
    READY_TO_USE = "READY_TO_USE"
    IN_USE = "IN_USE"
    PAUSED = "PAUSED"
    ENDED = "ENDED"
    ISSUE_REPORTED = "ISSUE_REPORTED"
    CANCELLED = "CANCELLED"
    ABENDED = "ABENDED"


P = PackageState
PACKAGE_TRANSITIONS: dict[PackageState, frozenset[PackageState]] = {
    P.OFFERED: frozenset({P.PENDING, P.RELEASED, P.EXPIRED}),
    P.PENDING: frozenset({P.CONFIRMED, P.ROLLBACK, P.EXPIRED}),
    P.CONFIRMED: frozenset({P.STARTED, P.ENDED, P.CANCELLED}),
    P.STARTED: frozenset({P.ENDED}),
    P.ENDED: frozenset({P.SETTLED}),
    P.ROLLBACK: frozenset(),
    P.RELEASED: frozenset(),
    P.EXPIRED: frozenset(),
    P.CANCELLED: frozenset(),
    P.SETTLED: frozenset(),
}

L = LegState
LEG_TRANSITIONS: dict[LegState, frozenset[LegState]] = {
    L.NOT_STARTED: frozenset({L.READY_TO_USE, L.IN_USE, L.ENDED, L.CANCELLED, L.ABENDED}),
    L.READY_TO_USE: frozenset({L.IN_USE, L.ENDED, L.CANCELLED, L.ABENDED}),
    L.IN_USE: frozenset({L.ENDED, L.ABENDED}),
    L.PREPARING: frozenset(),  # not used by a driven ride
    L.PAUSED: frozenset(),  # a passenger cannot pause a shared ride
    L.ISSUE_REPORTED: frozenset(),
    L.ENDED: frozenset(),
    L.CANCELLED: frozenset(),
    L.ABENDED: frozenset(),
}

#: Our booking state → the package state (REJECTED: the operator lost the ride — the package is cancelled).
BOOKING_TO_PACKAGE: dict[str, PackageState] = {
    "CONFIRMED": P.CONFIRMED,
    "STARTED": P.STARTED,
    "FINISHED": P.ENDED,
    "CANCELLED": P.CANCELLED,
    "REJECTED": P.CANCELLED,
    "EXPIRED": P.EXPIRED,
}


class IllegalTransition(ValueError):
    """The package cannot move from its state to the requested one."""


def move(current: PackageState, target: PackageState) -> PackageState:
    """``target`` if the spec's package machine allows the move from ``current``, else :class:`IllegalTransition`."""
    if target not in PACKAGE_TRANSITIONS[current]:
        msg = f"a package in state {current} cannot become {target}"
        raise IllegalTransition(msg)
    return target


def package_state(stored: str | None, booking_state: str | None, expires_at: datetime, now: datetime) -> PackageState:
    """The package's state now: the booking's once booked; before that the adapter's own (OFFERED without a row),
    and an OFFERED or PENDING package past its hold is EXPIRED."""
    if booking_state is not None:
        return BOOKING_TO_PACKAGE.get(booking_state, P.CANCELLED)
    state = P(stored) if stored is not None else P.OFFERED
    if state in (P.OFFERED, P.PENDING) and now > expires_at:
        return P.EXPIRED
    return state


def leg_state(package: PackageState, state_reason: str | None = None, *, vehicle_arrived: bool = False) -> LegState:
    """The leg of a driven ride: NOT_STARTED until the vehicle waits at the pickup (READY_TO_USE), IN_USE once the
    rider boarded, ENDED at the drop-off; cancelled before the ride CANCELLED, a no-show or a ride the operator
    lost ABENDED."""
    if package is P.STARTED:
        return L.IN_USE
    if package in (P.ENDED, P.SETTLED):
        return L.ENDED
    if package is P.CANCELLED:
        return L.CANCELLED if (state_reason or "").startswith("cancelled") else L.ABENDED
    if package in (P.ROLLBACK, P.RELEASED, P.EXPIRED):
        return L.CANCELLED
    if package is P.CONFIRMED and vehicle_arrived:
        return L.READY_TO_USE
    return L.NOT_STARTED
