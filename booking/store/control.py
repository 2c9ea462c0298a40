"""Tables of the control room (Leitstelle): what dispatchers did about problems, vehicles out of service for a time,
standing orders of regular callers and what the nightly run booked for them.

* ``problem_actions`` — one row per action on a problem (called the rider, rebooked, cancelled with a message, put
  back when the vehicle returned); the problem itself stays in ``problems`` and is resolved by the action.
* ``vehicle_outages`` — a vehicle out of service from ``start`` until ``until`` (``None``: until further notice);
  ``returned_at`` is set when it is back (by the dispatcher, or by the clock when ``until`` has passed).
* ``standing_orders`` — a recurring ride (e.g. every Tuesday 08:00 to the doctor) for a caller.
* ``standing_order_runs`` — one row per order and service day: booked (with the booking) or refused (with why);
  unique per (order, day), so a repeated run never books twice.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from booking.store.models import Base

BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class ProblemActionRow(Base):
    """What a dispatcher (or the service) did about a problem."""

    __tablename__ = "problem_actions"

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    problem_id: Mapped[int] = mapped_column(BIGINT, index=True)
    action: Mapped[str] = mapped_column(sa.String(20))  # called | rebooked | cancelled | put_back
    actor: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(sa.Text)
    booking_id: Mapped[str | None] = mapped_column(sa.String(36))  # the new booking of a rebook or put-back


class VehicleOutageRow(Base):
    """A vehicle out of service for a time."""

    __tablename__ = "vehicle_outages"

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    vehicle_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    start: Mapped[datetime]
    until: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]
    actor: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[str | None] = mapped_column(sa.Text)


class StandingOrderRow(Base):
    """A ride that repeats on weekdays at one time for one caller."""

    __tablename__ = "standing_orders"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    caller_name: Mapped[str] = mapped_column(sa.String(120))
    caller_phone: Mapped[str | None] = mapped_column(sa.String(40))
    origin_stop_id: Mapped[str] = mapped_column(sa.String(64))
    destination_stop_id: Mapped[str] = mapped_column(sa.String(64))
    weekdays: Mapped[str] = mapped_column(sa.String(20))  # ISO weekdays, e.g. "2" (Tuesday) or "1,3,5"
    at_time: Mapped[str] = mapped_column(sa.String(5))  # local "HH:MM"
    time_kind: Mapped[str] = mapped_column(sa.String(10))  # departure | arrival
    passengers: Mapped[int]
    wheelchairs: Mapped[int]
    strollers: Mapped[int]
    first_day: Mapped[date] = mapped_column(sa.Date)
    last_day: Mapped[date | None] = mapped_column(sa.Date)
    note: Mapped[str | None] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(sa.String(64))
    ended_at: Mapped[datetime | None]


class StandingOrderRunRow(Base):
    """What one run did for one standing order on one service day."""

    __tablename__ = "standing_order_runs"
    __table_args__ = (sa.UniqueConstraint("order_id", "day", name="uq_standing_order_runs_order_day"),)

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    order_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    day: Mapped[date] = mapped_column(sa.Date, index=True)
    outcome: Mapped[str] = mapped_column(sa.String(12))  # booked | refused
    booking_id: Mapped[str | None] = mapped_column(sa.String(36))
    detail: Mapped[str | None] = mapped_column(sa.Text)
    at: Mapped[datetime]


CONTROL_TABLES = frozenset({"problem_actions", "vehicle_outages", "standing_orders", "standing_order_runs"})
