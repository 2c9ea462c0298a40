"""German wording of times for what people read (never ISO 8601): ``Mo 23.11., 08:20 Uhr``."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
DEFAULT_TIMEZONE = "Europe/Berlin"


def clock(when: datetime, timezone: str = DEFAULT_TIMEZONE) -> str:
    """``08:20`` (local time)."""
    return f"{when.astimezone(ZoneInfo(timezone)):%H:%M}"


def day(when: datetime, timezone: str = DEFAULT_TIMEZONE) -> str:
    """``Mo 23.11.`` (local date)."""
    local = when.astimezone(ZoneInfo(timezone))
    return f"{WEEKDAYS[local.weekday()]} {local.day}.{local.month}."


def day_time(when: datetime, timezone: str = DEFAULT_TIMEZONE) -> str:
    """``Mo 23.11., 08:20 Uhr``."""
    return f"{day(when, timezone)}, {clock(when, timezone)} Uhr"


def window(earliest: datetime, latest: datetime, timezone: str = DEFAULT_TIMEZONE) -> str:
    """``Mo 23.11., 08:20–08:35 Uhr``."""
    return f"{day(earliest, timezone)}, {clock(earliest, timezone)}–{clock(latest, timezone)} Uhr"
