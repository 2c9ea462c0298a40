"""User accounts: lookup and creation (passwords are hashed by :mod:`booking.api.security`, never stored plain)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from booking.store.models import UserRow

ROLES = ("resident", "dispatcher", "driver", "admin")


def get_user(session: Session, user_id: str) -> UserRow | None:
    """The user with ``user_id``."""
    return session.get(UserRow, user_id)


def get_active_user(connection: sa.Connection, user_id: str) -> Any:
    """id, username, role, display_name, vehicle_id of an active user (one Core SELECT: on every request's path)."""
    t = UserRow.__table__
    stmt = sa.select(t.c.id, t.c.username, t.c.role, t.c.display_name, t.c.vehicle_id).where(
        t.c.id == user_id, t.c.active.is_(True))
    return connection.execute(stmt).first()


def get_user_by_username(session: Session, username: str) -> UserRow | None:
    """The user with ``username`` (case-insensitive)."""
    stmt = sa.select(UserRow).where(sa.func.lower(UserRow.username) == username.lower())
    return session.scalars(stmt).first()


def add_user(
    session: Session,
    *,
    username: str,
    password_hash: str,
    role: str,
    display_name: str,
    now: datetime,
    phone: str | None = None,
    vehicle_id: str | None = None,
) -> UserRow:
    """Create a user (flushes; the caller commits). Raises ``ValueError`` for an unknown role or a taken name."""
    if role not in ROLES:
        msg = f"unknown role {role!r}; choose one of {', '.join(ROLES)}"
        raise ValueError(msg)
    if role == "driver" and not vehicle_id:
        msg = "a driver account needs a vehicle id"
        raise ValueError(msg)
    if get_user_by_username(session, username) is not None:
        msg = f"username {username!r} is taken"
        raise ValueError(msg)
    row = UserRow(
        id=str(uuid.uuid4()),
        username=username,
        password_hash=password_hash,
        role=role,
        display_name=display_name,
        phone=phone,
        vehicle_id=vehicle_id,
        active=True,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def count_users(session: Session, role: str | None = None) -> int:
    """How many users there are (of ``role``)."""
    stmt = sa.select(sa.func.count()).select_from(UserRow)
    if role is not None:
        stmt = stmt.where(UserRow.role == role)
    return int(session.scalar(stmt) or 0)


def list_users(session: Session) -> list[UserRow]:
    """All users, by username."""
    return list(session.scalars(sa.select(UserRow).order_by(UserRow.username)))
