"""Tables of the rider notices: how each rider wants to be told, and every notice (outbox and inbox in one).

``rider_notices`` is a transactional outbox: a notice is written in the same transaction as the change it tells of
(a ride lost, moved, delayed), so it exists exactly when the change does; a background worker sends it later and
retries until the channel accepts it (``status`` stays ``pending`` until then, with ``attempts``, ``last_error`` and
``next_attempt_at``). The same rows are the rider's inbox on the page. ``dedupe_key`` is unique: one notice per
booking and event, however often the watcher looks. Created by the Alembic revision ``0005_rider_notices``.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from booking.store.models import Base

CHANNELS = ("email", "sms", "none")  # none: told on the page only
PENDING, SENT, PAGE_ONLY = "pending", "sent", "page_only"


class RiderPreferenceRow(Base):
    """How a rider wants to be told when a ride changes: e-mail, SMS, or on the page only."""

    __tablename__ = "rider_preferences"

    user_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(10))
    email: Mapped[str | None] = mapped_column(sa.String(200))
    updated_at: Mapped[datetime]


class RiderNoticeRow(Base):
    """One notice to a rider (outbox row until sent; inbox row on the page)."""

    __tablename__ = "rider_notices"
    __table_args__ = (sa.Index("ix_rider_notices_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    customer_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    booking_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    dedupe_key: Mapped[str] = mapped_column(sa.String(160), unique=True)
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    channel: Mapped[str] = mapped_column(sa.String(10))
    recipient: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(12))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    seen_at: Mapped[datetime | None]
