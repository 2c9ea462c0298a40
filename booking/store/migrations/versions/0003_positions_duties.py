"""Vehicle positions (kept for a retention period) and the duty of each stored visit and tour leg.

``vehicle_positions``: one row per position a driver's device reported (server time), a point layer with a GiST index
on PostgreSQL; the index on (vehicle_id, at) finds a vehicle's last position, the one on ``at`` serves the purge.
``plan_visits.duty_id`` and ``tour_legs.duty_id``: the duty (vehicle × shift × service day) a row belongs to, so a
QGIS layer can be filtered per duty; nullable (rows of plans without duties, and rows written before this revision).

Revision ID: 0003_positions_duties
Revises: 0002_poolcars
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from booking.store.types import GeoColumn, UTCDateTime

revision = "0003_positions_duties"
down_revision = "0002_poolcars"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "vehicle_positions",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("vehicle_id", sa.String(64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("speed_mps", sa.Float(), nullable=True),
        sa.Column("heading_deg", sa.Float(), nullable=True),
        sa.Column("geom", GeoColumn("POINT"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_vehicle_positions"),
    )
    op.create_index("ix_vehicle_positions_vehicle_id_at", "vehicle_positions", ["vehicle_id", "at"])
    op.create_index("ix_vehicle_positions_at", "vehicle_positions", ["at"])
    for table in ("plan_visits", "tour_legs"):
        op.add_column(table, sa.Column("duty_id", sa.String(96), nullable=True))
        op.create_index(f"ix_{table}_duty_id", table, ["duty_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_vehicle_positions_geom", "vehicle_positions", ["geom"], postgresql_using="gist")


def downgrade() -> None:
    for table in ("tour_legs", "plan_visits"):
        op.drop_index(f"ix_{table}_duty_id", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("duty_id")
    op.drop_table("vehicle_positions")
