"""The control room's booking search: by name, phone, booking number, stop or vehicle; by day and state; the next
pickup first; in pages with the total — never silently capped.

One SQL statement per page and one for the total, the same on SQLite and PostGIS (``lower``, ``replace``, ``LIKE``
and ``CASE`` only). The rider is named as people know them: the caller's name and phone for phone bookings, the
account's display name and phone for bookings made in the app — never an account id.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from booking.service.context import ServiceContext
from booking.store.models import BookingRow, StopRow, UserRow, VehicleRow
from mobility.domain.rides import BookingState

MAX_PAGE_SIZE = 200
ACTIVE = (BookingState.CONFIRMED, BookingState.STARTED)
_PHONE_NOISE = (" ", "-", "/", "(", ")", ".")
PHONE_LIKE = re.compile(r"\+?[\d\s/().\-]*\d[\d\s/().\-]*")  # a number as typed: searched by its digits as a whole


@dataclass(frozen=True, slots=True)
class BookingQuery:
    """What the dispatcher asks for: free text, a local service day, states, a page (1-based) of ``page_size``."""

    q: str = ""
    day: date | None = None
    states: tuple[BookingState, ...] = ()
    page: int = 1
    page_size: int = 50

    def __post_init__(self) -> None:
        if self.page < 1:
            msg = f"page must be at least 1, got {self.page}"
            raise ValueError(msg)
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            msg = f"page_size must be within 1..{MAX_PAGE_SIZE}, got {self.page_size}"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class FoundBooking:
    """A booking with its rider as people know them and its vehicle's name."""

    row: BookingRow
    rider_name: str | None
    rider_phone: str | None
    rider_kind: str  # phone | app
    vehicle_name: str | None
    pickup_stop_name: str | None
    dropoff_stop_name: str | None


@dataclass(frozen=True, slots=True)
class BookingPage:
    """One page of the result and how many bookings match in all."""

    items: list[FoundBooking]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        """How many pages the result has (at least one)."""
        return max(1, math.ceil(self.total / self.page_size))


def digits(text: str) -> str:
    """The digits of a phone number (and a leading ``+``)."""
    return "".join(c for c in text if c.isdigit() or c == "+")


_SPELLINGS = (("ss", "ß"), ("ae", "ä"), ("oe", "ö"), ("ue", "ü"))


def spellings(term: str) -> set[str]:
    """The lower-case word and its German variants: "Stassfurt" also finds "Staßfurt", "Schäfer" "Schaefer"."""
    word = term.lower()
    found = {word}
    for plain, letter in _SPELLINGS:
        found |= {w.replace(plain, letter) for w in found} | {w.replace(letter, plain) for w in found}
    return found


def rider_kind(row: BookingRow) -> str:
    """``phone`` for a ride the Leitstelle booked for a caller, ``app`` for one booked with an account."""
    return "phone" if row.caller_name or row.customer_id.startswith("phone:") else "app"


def _phone_column(column: Any) -> Any:
    expr = column
    for noise in _PHONE_NOISE:
        expr = sa.func.replace(expr, noise, "")
    return expr


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class BookingSearch:
    """Searches the bookings table for the control room."""

    def __init__(self, ctx: ServiceContext, timezone: str = "Europe/Berlin") -> None:
        self.ctx = ctx
        self.zone = ZoneInfo(timezone)

    def find(self, query: BookingQuery, now: datetime | None = None) -> BookingPage:
        """The page of bookings matching ``query``: first the rides still to come (next pickup first), then the
        rides under way or overdue (earliest first), then the rest (latest first)."""
        now = now or self.ctx.clock.now()
        user = aliased(UserRow)
        pickup = aliased(StopRow)
        dropoff = aliased(StopRow)
        base = (sa.select(BookingRow, user.display_name, user.phone, VehicleRow.name, pickup.name, dropoff.name)
                .outerjoin(user, user.id == BookingRow.customer_id)
                .outerjoin(VehicleRow, VehicleRow.id == BookingRow.vehicle_id)
                .outerjoin(pickup, pickup.id == BookingRow.pickup_stop_id)
                .outerjoin(dropoff, dropoff.id == BookingRow.dropoff_stop_id))
        conditions = self._conditions(query, user, pickup, dropoff)
        if conditions:
            base = base.where(*conditions)
        bucket = sa.case(
            (sa.and_(BookingRow.state == str(BookingState.CONFIRMED), BookingRow.planned_pickup >= now), 0),
            (BookingRow.state.in_([str(s) for s in ACTIVE]), 1),
            else_=2,
        )
        ascending = sa.case((bucket < 2, BookingRow.planned_pickup), else_=None)
        stmt = (base.order_by(bucket, ascending.asc(), BookingRow.planned_pickup.desc(), BookingRow.id)
                .limit(query.page_size).offset((query.page - 1) * query.page_size))
        count = sa.select(sa.func.count()).select_from(base.with_only_columns(BookingRow.id).subquery())
        with self.ctx.read_session() as session:
            total = int(session.scalar(count) or 0)
            rows = session.execute(stmt).all()
        items = [FoundBooking(row=r[0], rider_name=r[0].caller_name or r[1], rider_phone=r[0].caller_phone or r[2],
                              rider_kind=rider_kind(r[0]), vehicle_name=r[3], pickup_stop_name=r[4],
                              dropoff_stop_name=r[5]) for r in rows]
        return BookingPage(items, total, query.page, query.page_size)

    def _conditions(self, query: BookingQuery, user: Any, pickup: Any, dropoff: Any) -> list[Any]:
        conditions: list[Any] = []
        if query.day is not None:
            start = datetime.combine(query.day, time(), self.zone)
            end = datetime.combine(query.day + timedelta(days=1), time(), self.zone)
            conditions += [BookingRow.planned_pickup >= start, BookingRow.planned_pickup < end]
        if query.states:
            conditions.append(BookingRow.state.in_([str(s) for s in query.states]))
        terms = [query.q.strip()] if PHONE_LIKE.fullmatch(query.q.strip()) else query.q.split()
        for term in terms:
            conditions.append(sa.or_(*self._matches(term, user, pickup, dropoff)))
        return conditions

    @staticmethod
    def _matches(term: str, user: Any, pickup: Any, dropoff: Any) -> Sequence[Any]:
        """Where one search word may match: names, stops, vehicle, booking number; phone numbers by their digits."""
        texts = (BookingRow.caller_name, user.display_name, pickup.name, dropoff.name, VehicleRow.name,
                 BookingRow.vehicle_id)
        found = [sa.func.lower(column).like(_like(variant), escape="\\")
                 for variant in spellings(term) for column in texts]
        found.append(sa.func.lower(BookingRow.id).like(_like(term.lower()).lstrip("%"), escape="\\"))
        number = digits(term)
        if len(number) >= 3:  # fewer digits would match almost every number
            found += [_phone_column(BookingRow.caller_phone).like(_like(number), escape="\\"),
                      _phone_column(user.phone).like(_like(number), escape="\\")]
        return found
