"""TOMP-API packages: what the adapter (``booking/tomp``) must remember beyond the offer and the booking.

A package's id is the id of the offer it was made from. A row exists once a MaaS operator acted on the offer
(purchase, release); before that the package is OFFERED (or EXPIRED) by the offer alone. Once booked, the
booking's state is the truth (``booking_id``); ``state`` keeps the last state the adapter set itself.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from booking.store.models import Base


class TompPackageRow(Base):
    """A TOMP package of one MaaS operator's account."""

    __tablename__ = "tomp_packages"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)  # the offer id
    customer_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    state: Mapped[str] = mapped_column(sa.String(12))  # PENDING, ROLLBACK, RELEASED, EXPIRED, CONFIRMED
    expires_at: Mapped[datetime]  # the end of the offer's hold: PENDING turns EXPIRED after it
    booking_id: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


def get_package(session: Session, package_id: str, *, for_update: bool = False) -> TompPackageRow | None:
    """The package row with ``package_id`` (locked for update on PostgreSQL when asked)."""
    query = sa.select(TompPackageRow).where(TompPackageRow.id == package_id)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()
