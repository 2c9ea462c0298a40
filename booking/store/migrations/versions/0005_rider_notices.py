"""Rider notices: how each rider wants to be told (``rider_preferences``) and every notice (``rider_notices``).

``rider_notices`` is the transactional outbox of the notices (a ride lost, moved or delayed) and the rider's inbox on
the page: written with the change it tells of, sent later by a background worker that retries until the channel
accepts it. ``dedupe_key`` is unique (one notice per booking and event); the index on (status, next_attempt_at)
serves the worker's search for due notices.

Revision ID: 0005_rider_notices
Revises: 0004_privacy_sessions
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from booking.store.types import UTCDateTime

revision = "0005_rider_notices"
down_revision = "0004_privacy_sessions"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "rider_preferences",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("email", sa.String(200), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_rider_preferences"),
    )
    op.create_table(
        "rider_notices",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("booking_id", sa.String(36), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("dedupe_key", sa.String(160), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("seen_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_rider_notices"),
        sa.UniqueConstraint("dedupe_key", name="uq_rider_notices_dedupe_key"),
    )
    op.create_index("ix_rider_notices_customer_id", "rider_notices", ["customer_id"])
    op.create_index("ix_rider_notices_booking_id", "rider_notices", ["booking_id"])
    op.create_index("ix_rider_notices_status_next_attempt_at", "rider_notices", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("rider_notices")
    op.drop_table("rider_preferences")
