"""The ORM tables of the booking service (SQLAlchemy 2 declarative, typed).

``Base.metadata`` is the single metadata other parts of the booking service extend (e.g. pool cars): subclass
:class:`Base` and add an Alembic revision after the head of ``booking/store/migrations``.
Geometry columns (EPSG:4326) are deferred: the service works with the plain columns; the geometries are layers for QGIS.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, mapped_column

from booking.store.types import GeoColumn, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every booking-service table."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: sa.JSON()}


class UserRow(Base):
    """An account: resident, dispatcher, driver (linked to a vehicle) or admin."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))
    display_name: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    vehicle_id: Mapped[str | None] = mapped_column(sa.String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    token_version: Mapped[int] = mapped_column(default=0)  # raised by a password change or a lock: tokens end


class StopRow(Base):
    """A virtual stop of the configured network (written at start-up; a QGIS point layer)."""

    __tablename__ = "stops"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    municipality: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(20))
    lon: Mapped[float]
    lat: Mapped[float]
    geom: Mapped[str | None] = deferred(mapped_column(GeoColumn("POINT")))


class VehicleRow(Base):
    """A vehicle of the configured fleet and whether it is in service (restored after a restart)."""

    __tablename__ = "vehicles"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    type_id: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(20))
    seats: Mapped[int]
    wheelchairs: Mapped[int]
    strollers: Mapped[int]
    depot_name: Mapped[str] = mapped_column(sa.String(120))
    depot_lon: Mapped[float]
    depot_lat: Mapped[float]
    in_service: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime]
    depot_geom: Mapped[str | None] = deferred(mapped_column(GeoColumn("POINT")))


class OfferRow(Base):
    """An offer made to a customer, held until ``valid_until``; ``payload`` is the full domain offer."""

    __tablename__ = "offers"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(index=True)  # retention: unbooked offers go after a day
    valid_until: Mapped[datetime]
    payload: Mapped[dict[str, Any]]


class BookingRow(Base):
    """A booking; one per offer, one per (customer, Idempotency-Key)."""

    __tablename__ = "bookings"
    __table_args__ = (sa.UniqueConstraint("customer_id", "idempotency_key", name="uq_bookings_idempotency"),)

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    offer_id: Mapped[str] = mapped_column(sa.ForeignKey("offers.id"), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(200))
    state: Mapped[str] = mapped_column(sa.String(20), index=True)
    state_reason: Mapped[str | None] = mapped_column(sa.Text)
    vehicle_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    pickup_stop_id: Mapped[str] = mapped_column(sa.String(64))
    dropoff_stop_id: Mapped[str] = mapped_column(sa.String(64))
    pickup_earliest: Mapped[datetime]
    pickup_latest: Mapped[datetime]
    planned_pickup: Mapped[datetime]
    planned_dropoff: Mapped[datetime]
    latest_arrival: Mapped[datetime] = mapped_column(index=True)  # retention: past trips are pseudonymised
    passengers: Mapped[int]
    wheelchairs: Mapped[int]
    strollers: Mapped[int]
    price_cents: Mapped[int]
    booked_by: Mapped[str | None] = mapped_column(sa.String(64))
    caller_name: Mapped[str | None] = mapped_column(sa.String(120))
    caller_phone: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]]
    origin_geom: Mapped[str | None] = deferred(mapped_column(GeoColumn("POINT")))
    destination_geom: Mapped[str | None] = deferred(mapped_column(GeoColumn("POINT")))


class EventRow(Base):
    """One entry of the append-only event log (never updated or deleted; PostgreSQL enforces it by trigger)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(40), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
    booking_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    vehicle_id: Mapped[str | None] = mapped_column(sa.String(64))
    actor: Mapped[str | None] = mapped_column(sa.String(64))
    data: Mapped[dict[str, Any]]
    erased_at: Mapped[datetime | None]  # set once when the entry was pseudonymised (docs/privacy.md)


class PlanStateRow(Base):
    """Version of the stored live plan of a service area."""

    __tablename__ = "plan_state"

    service_area: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    version: Mapped[int]
    updated_at: Mapped[datetime]


class PlanVisitRow(Base):
    """One planned stop visit of a vehicle (a QGIS point layer with times and loads)."""

    __tablename__ = "plan_visits"
    __table_args__ = (sa.UniqueConstraint("vehicle_id", "seq", name="uq_plan_visits_vehicle_seq"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    vehicle_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    seq: Mapped[int]
    booking_id: Mapped[str | None] = mapped_column(sa.String(36))
    kind: Mapped[str] = mapped_column(sa.String(20))
    stop_id: Mapped[str] = mapped_column(sa.String(64))
    planned_arrival: Mapped[datetime]
    planned_departure: Mapped[datetime]
    window_earliest: Mapped[datetime]
    window_latest: Mapped[datetime]
    load_seats: Mapped[int]
    load_wheelchairs: Mapped[int]
    load_strollers: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(20))
    geom: Mapped[str | None] = deferred(mapped_column(GeoColumn("POINT")))
    duty_id: Mapped[str | None] = mapped_column(sa.String(96), index=True)


class TourLegRow(Base):
    """A planned leg between two consecutive visits with its road geometry (a QGIS line layer)."""

    __tablename__ = "tour_legs"
    __table_args__ = (sa.UniqueConstraint("vehicle_id", "seq", name="uq_tour_legs_vehicle_seq"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    vehicle_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    seq: Mapped[int]
    from_stop_id: Mapped[str] = mapped_column(sa.String(64))
    to_stop_id: Mapped[str] = mapped_column(sa.String(64))
    depart: Mapped[datetime]
    arrive: Mapped[datetime]
    load_seats: Mapped[int]
    geom: Mapped[str | None] = deferred(mapped_column(GeoColumn("LINESTRING")))
    duty_id: Mapped[str | None] = mapped_column(sa.String(96), index=True)


class VehiclePositionRow(Base):
    """A position reported by a vehicle's device (server time); a QGIS point layer, purged after the retention."""

    __tablename__ = "vehicle_positions"
    __table_args__ = (sa.Index("ix_vehicle_positions_vehicle_id_at", "vehicle_id", "at"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    vehicle_id: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(index=True)
    lon: Mapped[float]
    lat: Mapped[float]
    accuracy_m: Mapped[float | None]
    speed_mps: Mapped[float | None]
    heading_deg: Mapped[float | None]
    geom: Mapped[str] = deferred(mapped_column(GeoColumn("POINT"), nullable=False))


class ProblemRow(Base):
    """A booking that could not be kept (vehicle out of service, restore failure): the dispatcher must act."""

    __tablename__ = "problems"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    booking_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    vehicle_id: Mapped[str | None] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
