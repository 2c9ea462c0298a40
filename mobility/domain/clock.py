"""Clock implementations: the wall clock and a settable clock for simulation and tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


class SystemClock:
    """The real time, timezone-aware (UTC)."""

    def now(self) -> datetime:
        """The current time."""
        return datetime.now(UTC)


@dataclass
class ManualClock:
    """A clock that only moves when told to."""

    current: datetime = field(default_factory=lambda: datetime(2026, 1, 5, 6, 0, tzinfo=UTC))

    def __post_init__(self) -> None:
        if self.current.tzinfo is None:
            msg = "ManualClock needs a timezone-aware datetime"
            raise ValueError(msg)

    def now(self) -> datetime:
        """The time the clock was last set to."""
        return self.current

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward by ``seconds`` and return the new time."""
        if seconds < 0:
            msg = f"a clock cannot go back ({seconds} s)"
            raise ValueError(msg)
        self.current += timedelta(seconds=seconds)
        return self.current
