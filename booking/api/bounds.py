"""Bounded input types for the API schemas: times and days within 2000–2099, integer ids that fit a BIGINT.

A year 9999 date or a 30-digit id is no one's real input; unbounded, it overflows date arithmetic or the database's
integer and becomes a 500. Bounded here, it is a 422 with a German message, the same on SQLite and PostGIS.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, Field

FIRST_YEAR = 2000
LAST_YEAR = 2099
MAX_ID = 2**53  # below BIGINT and exactly representable in JSON numbers


def _in_range(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        msg = f"Datum außerhalb von {FIRST_YEAR} bis {LAST_YEAR}"
        raise ValueError(msg)


def _moment(value: datetime) -> datetime:
    _in_range(value.year)
    return value


def _day(value: date) -> date:
    _in_range(value.year)
    return value


Moment = Annotated[datetime, AfterValidator(_moment)]
Day = Annotated[date, AfterValidator(_day)]
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
Coordinate = Annotated[float, Field(strict=True, allow_inf_nan=False)]  # a number: never true/false, "1" or NaN
