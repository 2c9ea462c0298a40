"""Sign-in sessions, the access log of staff reading rider data, and erasure tombstones (migration 0004).

* ``auth_sessions``: one row per sign-in; only the SHA-256 of its refresh token is stored. A refresh replaces the
  token; signing out, a password change or a lock revokes the rows.
* ``access_log``: who of the staff read which rider's data, when and how (DSGVO Art. 5(2), 32).
* ``erasures``: one row per pseudonymisation run of a rider (on request or by retention): the tombstone id that
  replaced the rider's ids and how many rows were touched; never the old ids.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from booking.store.models import Base, UserRow


class AuthSessionRow(Base):
    """A sign-in: the hash of its current refresh token and how long it lives."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime]
    refreshed_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class AccessLogRow(Base):
    """A member of staff read a rider's data."""

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[str] = mapped_column(sa.String(64))
    actor_role: Mapped[str] = mapped_column(sa.String(20))
    action: Mapped[str] = mapped_column(sa.String(40))
    subject: Mapped[str] = mapped_column(sa.String(64), index=True)  # the rider's customer id
    booking_id: Mapped[str | None] = mapped_column(sa.String(36))


class ErasureRow(Base):
    """A rider's data pseudonymised: the tombstone that replaced their ids and what was touched."""

    __tablename__ = "erasures"

    id: Mapped[str] = mapped_column(sa.String(48), primary_key=True)  # the tombstone, e.g. erased-3f2a…
    at: Mapped[datetime] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(sa.String(20))  # request (Art. 17) | retention
    bookings: Mapped[int]
    offers: Mapped[int]
    events: Mapped[int]
    reservations: Mapped[int]


# -- sessions --------------------------------------------------------------------------------------------------
def add_session(session: Session, user_id: str, token_hash: str, now: datetime, expires: datetime) -> AuthSessionRow:
    """Start a sign-in (flushes)."""
    row = AuthSessionRow(id=str(uuid.uuid4()), user_id=user_id, token_hash=token_hash, created_at=now,
                         refreshed_at=now, expires_at=expires, revoked_at=None)
    session.add(row)
    session.flush()
    return row


def session_by_token(session: Session, token_hash: str) -> AuthSessionRow | None:
    """The sign-in whose current refresh token has this hash (locked for the update)."""
    stmt = sa.select(AuthSessionRow).where(AuthSessionRow.token_hash == token_hash).with_for_update()
    return session.scalars(stmt).first()


def revoke_sessions(session: Session, user_id: str, now: datetime) -> int:
    """Revoke every live sign-in of a user."""
    stmt = (sa.update(AuthSessionRow).where(AuthSessionRow.user_id == user_id, AuthSessionRow.revoked_at.is_(None))
            .values(revoked_at=now))
    return int(session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]


def delete_stale_sessions(session: Session, now: datetime) -> int:
    """Delete sign-ins that expired or were revoked more than a day ago."""
    t = AuthSessionRow
    stmt = sa.delete(t).where(sa.or_(t.expires_at < now, t.revoked_at < now - timedelta(days=1)))
    return int(session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]


def principal_row(connection: sa.Connection, user_id: str, session_id: str | None, version: int) -> Any:
    """id, username, role, display_name, vehicle_id of an active user whose token version is ``version`` and whose
    sign-in ``session_id`` (when given) is not revoked — one indexed SELECT on every request's path."""
    u = UserRow.__table__
    stmt = sa.select(u.c.id, u.c.username, u.c.role, u.c.display_name, u.c.vehicle_id).where(
        u.c.id == user_id, u.c.active.is_(True), u.c.token_version == version)
    if session_id is not None:
        s = AuthSessionRow.__table__
        stmt = stmt.where(sa.exists().where(s.c.id == session_id, s.c.user_id == u.c.id, s.c.revoked_at.is_(None)))
    return connection.execute(stmt).first()


# -- access log ------------------------------------------------------------------------------------------------
def log_access(session: Session, *, actor_id: str, actor_role: str, action: str, subjects: dict[str, str | None],
               now: datetime) -> None:
    """One access-log row per rider (``subjects``: customer id → booking id or ``None`` for several)."""
    if subjects:
        session.execute(sa.insert(AccessLogRow), [
            {"at": now, "actor_id": actor_id, "actor_role": actor_role, "action": action, "subject": subject,
             "booking_id": booking_id} for subject, booking_id in subjects.items()])


def accesses_of(session: Session, subject: str, limit: int = 1000) -> list[AccessLogRow]:
    """Who read this rider's data, newest first."""
    stmt = sa.select(AccessLogRow).where(AccessLogRow.subject == subject).order_by(AccessLogRow.at.desc())
    return list(session.scalars(stmt.limit(limit)))


def recent_accesses(session: Session, limit: int = 200) -> list[AccessLogRow]:
    """The newest access-log rows."""
    return list(session.scalars(sa.select(AccessLogRow).order_by(AccessLogRow.id.desc()).limit(limit)))
