"""Tables of the self-drive pool cars: stations, car types, cars, offers and reservations.

No double booking, guaranteed by the database: on PostgreSQL the reservations table carries an exclusion
constraint (btree_gist) ``EXCLUDE USING gist (car_id WITH =, tstzrange(start_at, blocked_until, '[)') WITH &&)``
over the active states, where ``blocked_until`` is the end plus the cleaning/charging buffer; a second one stops
one person from holding two overlapping reservations. Both are created by the Alembic revision
``0002_poolcars`` (PostgreSQL only); on SQLite the repository writes in a serialised ``BEGIN IMMEDIATE``
transaction that checks the same rule first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column

from booking.store.models import Base
from booking.store.types import GeoColumn

CAR_EXCLUSION = "ex_poolcar_reservations_car_period"
CUSTOMER_EXCLUSION = "ex_poolcar_reservations_customer_period"


class PoolStationRow(Base):
    """A pool-car station at a real place (a QGIS point layer)."""

    __tablename__ = "poolcar_stations"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    municipality: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(20))
    lon: Mapped[float]
    lat: Mapped[float]
    capacity: Mapped[int]
    stop_id: Mapped[str] = mapped_column(sa.String(64), default="")
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    geom: Mapped[str | None] = deferred(mapped_column(GeoColumn("POINT")))


class PoolCarTypeRow(Base):
    """A model of pool car."""

    __tablename__ = "poolcar_car_types"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    seats: Mapped[int]
    wheelchair_accessible: Mapped[bool]
    propulsion: Mapped[str] = mapped_column(sa.String(30))
    max_range_m: Mapped[int]
    make: Mapped[str] = mapped_column(sa.String(80), default="")
    model: Mapped[str] = mapped_column(sa.String(80), default="")


class PoolCarRow(Base):
    """A pool car at its home station; ``trips`` counts finished trips (rotates the GBFS vehicle id)."""

    __tablename__ = "poolcar_cars"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    type_id: Mapped[str] = mapped_column(sa.ForeignKey("poolcar_car_types.id"))
    station_id: Mapped[str] = mapped_column(sa.ForeignKey("poolcar_stations.id"), index=True)
    plate: Mapped[str] = mapped_column(sa.String(20), default="")
    availability: Mapped[str] = mapped_column(sa.String(200), default="24/7")
    in_service: Mapped[bool] = mapped_column(default=True)
    current_range_m: Mapped[int | None]
    trips: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime]


class PoolOfferRow(Base):
    """An offer (car, station, slot) made to a person, valid until ``valid_until``; not a hold."""

    __tablename__ = "poolcar_offers"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    car_id: Mapped[str] = mapped_column(sa.ForeignKey("poolcar_cars.id"))
    station_id: Mapped[str] = mapped_column(sa.ForeignKey("poolcar_stations.id"))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    walk_m: Mapped[int]
    shift_s: Mapped[int]
    moved_from_station_id: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]
    valid_until: Mapped[datetime]
    request: Mapped[dict[str, Any]]


class PoolReservationRow(Base):
    """A reservation; it blocks its car over ``[start_at, blocked_until)`` while CONFIRMED or STARTED."""

    __tablename__ = "poolcar_reservations"
    __table_args__ = (
        sa.UniqueConstraint("customer_id", "idempotency_key", name="uq_poolcar_reservations_idempotency"),
        sa.CheckConstraint("end_at > start_at", name="slot_order"),
        sa.CheckConstraint("blocked_until >= end_at", name="buffer_order"),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    car_id: Mapped[str] = mapped_column(sa.ForeignKey("poolcar_cars.id"), index=True)
    station_id: Mapped[str] = mapped_column(sa.ForeignKey("poolcar_stations.id"))
    offer_id: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(200))
    state: Mapped[str] = mapped_column(sa.String(20), index=True)
    state_reason: Mapped[str | None] = mapped_column(sa.Text)
    start_at: Mapped[datetime] = mapped_column(index=True)
    end_at: Mapped[datetime]
    blocked_until: Mapped[datetime]
    walk_m: Mapped[int] = mapped_column(default=0)
    moved_from_station_id: Mapped[str | None] = mapped_column(sa.String(64))
    booked_by: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    picked_up_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]
