"""Accounts: self-registration of residents, sign-in, accounts created by an admin or at first start."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy.orm import Session, sessionmaker

from booking.service.errors import ServiceError, conflict
from booking.service.security import hash_password, production_hasher, random_password, verify_password
from booking.store import users as user_store
from booking.store.models import UserRow
from mobility.domain.fleet import Vehicle
from mobility.domain.ports import Clock

MIN_PASSWORD = 8


@dataclass(frozen=True, slots=True)
class SeededAccount:
    """An account created at first start, with its password (printed once)."""

    username: str
    password: str
    role: str
    vehicle_id: str | None = None


class AccountService:
    """Users and their credentials."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, hasher: PasswordHasher | None = None) -> None:
        self.sessions = sessions
        self.clock = clock
        self.hasher = hasher or production_hasher()
        self.on_change: list[Callable[[], None]] = []  # called after an account was locked or changed

    def add(self, username: str, password: str, role: str, display_name: str | None = None, *,
            phone: str | None = None, vehicle_id: str | None = None) -> UserRow:
        """Create an account; 409 when the name is taken, 422 for a weak password or a bad role."""
        if len(password) < MIN_PASSWORD:
            raise ServiceError(422, "weak_password", "Passwort zu kurz",
                               f"Das Passwort braucht mindestens {MIN_PASSWORD} Zeichen.", field="password")
        with self.sessions.begin() as session:
            if user_store.get_user_by_username(session, username) is not None:
                raise conflict("username_taken", f"Der Benutzername „{username}“ ist schon vergeben.",
                               field="username")
            try:
                password_hash = hash_password(password, self.hasher)
                return user_store.add_user(session, username=username, password_hash=password_hash, role=role,
                                           display_name=display_name or username, now=self.clock.now(),
                                           phone=phone, vehicle_id=vehicle_id)
            except ValueError as exc:
                raise ServiceError(422, "invalid_account", "Ungültiges Konto", str(exc)) from exc

    def authenticate(self, username: str, password: str) -> UserRow | None:
        """The active user with these credentials, else ``None``."""
        with self.sessions() as session:
            user = user_store.get_user_by_username(session, username)
        if user is None or not user.active or not verify_password(user.password_hash, password, self.hasher):
            return None
        return user

    def set_active(self, username: str, active: bool) -> UserRow:
        """Lock (``active=False``) or unlock an account; a locked account's tokens stop working at once here."""
        with self.sessions.begin() as session:
            user = user_store.get_user_by_username(session, username)
            if user is None:
                raise ServiceError(404, "not_found", "Nicht gefunden", f"Konto „{username}“ gibt es nicht.")
            user.active = active
        for listener in self.on_change:
            listener()
        return user

    def principal(self, user_id: str) -> Any:
        """(id, username, role, display_name, vehicle_id) of an active user, or ``None``."""
        with self.sessions() as session:
            return user_store.get_active_user(session.connection(), user_id)

    def get(self, user_id: str) -> UserRow | None:
        """The user with ``user_id``."""
        with self.sessions() as session:
            return user_store.get_user(session, user_id)

    def seed(self, vehicles: Sequence[Vehicle]) -> list[SeededAccount]:
        """On an empty user table: a dispatcher, an admin, a driver per vehicle and a demo resident.

        Returns the created accounts with their random passwords (shown once); nothing when users exist.
        """
        with self.sessions() as session:
            if user_store.count_users(session) > 0:
                return []
        plan: list[tuple[str, str, str, str | None]] = [("disponent", "dispatcher", "Disposition KVG Salzland", None),
                ("admin", "admin", "Administration", None),
                ("demo", "resident", "Demo Fahrgast", None)]
        plan += [(f"fahrer-{v.id}", "driver", f"Fahrer/in {v.name}", v.id) for v in vehicles]
        passwords = [random_password() for _ in plan]
        with ThreadPoolExecutor(4) as pool:  # argon2 releases the GIL: hash in parallel
            hashes = list(pool.map(lambda pw: hash_password(pw, self.hasher), passwords))
        now = self.clock.now()
        with self.sessions.begin() as session:
            for (username, role, name, vehicle_id), password_hash in zip(plan, hashes, strict=True):
                user_store.add_user(session, username=username, password_hash=password_hash, role=role,
                                    display_name=name, now=now, vehicle_id=vehicle_id)
        return [SeededAccount(u, pw, r, v) for (u, r, _, v), pw in zip(plan, passwords, strict=True)]
