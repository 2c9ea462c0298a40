"""Control room: actions on problems, vehicles out of service for a time, standing orders and their nightly runs.

``problem_actions`` records what the Leitstelle did about a problem (called, rebooked, cancelled with a message, put
back when the vehicle returned). ``vehicle_outages`` holds the time range of an out-of-service vehicle; the service
brings it back when ``until`` has passed and puts its lost rides back. ``standing_orders`` are recurring rides of
regular callers; ``standing_order_runs`` (unique per order and day) what the nightly run booked or why it could not.

Revision ID: 0006_control_room
Revises: 0005_rider_notices
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from booking.store.types import UTCDateTime

revision = "0006_control_room"
down_revision = "0005_rider_notices"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "problem_actions",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("problem_id", BIGINT, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("booking_id", sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_problem_actions"),
    )
    op.create_index("ix_problem_actions_problem_id", "problem_actions", ["problem_id"])
    op.create_table(
        "vehicle_outages",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("vehicle_id", sa.String(64), nullable=False),
        sa.Column("start", UTCDateTime(), nullable=False),
        sa.Column("until", UTCDateTime(), nullable=True),
        sa.Column("returned_at", UTCDateTime(), nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_vehicle_outages"),
    )
    op.create_index("ix_vehicle_outages_vehicle_id", "vehicle_outages", ["vehicle_id"])
    op.create_table(
        "standing_orders",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("caller_name", sa.String(120), nullable=False),
        sa.Column("caller_phone", sa.String(40), nullable=True),
        sa.Column("origin_stop_id", sa.String(64), nullable=False),
        sa.Column("destination_stop_id", sa.String(64), nullable=False),
        sa.Column("weekdays", sa.String(20), nullable=False),
        sa.Column("at_time", sa.String(5), nullable=False),
        sa.Column("time_kind", sa.String(10), nullable=False),
        sa.Column("passengers", sa.Integer(), nullable=False),
        sa.Column("wheelchairs", sa.Integer(), nullable=False),
        sa.Column("strollers", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_standing_orders"),
    )
    op.create_index("ix_standing_orders_customer_id", "standing_orders", ["customer_id"])
    op.create_table(
        "standing_order_runs",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("booking_id", sa.String(36), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_standing_order_runs"),
        sa.UniqueConstraint("order_id", "day", name="uq_standing_order_runs_order_day"),
    )
    op.create_index("ix_standing_order_runs_order_id", "standing_order_runs", ["order_id"])
    op.create_index("ix_standing_order_runs_day", "standing_order_runs", ["day"])


def downgrade() -> None:
    op.drop_table("standing_order_runs")
    op.drop_table("standing_orders")
    op.drop_table("vehicle_outages")
    op.drop_table("problem_actions")
