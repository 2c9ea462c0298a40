"""Accounts: self-registration of residents, sign-in, accounts created by an admin or at first start."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from booking.service.errors import ServiceError, conflict
from booking.service.passwords import MIN_PASSWORD, require_good_password
from booking.service.security import (
    dummy_verify,
    hash_password,
    production_hasher,
    random_password,
    verify_password,
)
from booking.store import privacy as privacy_store
from booking.store import users as user_store
from booking.store.models import UserRow
from mobility.domain.fleet import Vehicle
from mobility.domain.ports import Clock

__all__ = ["MIN_PASSWORD", "AccountService", "SeededAccount"]
TAKEN = "Dieser Benutzername ist nicht verfügbar. Bitte einen anderen wählen."


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
        """Create an account; 409 when the name is taken, 422 for a weak password or a bad role.

        The password is hashed before the name is looked up, so a taken name costs the same time as a free one;
        the 409 does not repeat the name. Two registrations of one name at once: the unique index decides (409).
        """
        require_good_password(password, username)
        password_hash = hash_password(password, self.hasher)
        try:
            with self.sessions.begin() as session:
                if user_store.get_user_by_username(session, username) is not None:
                    raise conflict("username_taken", TAKEN, field="username")
                try:
                    return user_store.add_user(session, username=username, password_hash=password_hash, role=role,
                                               display_name=display_name or username, now=self.clock.now(),
                                               phone=phone, vehicle_id=vehicle_id)
                except ValueError as exc:
                    if "taken" in str(exc):  # registered by a racing twin between the look-up and the insert
                        raise conflict("username_taken", TAKEN, field="username") from None
                    raise ServiceError(422, "invalid_account", "Ungültiges Konto", str(exc)) from exc
        except IntegrityError:
            raise conflict("username_taken", TAKEN, field="username") from None

    def authenticate(self, username: str, password: str) -> UserRow | None:
        """The active user with these credentials, else ``None``.

        An unknown or locked user costs one password check too (a dummy hash), so the time does not tell them apart.
        """
        with self.sessions() as session:
            user = user_store.get_user_by_username(session, username)
        if user is None or not user.active:
            dummy_verify(password, self.hasher)
            return None
        if not verify_password(user.password_hash, password, self.hasher):
            return None
        return user

    def set_active(self, username: str, active: bool) -> UserRow:
        """Lock (``active=False``) or unlock an account; locking ends its sign-ins and tokens at once."""
        with self.sessions.begin() as session:
            user = user_store.get_user_by_username(session, username)
            if user is None:
                raise ServiceError(404, "not_found", "Nicht gefunden", "Dieses Konto gibt es nicht.")
            user.active = active
            if not active:
                self._end_sessions(session, user)
        self.changed()
        return user

    def change_password(self, user_id: str, current: str, new: str) -> UserRow:
        """Set a new password after checking the current one; every sign-in of the account ends (403 if wrong)."""
        with self.sessions() as session:
            user = user_store.get_user(session, user_id)
        if user is None or not verify_password(user.password_hash, current, self.hasher):
            raise ServiceError(403, "wrong_password", "Passwort falsch", "Das bisherige Passwort stimmt nicht.",
                               field="current_password")
        if new == current:
            raise ServiceError(422, "weak_password", "Passwort ungeeignet",
                               "Das neue Passwort muss sich vom bisherigen unterscheiden.", field="new_password")
        require_good_password(new, user.username)
        password_hash = hash_password(new, self.hasher)
        with self.sessions.begin() as session:
            row = session.get(UserRow, user_id, with_for_update=True)
            if row is None:
                raise ServiceError(404, "not_found", "Nicht gefunden", "Dieses Konto gibt es nicht mehr.")
            row.password_hash = password_hash
            self._end_sessions(session, row)
        self.changed()
        return row

    def update_profile(self, user_id: str, *, display_name: str | None = None, phone: str | None = None,
                       clear_phone: bool = False) -> UserRow:
        """Correct the name shown and the phone number (DSGVO Art. 16)."""
        with self.sessions.begin() as session:
            row = session.get(UserRow, user_id, with_for_update=True)
            if row is None:
                raise ServiceError(404, "not_found", "Nicht gefunden", "Dieses Konto gibt es nicht mehr.")
            if display_name is not None:
                row.display_name = display_name
            if phone is not None or clear_phone:
                row.phone = phone
        self.changed()
        return row

    def verify(self, user_id: str, password: str) -> UserRow:
        """The account if ``password`` is its password (403 otherwise), for steps that need it again."""
        with self.sessions() as session:
            user = user_store.get_user(session, user_id)
        if user is None or not verify_password(user.password_hash, password, self.hasher):
            raise ServiceError(403, "wrong_password", "Passwort falsch", "Das Passwort stimmt nicht.",
                               field="password")
        return user

    def _end_sessions(self, session: Session, user: UserRow) -> None:
        user.token_version = (user.token_version or 0) + 1
        privacy_store.revoke_sessions(session, user.id, datetime.now(UTC))

    def changed(self) -> None:
        """Tell the listeners (the token cache) that an account or a sign-in changed."""
        for listener in self.on_change:
            listener()

    def principal(self, user_id: str, session_id: str | None = None, version: int = 0) -> Any:
        """(id, username, role, display_name, vehicle_id) of an active user whose token is still good, or ``None``."""
        with self.sessions() as session:
            return privacy_store.principal_row(session.connection(), user_id, session_id, version)

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
