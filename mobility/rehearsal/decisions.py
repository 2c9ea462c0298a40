"""What a driver decides at a step (post an event, wait, leave for a stop, call it a day) and the records of its
drives and of the times it was stuck."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

STUCK_AFTER = timedelta(minutes=5)  # on duty with nothing it can do for longer than this: stuck
RETRY = timedelta(minutes=1)  # a blocked driver looks again this soon


@dataclass(frozen=True, slots=True)
class Post:
    """Report an event now."""

    kind: str
    booking_id: str | None = None
    stop_id: str | None = None


@dataclass(frozen=True, slots=True)
class Wait:
    """Nothing to do before ``until``; ``blocked`` says why the driver cannot go on (empty: it is just waiting)."""

    until: datetime
    blocked: str = ""


@dataclass(frozen=True, slots=True)
class Go:
    """Leave now for ``stop_id``."""

    stop_id: str


@dataclass(frozen=True, slots=True)
class Done:
    """No duty left for this driver today."""


Decision = Post | Wait | Go | Done


@dataclass(frozen=True, slots=True)
class Drive:
    """A drive under way."""

    origin: str
    target: str
    depart: datetime
    arrive: datetime


@dataclass
class Stuck:
    """A time a driver on duty could not go on."""

    vehicle_id: str
    since: datetime
    reason: str
    until: datetime | None = None
    reported: bool = False
