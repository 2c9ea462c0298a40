"""Signing in: throttled password checks, short-lived access tokens and refresh tokens that rotate.

* ``sign_in``: 429 (``retry_after_s``) while the account or the client address is locked by the throttle; one
  generic 401 for every failure (unknown user, wrong password, locked account).
* An access token (JWT, ``access_lifetime``) names its sign-in (``sid``) and the account's token version (``tv``).
* ``refresh``: a refresh token is good once; it is replaced by a new one (only its SHA-256 is stored).
* ``sign_out`` ends one sign-in; a password change or a lock ends all of them (``AccountService``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from booking.service.accounts import AccountService
from booking.service.errors import ServiceError
from booking.service.keys import KeyRing
from booking.service.security import create_token, new_refresh_token, refresh_token_hash
from booking.service.throttle import Throttle
from booking.store import privacy as privacy_store
from booking.store.models import UserRow
from booking.store.privacy import AuthSessionRow

FAILED = "Benutzername oder Passwort ist falsch."


@dataclass(frozen=True, slots=True)
class Grant:
    """What a successful sign-in or refresh hands out."""

    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int
    user: UserRow


def throttled(retry_after_s: int, what: str = "Anmeldeversuche") -> ServiceError:
    """The 429 problem with ``Retry-After``."""
    return ServiceError(429, "too_many_attempts", "Zu viele Versuche",
                        f"Zu viele {what}. Bitte in {retry_after_s} Sekunden erneut versuchen.",
                        retry_after_s=retry_after_s)


@dataclass
class SignInService:
    """Sign-in, refresh and sign-out over an :class:`AccountService`."""

    accounts: AccountService
    keys: KeyRing
    access_lifetime: timedelta = timedelta(minutes=15)
    refresh_lifetime: timedelta = timedelta(days=14)
    per_account: Throttle = field(default_factory=lambda: Throttle(free=5))
    per_address: Throttle = field(default_factory=lambda: Throttle(free=20))
    registrations: Throttle = field(default_factory=lambda: Throttle(free=10, base_s=30.0))

    def sign_in(self, username: str, password: str, address: str) -> Grant:
        """Check the password (throttled) and start a sign-in."""
        account_key, address_key = "u:" + username.strip().lower(), "a:" + address
        wait = max(self.per_account.retry_after(account_key), self.per_address.retry_after(address_key))
        if wait > 0:
            raise throttled(wait)
        user = self.accounts.authenticate(username, password)
        if user is None:
            wait = max(self.per_account.failed(account_key), self.per_address.failed(address_key))
            if wait > 0:
                raise throttled(wait)
            raise ServiceError(401, "invalid_credentials", "Anmeldung fehlgeschlagen", FAILED)
        self.per_account.succeeded(account_key)
        return self.start(user)

    def check_registration(self, address: str) -> None:
        """429 while an address is locked for probing names (taken names counted by :meth:`name_taken`)."""
        wait = self.registrations.retry_after("r:" + address)
        if wait > 0:
            raise throttled(wait, "Registrierungsversuche")

    def name_taken(self, address: str) -> None:
        """A registration from ``address`` hit a taken name: count it."""
        self.registrations.failed("r:" + address)

    def start(self, user: UserRow) -> Grant:
        """A new sign-in of ``user`` (after a password check or a password change)."""
        now = datetime.now(UTC)  # wall time: tokens expire in real time, whatever the service clock says
        token, token_hash = new_refresh_token()
        with self.accounts.sessions.begin() as session:
            row = privacy_store.add_session(session, user.id, token_hash, now, now + self.refresh_lifetime)
        return self._grant(user, row, token, now)

    def _grant(self, user: UserRow, row: AuthSessionRow, refresh_token: str, now: datetime) -> Grant:
        access = create_token(self.keys, user.id, user.role, now, self.access_lifetime, session_id=row.id,
                              version=user.token_version or 0)
        return Grant(access, refresh_token, int(self.access_lifetime.total_seconds()),
                     max(0, int((row.expires_at - now).total_seconds())), user)

    def refresh(self, refresh_token: str) -> Grant:
        """A new access token and a new refresh token for a live sign-in (401 otherwise)."""
        now = datetime.now(UTC)
        expired = ServiceError(401, "invalid_refresh_token", "Anmeldung abgelaufen",
                               "Die Anmeldung ist abgelaufen oder wurde beendet. Bitte erneut anmelden.")
        with self.accounts.sessions.begin() as session:
            row = privacy_store.session_by_token(session, refresh_token_hash(refresh_token))
            if row is None:
                raise expired
            user = session.get(UserRow, row.user_id)
            if row.revoked_at is not None or row.expires_at <= now or user is None or not user.active:
                raise expired
            token, row.token_hash = new_refresh_token()
            row.refreshed_at = now
        return self._grant(user, row, token, now)

    def sign_out(self, session_id: str | None = None, refresh_token: str | None = None) -> bool:
        """End one sign-in, named by its id (from the access token) or its refresh token."""
        now = datetime.now(UTC)
        with self.accounts.sessions.begin() as session:
            row = (session.get(AuthSessionRow, session_id) if session_id is not None else
                   privacy_store.session_by_token(session, refresh_token_hash(refresh_token or "")))
            if row is None or row.revoked_at is not None:
                return False
            row.revoked_at = now
        self.accounts.changed()
        return True
