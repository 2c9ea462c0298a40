"""TOMP-API packages: the state a MaaS operator's purchase, rollback or release gave an offer, and its booking.

Revision ID: 0007_tomp_packages
Revises: 0006_control_room
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from booking.store.types import UTCDateTime

revision = "0007_tomp_packages"
down_revision = "0006_control_room"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tomp_packages",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("booking_id", sa.String(36), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tomp_packages"),
        sa.UniqueConstraint("booking_id", name="uq_tomp_packages_booking_id"),
    )
    op.create_index("ix_tomp_packages_customer_id", "tomp_packages", ["customer_id"])


def downgrade() -> None:
    op.drop_index("ix_tomp_packages_customer_id", table_name="tomp_packages")
    op.drop_table("tomp_packages")
