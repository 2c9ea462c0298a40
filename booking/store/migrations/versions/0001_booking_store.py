"""Booking store: users, stops, vehicles, offers, bookings, append-only events, stored plan, tour legs, problems.

Geometry columns are PostGIS ``geometry(..., 4326)`` with GiST indexes on PostgreSQL and WKT text on SQLite.
The event log is append-only on both: triggers refuse UPDATE and DELETE.

Revision ID: 0001_booking_store
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from booking.store.types import GeoColumn, UTCDateTime

revision = "0001_booking_store"
down_revision = None
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
GIST_INDEXES = (
    ("ix_stops_geom", "stops", "geom"),
    ("ix_vehicles_depot_geom", "vehicles", "depot_geom"),
    ("ix_bookings_origin_geom", "bookings", "origin_geom"),
    ("ix_bookings_destination_geom", "bookings", "destination_geom"),
    ("ix_plan_visits_geom", "plan_visits", "geom"),
    ("ix_tour_legs_geom", "tour_legs", "geom"),
)


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, UTCDateTime(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.Column("vehicle_id", sa.String(64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "stops",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("municipality", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("geom", GeoColumn("POINT"), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_stops"),
    )
    op.create_table(
        "vehicles",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("type_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("wheelchairs", sa.Integer(), nullable=False),
        sa.Column("strollers", sa.Integer(), nullable=False),
        sa.Column("depot_name", sa.String(120), nullable=False),
        sa.Column("depot_lon", sa.Float(), nullable=False),
        sa.Column("depot_lat", sa.Float(), nullable=False),
        sa.Column("in_service", sa.Boolean(), nullable=False),
        _ts("updated_at"),
        sa.Column("depot_geom", GeoColumn("POINT"), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_vehicles"),
    )
    op.create_table(
        "offers",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        _ts("created_at"),
        _ts("valid_until"),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_offers"),
    )
    op.create_index("ix_offers_customer_id", "offers", ["customer_id"])
    _create_bookings()
    op.create_table(
        "events",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        _ts("at"),
        sa.Column("booking_id", sa.String(36), nullable=True),
        sa.Column("vehicle_id", sa.String(64), nullable=True),
        sa.Column("actor", sa.String(64), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
    )
    op.create_index("ix_events_type", "events", ["type"])
    op.create_index("ix_events_at", "events", ["at"])
    op.create_index("ix_events_booking_id", "events", ["booking_id"])
    _create_plan_tables()
    op.create_table(
        "problems",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("booking_id", sa.String(36), nullable=False),
        sa.Column("vehicle_id", sa.String(64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        _ts("created_at"),
        _ts("resolved_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_problems"),
    )
    op.create_index("ix_problems_booking_id", "problems", ["booking_id"])
    _spatial_indexes_and_append_only_log()


def _create_bookings() -> None:
    op.create_table(
        "bookings",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("offer_id", sa.String(36), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("state_reason", sa.Text(), nullable=True),
        sa.Column("vehicle_id", sa.String(64), nullable=False),
        sa.Column("pickup_stop_id", sa.String(64), nullable=False),
        sa.Column("dropoff_stop_id", sa.String(64), nullable=False),
        _ts("pickup_earliest"),
        _ts("pickup_latest"),
        _ts("planned_pickup"),
        _ts("planned_dropoff"),
        _ts("latest_arrival"),
        sa.Column("passengers", sa.Integer(), nullable=False),
        sa.Column("wheelchairs", sa.Integer(), nullable=False),
        sa.Column("strollers", sa.Integer(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("booked_by", sa.String(64), nullable=True),
        sa.Column("caller_name", sa.String(120), nullable=True),
        sa.Column("caller_phone", sa.String(40), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("origin_geom", GeoColumn("POINT"), nullable=True),
        sa.Column("destination_geom", GeoColumn("POINT"), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_bookings"),
        sa.ForeignKeyConstraint(["offer_id"], ["offers.id"], name="fk_bookings_offer_id_offers"),
        sa.UniqueConstraint("offer_id", name="uq_bookings_offer_id"),
        sa.UniqueConstraint("customer_id", "idempotency_key", name="uq_bookings_idempotency"),
    )
    op.create_index("ix_bookings_customer_id", "bookings", ["customer_id"])
    op.create_index("ix_bookings_state", "bookings", ["state"])
    op.create_index("ix_bookings_vehicle_id", "bookings", ["vehicle_id"])


def _create_plan_tables() -> None:
    op.create_table(
        "plan_state",
        sa.Column("service_area", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("service_area", name="pk_plan_state"),
    )
    op.create_table(
        "plan_visits",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("vehicle_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.String(36), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("stop_id", sa.String(64), nullable=False),
        _ts("planned_arrival"),
        _ts("planned_departure"),
        _ts("window_earliest"),
        _ts("window_latest"),
        sa.Column("load_seats", sa.Integer(), nullable=False),
        sa.Column("load_wheelchairs", sa.Integer(), nullable=False),
        sa.Column("load_strollers", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("geom", GeoColumn("POINT"), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_plan_visits"),
        sa.UniqueConstraint("vehicle_id", "seq", name="uq_plan_visits_vehicle_seq"),
    )
    op.create_index("ix_plan_visits_vehicle_id", "plan_visits", ["vehicle_id"])
    op.create_table(
        "tour_legs",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("vehicle_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("from_stop_id", sa.String(64), nullable=False),
        sa.Column("to_stop_id", sa.String(64), nullable=False),
        _ts("depart"),
        _ts("arrive"),
        sa.Column("load_seats", sa.Integer(), nullable=False),
        sa.Column("geom", GeoColumn("LINESTRING"), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_tour_legs"),
        sa.UniqueConstraint("vehicle_id", "seq", name="uq_tour_legs_vehicle_seq"),
    )
    op.create_index("ix_tour_legs_vehicle_id", "tour_legs", ["vehicle_id"])


def _spatial_indexes_and_append_only_log() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table, column in GIST_INDEXES:
            op.create_index(name, table, [column], postgresql_using="gist")
        op.execute(
            "CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'the event log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
            "FOR EACH ROW EXECUTE FUNCTION events_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER events_no_{action.lower()} BEFORE {action} ON events "
                "BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS events_append_only ON events")
        op.execute("DROP FUNCTION IF EXISTS events_append_only()")
    for table in ("problems", "tour_legs", "plan_visits", "plan_state", "events", "bookings", "offers",
                  "vehicles", "stops", "users"):
        op.drop_table(table)
