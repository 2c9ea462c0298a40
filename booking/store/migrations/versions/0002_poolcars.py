"""Pool cars: stations, car types, cars, offers, reservations — no double booking enforced by PostgreSQL.

On PostgreSQL (btree_gist): exclusion constraints over (car, blocked period) and (person, slot) for active
reservations, deferrable so a re-assignment can swap cars inside one transaction; a GiST index on the station
geometry. On SQLite the repository serialises writers with ``BEGIN IMMEDIATE`` instead.

Revision ID: 0002_poolcars
Revises: 0001_booking_store
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from booking.store.types import GeoColumn, UTCDateTime

revision = "0002_poolcars"
down_revision = "0001_booking_store"
branch_labels = None
depends_on = None

ACTIVE = "state IN ('CONFIRMED', 'STARTED')"


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, UTCDateTime(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "poolcar_stations",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("municipality", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("stop_id", sa.String(64), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("geom", GeoColumn("POINT"), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_poolcar_stations"),
    )
    op.create_table(
        "poolcar_car_types",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("wheelchair_accessible", sa.Boolean(), nullable=False),
        sa.Column("propulsion", sa.String(30), nullable=False),
        sa.Column("max_range_m", sa.Integer(), nullable=False),
        sa.Column("make", sa.String(80), nullable=False),
        sa.Column("model", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_poolcar_car_types"),
    )
    op.create_table(
        "poolcar_cars",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("type_id", sa.String(64), nullable=False),
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("plate", sa.String(20), nullable=False),
        sa.Column("availability", sa.String(200), nullable=False),
        sa.Column("in_service", sa.Boolean(), nullable=False),
        sa.Column("current_range_m", sa.Integer(), nullable=True),
        sa.Column("trips", sa.Integer(), nullable=False),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_poolcar_cars"),
        sa.ForeignKeyConstraint(["type_id"], ["poolcar_car_types.id"],
                                name="fk_poolcar_cars_type_id_poolcar_car_types"),
        sa.ForeignKeyConstraint(["station_id"], ["poolcar_stations.id"],
                                name="fk_poolcar_cars_station_id_poolcar_stations"),
    )
    op.create_index("ix_poolcar_cars_station_id", "poolcar_cars", ["station_id"])
    op.create_table(
        "poolcar_offers",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("car_id", sa.String(64), nullable=False),
        sa.Column("station_id", sa.String(64), nullable=False),
        _ts("start_at"),
        _ts("end_at"),
        sa.Column("walk_m", sa.Integer(), nullable=False),
        sa.Column("shift_s", sa.Integer(), nullable=False),
        sa.Column("moved_from_station_id", sa.String(64), nullable=True),
        _ts("created_at"),
        _ts("valid_until"),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_poolcar_offers"),
        sa.ForeignKeyConstraint(["car_id"], ["poolcar_cars.id"], name="fk_poolcar_offers_car_id_poolcar_cars"),
        sa.ForeignKeyConstraint(["station_id"], ["poolcar_stations.id"],
                                name="fk_poolcar_offers_station_id_poolcar_stations"),
    )
    op.create_index("ix_poolcar_offers_customer_id", "poolcar_offers", ["customer_id"])
    _reservations()
    if op.get_bind().dialect.name == "postgresql":
        _postgres_rules()


def _reservations() -> None:
    op.create_table(
        "poolcar_reservations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("car_id", sa.String(64), nullable=False),
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("offer_id", sa.String(36), nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("state_reason", sa.Text(), nullable=True),
        _ts("start_at"),
        _ts("end_at"),
        _ts("blocked_until"),
        sa.Column("walk_m", sa.Integer(), nullable=False),
        sa.Column("moved_from_station_id", sa.String(64), nullable=True),
        sa.Column("booked_by", sa.String(64), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        _ts("picked_up_at", nullable=True),
        _ts("returned_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_poolcar_reservations"),
        sa.ForeignKeyConstraint(["car_id"], ["poolcar_cars.id"], name="fk_poolcar_reservations_car_id_poolcar_cars"),
        sa.ForeignKeyConstraint(["station_id"], ["poolcar_stations.id"],
                                name="fk_poolcar_reservations_station_id_poolcar_stations"),
        sa.UniqueConstraint("offer_id", name="uq_poolcar_reservations_offer_id"),
        sa.UniqueConstraint("customer_id", "idempotency_key", name="uq_poolcar_reservations_idempotency"),
        sa.CheckConstraint("end_at > start_at", name="ck_poolcar_reservations_slot_order"),
        sa.CheckConstraint("blocked_until >= end_at", name="ck_poolcar_reservations_buffer_order"),
    )
    for column in ("customer_id", "car_id", "state", "start_at"):
        op.create_index(f"ix_poolcar_reservations_{column}", "poolcar_reservations", [column])


def _postgres_rules() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute(
        "ALTER TABLE poolcar_reservations ADD CONSTRAINT ex_poolcar_reservations_car_period "
        "EXCLUDE USING gist (car_id WITH =, tstzrange(start_at, blocked_until, '[)') WITH &&) "
        f"WHERE ({ACTIVE}) DEFERRABLE INITIALLY IMMEDIATE"
    )
    op.execute(
        "ALTER TABLE poolcar_reservations ADD CONSTRAINT ex_poolcar_reservations_customer_period "
        "EXCLUDE USING gist (customer_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&) "
        f"WHERE ({ACTIVE})"
    )
    op.create_index("ix_poolcar_stations_geom", "poolcar_stations", ["geom"], postgresql_using="gist")


def downgrade() -> None:
    for table in ("poolcar_reservations", "poolcar_offers", "poolcar_cars", "poolcar_car_types", "poolcar_stations"):
        op.drop_table(table)
