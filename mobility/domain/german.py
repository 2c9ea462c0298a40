"""Dates and times as German readers expect them (drivers, dispatchers and residents read these)."""

from __future__ import annotations

from datetime import date, datetime

WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


def short_day(day: date) -> str:
    """``Mo 7.12.``: weekday and day of the month."""
    return f"{WEEKDAYS[day.weekday()]} {day.day}.{day.month}."


def clock(when: datetime) -> str:
    """``05:30``."""
    return f"{when:%H:%M}"


def day_and_time(when: datetime, today: date | None = None) -> str:
    """``05:30 Uhr`` on ``today``, else ``Mo 7.12., 05:30 Uhr``."""
    if today is not None and when.date() == today:
        return f"{clock(when)} Uhr"
    return f"{short_day(when.date())}, {clock(when)} Uhr"
