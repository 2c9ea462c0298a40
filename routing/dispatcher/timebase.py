"""Integer seconds from a reference instant: the dispatcher's clock inside the search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class TimeBase:
    """Converts aware datetimes to integer seconds since ``origin`` and back (in ``timezone``)."""

    origin: datetime
    timezone: str = "Europe/Berlin"

    def __post_init__(self) -> None:
        if self.origin.tzinfo is None:
            msg = "the reference instant must be timezone-aware"
            raise ValueError(msg)

    @classmethod
    def around(cls, now: datetime, timezone: str = "Europe/Berlin") -> TimeBase:
        """A time base starting at local midnight two days before ``now``."""
        local = now.astimezone(ZoneInfo(timezone))
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=2)
        return cls(midnight, timezone)

    def seconds(self, when: datetime) -> int:
        """``when`` as whole seconds since the origin (rounded down)."""
        if when.tzinfo is None:
            msg = f"naive datetime {when.isoformat()} given; times must be timezone-aware"
            raise ValueError(msg)
        return int((when - self.origin).total_seconds() // 1)

    def seconds_up(self, when: datetime) -> int:
        """``when`` as whole seconds since the origin (rounded up)."""
        s = (when - self.origin).total_seconds()
        return int(-(-s // 1))

    def instant(self, seconds: int) -> datetime:
        """The datetime ``seconds`` after the origin, in the time base's zone (the plan converts the same
        seconds again and again: remembered)."""
        return _instant(self.origin, self.timezone, seconds)


@lru_cache(maxsize=1 << 16)
def _instant(origin: datetime, timezone: str, seconds: int) -> datetime:
    return (origin + timedelta(seconds=seconds)).astimezone(ZoneInfo(timezone))
