"""Passwords (argon2id) and access tokens (JWT, HS256)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

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
    """A fresh password for seeded accounts (about 72 bits)."""
    return secrets.token_urlsafe(9)


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What an access token says about its holder."""

    user_id: str
    role: str
    expires: datetime


def create_token(secret: str, user_id: str, role: str, now: datetime, lifetime: timedelta) -> str:
    """A signed access token for ``user_id`` with ``role``."""
    payload: dict[str, Any] = {"sub": user_id, "role": role, "iat": now, "exp": now + lifetime}
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def decode_token(secret: str, token: str) -> TokenClaims | None:
    """The claims of a valid, unexpired token, else ``None``."""
    try:
        payload = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "role", "exp"]})
    except jwt.PyJWTError:
        return None
    return TokenClaims(str(payload["sub"]), str(payload["role"]), datetime.fromtimestamp(payload["exp"]).astimezone())
