"""Passwords (argon2id), access tokens (JWT, HS256, with the signing key's id) and refresh tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from booking.service.keys import KeyRing

ALGORITHM = "HS256"


def production_hasher() -> PasswordHasher:
    """argon2id with OWASP's recommended parameters (19 MiB, 2 passes, 1 lane) — the default."""
    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def light_hasher() -> PasswordHasher:
    """argon2id with small cost (1 MiB, 1 pass) for tests and benchmarks only; never for real accounts."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def hash_password(password: str, hasher: PasswordHasher | None = None) -> str:
    """An argon2id hash of ``password``."""
    return (hasher or production_hasher()).hash(password)


def verify_password(password_hash: str, password: str, hasher: PasswordHasher | None = None) -> bool:
    """Whether ``password`` matches ``password_hash`` (the parameters are read from the hash itself)."""
    try:
        return (hasher or production_hasher()).verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def random_password() -> str:
    """A fresh password for seeded accounts (about 96 bits, 16 characters)."""
    return secrets.token_urlsafe(12)


def dummy_verify(password: str, hasher: PasswordHasher | None = None) -> bool:
    """The work of one password check against a hash of no account (with ``hasher``'s cost), always ``False``.

    Signing in as an unknown or locked user costs as much time as a wrong password of a real one.
    """
    hasher = hasher or production_hasher()
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    dummy = _DUMMY_HASHES.get(key)
    if dummy is None:
        dummy = _DUMMY_HASHES.setdefault(key, hasher.hash(secrets.token_urlsafe(16)))
    verify_password(dummy, password, hasher)
    return False


_DUMMY_HASHES: dict[tuple[int, int, int], str] = {}


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What an access token says about its holder."""

    user_id: str
    role: str
    expires: datetime
    session_id: str | None = None  # the sign-in (refresh session) the token belongs to
    version: int = 0  # the account's token version when it was issued (a password change or lock raises it)


def create_token(keys: KeyRing | str, user_id: str, role: str, now: datetime, lifetime: timedelta, *,
                 session_id: str | None = None, version: int = 0) -> str:
    """A signed access token for ``user_id`` with ``role``; its header names the signing key (``kid``)."""
    ring = keys if isinstance(keys, KeyRing) else KeyRing(keys)
    payload: dict[str, Any] = {"sub": user_id, "role": role, "iat": now, "exp": now + lifetime, "typ": "access",
                               "tv": version}
    if session_id is not None:
        payload["sid"] = session_id
    return jwt.encode(payload, ring.current, algorithm=ALGORITHM, headers={"kid": ring.kid})


def decode_token(keys: KeyRing | str, token: str) -> TokenClaims | None:
    """The claims of a valid, unexpired access token signed by a key of ``keys``, else ``None``.

    A token without a known ``kid`` is refused (tokens of the old unnamed key, forged ones)."""
    ring = keys if isinstance(keys, KeyRing) else KeyRing(keys)
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key = ring.key_for(kid) if isinstance(kid, str) else None
        if key is None:
            return None
        payload = jwt.decode(token, key, algorithms=[ALGORITHM], options={"require": ["sub", "role", "exp", "iat"]})
    except jwt.PyJWTError:
        return None
    if payload.get("typ") != "access":
        return None
    sid, version = payload.get("sid"), payload.get("tv", 0)
    if not isinstance(version, int) or (sid is not None and not isinstance(sid, str)):
        return None
    return TokenClaims(str(payload["sub"]), str(payload["role"]), datetime.fromtimestamp(payload["exp"]).astimezone(),
                       sid, version)


def new_refresh_token() -> tuple[str, str]:
    """A fresh opaque refresh token and the hash under which it is stored (the token itself never is)."""
    token = secrets.token_urlsafe(32)
    return token, refresh_token_hash(token)


def refresh_token_hash(token: str) -> str:
    """SHA-256 of a refresh token (hex): enough for 256 random bits, and comparable in an index."""
    return hashlib.sha256(token.encode()).hexdigest()
