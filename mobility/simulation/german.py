"""Numbers and clock times as German readers expect them (de-DE), without relying on the machine's locales.

``number(14608.93)`` → ``14.609``; ``number(0.5, 2)`` → ``0,50``; ``percent(0.9707)`` → ``97,1 %``;
``euro(28.66)`` → ``28,66 €``; ``clock_of_hours(25.5)`` → ``01:30``. Units are joined with a no-break space
(U+00A0) so that a number never wraps away from its unit.
"""

from __future__ import annotations

import math

NBSP = "\u00a0"


def number(value: float, decimals: int = 0) -> str:
    """``value`` rounded to ``decimals`` places: thousands separated by ``.``, decimals by ``,``."""
    if not math.isfinite(value):
        return "–"
    text = f"{value:,.{decimals}f}"
    if text.lstrip("-").strip("0,.") == "":  # no "-0" / "-0,0"
        text = text.lstrip("-")
    return text.translate(str.maketrans(",.", ".,"))


def percent(share: float, decimals: int = 1) -> str:
    """A share 0…1 as a percentage: ``97,1 %``."""
    return f"{number(share * 100, decimals)}{NBSP}%"


def euro(value: float, decimals: int = 2) -> str:
    """An amount of euros: ``28,66 €``."""
    return f"{number(value, decimals)}{NBSP}€"


def with_unit(value: float, unit: str, decimals: int = 0) -> str:
    """``14.609 km``."""
    return f"{number(value, decimals)}{NBSP}{unit}"


def clock_of_hours(hours: float) -> str:
    """Hours since midnight as a time of day, ``06:00``; past midnight it starts again at ``00:00``."""
    minutes = round(hours * 60)
    return f"{(minutes // 60) % 24:02d}:{minutes % 60:02d}"
