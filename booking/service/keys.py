"""Signing keys: a key ring with key ids (``kid``) so keys rotate, and where the key comes from.

The current key signs; the previous keys (after a rotation) still verify until their tokens have expired. The
key id is a short hash of the key, so a token names the key that signed it without revealing it.

Where the key comes from (:func:`load_keys`): ``MOBILITY_SECRET_KEY`` when set (at least 32 characters, never a
known placeholder); without it, in development, a random key made on first start and kept in
``<data_dir>/secret.key`` with mode 0600; in production the service refuses to start without a configured key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

MIN_KEY_LENGTH = 32
KEY_FILE = "secret.key"
#: placeholders that were once written in code or compose files: never accepted
KNOWN_WEAK_KEYS = frozenset({"change-me", "change-me-in-production-salzland-mobility", "secret", "changeme"})


class KeyConfigError(RuntimeError):
    """The signing key cannot be used (the message says why and what to set)."""


def key_id(key: str) -> str:
    """A short public id of ``key`` (first 12 hex digits of its SHA-256 under a fixed label)."""
    return hashlib.sha256(b"salzland-mobility kid:" + key.encode()).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class KeyRing:
    """The current signing key and earlier keys still accepted for verification."""

    current: str
    previous: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for key in (self.current, *self.previous):
            check_key(key)

    @property
    def kid(self) -> str:
        """The id of the current key (the ``kid`` header of new tokens)."""
        return key_id(self.current)

    def key_for(self, kid: str) -> str | None:
        """The key with id ``kid`` (current or previous), else ``None``."""
        for key in (self.current, *self.previous):
            if hmac.compare_digest(key_id(key), kid):
                return key
        return None

    def derive(self, label: str) -> str:
        """A secret for another purpose (e.g. pseudonyms in a public feed), derived from the current key."""
        return hmac.new(self.current.encode(), label.encode(), hashlib.sha256).hexdigest()

    def __repr__(self) -> str:  # never show a key in a log or a traceback
        return f"KeyRing(kid={self.kid!r}, previous={len(self.previous)})"


def check_key(key: str) -> None:
    """Refuse short keys and known placeholders."""
    if key.strip().lower() in KNOWN_WEAK_KEYS:
        msg = "MOBILITY_SECRET_KEY is a known placeholder; set a random key (e.g. `openssl rand -base64 48`)"
        raise KeyConfigError(msg)
    if len(key) < MIN_KEY_LENGTH:
        msg = f"a signing key needs at least {MIN_KEY_LENGTH} characters (got {len(key)})"
        raise KeyConfigError(msg)


def load_keys(secret: str | None, previous: str | None, *, production: bool, data_dir: Path) -> KeyRing:
    """The key ring of the service (see the module docstring)."""
    old = tuple(k.strip() for k in (previous or "").split(",") if k.strip())
    if secret:
        return KeyRing(secret, old)
    if production:
        msg = ("MOBILITY_ENV=production needs MOBILITY_SECRET_KEY (at least 32 random characters); "
               "the service does not start with a made-up key")
        raise KeyConfigError(msg)
    return KeyRing(development_key(data_dir), old)


def development_key(data_dir: Path) -> str:
    """The random key in ``data_dir/secret.key``, made (mode 0600) on first use."""
    path = data_dir / KEY_FILE
    if path.exists():
        return read_private(path)
    key = secrets.token_urlsafe(48)
    try:
        write_private(path, key + "\n")
    except FileExistsError:  # another process made it at the same moment
        return read_private(path)
    return key


def read_private(path: Path) -> str:
    """The text of a private file; refuses one that others may read."""
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        msg = f"{path} may be read by others (mode {mode:o}); run `chmod 600 {path}`"
        raise KeyConfigError(msg)
    return path.read_text(encoding="utf-8").strip()


def write_private(path: Path, text: str) -> None:
    """Create ``path`` with mode 0600 (never over an existing file) and write ``text``."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
