"""Sign-in sessions, token versions, the access log, erasure tombstones; the event log may be pseudonymised once.

* ``users.token_version``: raised by a password change or a lock, so every access token issued before ends at once.
* ``auth_sessions``: one row per sign-in with the SHA-256 of its refresh token (never the token).
* ``access_log``: staff reading a rider's data. ``erasures``: tombstones of pseudonymised riders.
* ``events.erased_at``: the event log stays append-only, with one documented exception: an entry may be
  pseudonymised once (``erased_at`` from empty to a time; id, type, time, booking and vehicle unchanged) so a
  rider's erasure or the retention period can remove personal data without deleting history (docs/privacy.md).
  DELETE stays refused on both databases.
* ``offers.created_at`` gets an index for the retention of unbooked quotes.

Revision ID: 0004_privacy_sessions
Revises: 0003_positions_duties
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from booking.store.types import UTCDateTime

revision = "0004_privacy_sessions"
down_revision = "0003_positions_duties"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
SAME_ENTRY = ("OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL AND NEW.id = OLD.id AND NEW.type = OLD.type "
              "AND NEW.at = OLD.at AND NEW.booking_id IS NOT DISTINCT FROM OLD.booking_id "
              "AND NEW.vehicle_id IS NOT DISTINCT FROM OLD.vehicle_id")


def upgrade() -> None:
    op.add_column("users", sa.Column("token_version", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("refreshed_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_auth_sessions"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_auth_sessions_user_id_users", ondelete="CASCADE"),
        sa.UniqueConstraint("token_hash", name="uq_auth_sessions_token_hash"),
    )
    op.create_index("ix_auth_sessions_user_id", "auth_sessions", ["user_id"])
    op.create_table(
        "access_log",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("booking_id", sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_access_log"),
    )
    op.create_index("ix_access_log_at", "access_log", ["at"])
    op.create_index("ix_access_log_subject", "access_log", ["subject"])
    op.create_table(
        "erasures",
        sa.Column("id", sa.String(48), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("bookings", sa.Integer(), nullable=False),
        sa.Column("offers", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("reservations", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_erasures"),
    )
    op.create_index("ix_erasures_at", "erasures", ["at"])
    op.create_index("ix_offers_created_at", "offers", ["created_at"])
    op.create_index("ix_bookings_latest_arrival", "bookings", ["latest_arrival"])
    op.add_column("events", sa.Column("erased_at", UTCDateTime(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'UPDATE' AND {SAME_ENTRY} THEN RETURN NEW; END IF; "
            "RAISE EXCEPTION 'the event log is append-only (an entry may only be pseudonymised, once)'; END $$"
        )
    else:
        op.execute("DROP TRIGGER IF EXISTS events_no_update")
        op.execute(
            f"CREATE TRIGGER events_no_update BEFORE UPDATE ON events WHEN NOT ({SAME_ENTRY.replace(' IS NOT DISTINCT FROM ', ' IS ')}) "
            "BEGIN SELECT RAISE(ABORT, 'the event log is append-only (an entry may only be pseudonymised, once)'); END"
        )


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:  # on SQLite this rebuilds the table: triggers are made again below
        batch.drop_column("erased_at")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'the event log is append-only'; END $$"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"DROP TRIGGER IF EXISTS events_no_{action.lower()}")
            op.execute(f"CREATE TRIGGER events_no_{action.lower()} BEFORE {action} ON events "
                       "BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END")
    op.drop_index("ix_bookings_latest_arrival", table_name="bookings")
    op.drop_index("ix_offers_created_at", table_name="offers")
    for table in ("erasures", "access_log", "auth_sessions"):
        op.drop_table(table)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("token_version")
