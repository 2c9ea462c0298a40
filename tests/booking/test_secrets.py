"""Secrets: no usable key in code or compose, a private key made on first start, key ids and rotation, short-lived
access tokens with refresh, sign-ins that end at once, first-run credentials in a private file."""

from __future__ import annotations

import io
import re
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
import yaml

from booking.service.accounts import SeededAccount
from booking.service.keys import KeyConfigError, KeyRing, key_id, load_keys
from booking.service.security import create_token, decode_token
from mobility.app import signing_keys
from mobility.cli.first_run import hand_out
from mobility.config import REPO_ROOT, Settings
from tests.booking.conftest import PASSWORD, Env, EnvFactory

OLD_DEFAULT = "change-me-in-production-salzland-mobility"
KEY_A = "a" * 20 + "-first-key-of-the-ring-0001"
KEY_B = "b" * 20 + "-second-key-of-the-ring-002"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _sign_in(env: Env, username: str, password: str = PASSWORD) -> dict[str, object]:
    r = env.client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


# -- where the key comes from -------------------------------------------------------------------------------------
def test_development_key_is_made_once_with_mode_0600(tmp_path: Path) -> None:
    """Without a configured key, development makes a random key in the data folder (0600) and keeps using it."""
    first = load_keys(None, None, production=False, data_dir=tmp_path / "data")
    again = load_keys(None, None, production=False, data_dir=tmp_path / "data")
    path = tmp_path / "data" / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.current == again.current
    assert len(first.current) >= 48
    assert first.current != load_keys(None, None, production=False, data_dir=tmp_path / "other").current


def test_production_refuses_to_start_without_a_key(tmp_path: Path) -> None:
    """MOBILITY_ENV=production without MOBILITY_SECRET_KEY stops before anything is built; nothing is written."""
    settings = Settings(env="production", secret_key=None, data_dir=tmp_path / "data")
    with pytest.raises(KeyConfigError, match="MOBILITY_SECRET_KEY"):
        signing_keys(settings)
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("key", [OLD_DEFAULT, "change-me", "kurz-aber-geheim"])
def test_placeholder_and_short_keys_are_refused(tmp_path: Path, key: str) -> None:
    """The old default, the compose placeholder and short keys are never accepted, in production or not."""
    for production in (True, False):
        with pytest.raises(KeyConfigError):
            load_keys(key, None, production=production, data_dir=tmp_path)


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    """A key file with group or world read bits is not used."""
    load_keys(None, None, production=False, data_dir=tmp_path)
    (tmp_path / "secret.key").chmod(0o644)
    with pytest.raises(KeyConfigError, match="chmod 600"):
        load_keys(None, None, production=False, data_dir=tmp_path)


def test_no_usable_key_in_code_or_compose() -> None:
    """Neither the settings nor the compose file carry a key: compose stops without one instead of a fallback."""
    assert Settings.model_fields["secret_key"].default is None
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    api = compose["services"]["api"]["environment"]
    assert api["MOBILITY_SECRET_KEY"].startswith("${MOBILITY_SECRET_KEY:?")
    assert api["MOBILITY_ENV"] == "production"
    code = "\n".join(p.read_text() for p in (REPO_ROOT / "mobility").rglob("*.py"))
    assert OLD_DEFAULT not in code.replace(f'"{OLD_DEFAULT}"', "")  # named only as a refused placeholder
    assert "change-me}" not in (REPO_ROOT / "docker-compose.yml").read_text()


# -- key ids and rotation -----------------------------------------------------------------------------------------
def test_tokens_name_their_key_and_survive_a_rotation() -> None:
    """A token carries the kid of its key; after a rotation (new key, old one as previous) it still verifies; once
    the old key is dropped it does not."""
    now = datetime.now(UTC)
    old_ring = KeyRing(KEY_A)
    token = create_token(old_ring, "u1", "resident", now, timedelta(minutes=5))
    assert jwt.get_unverified_header(token)["kid"] == key_id(KEY_A)
    rotated = KeyRing(KEY_B, (KEY_A,))
    claims = decode_token(rotated, token)
    assert claims is not None
    assert claims.user_id == "u1"
    assert jwt.get_unverified_header(create_token(rotated, "u1", "resident", now, timedelta(minutes=5)))["kid"] == \
        key_id(KEY_B)
    assert decode_token(KeyRing(KEY_B), token) is None


def test_tokens_without_kid_or_expired_or_of_the_old_default_are_refused() -> None:
    """No kid, an expired token, and a 10-year token signed with the key once written in the code: all refused."""
    ring = KeyRing(KEY_A)
    now = datetime.now(UTC)
    no_kid = jwt.encode({"sub": "u", "role": "admin", "iat": now, "exp": now + timedelta(days=3650), "typ": "access"},
                        KEY_A, algorithm="HS256")
    assert decode_token(ring, no_kid) is None
    assert decode_token(ring, create_token(ring, "u", "resident", now - timedelta(hours=1), timedelta(minutes=15))) \
        is None
    forged = jwt.encode({"sub": "u", "role": "admin", "iat": now, "exp": now + timedelta(days=3650),
                         "typ": "access"}, OLD_DEFAULT, algorithm="HS256", headers={"kid": key_id(OLD_DEFAULT)})
    assert decode_token(ring, forged) is None


# -- sessions over the API, both stores ---------------------------------------------------------------------------
def test_access_tokens_are_short_lived_and_refresh_rotates(any_env_factory: EnvFactory) -> None:
    """Sign-in gives a 15-minute access token and a refresh token; a refresh gives a new pair and the used refresh
    token is no good any more."""
    env = any_env_factory()
    env.parts.services.accounts.add("erika", PASSWORD, "resident", "Erika")
    first = _sign_in(env, "erika")
    assert first["expires_in"] == 15 * 60
    token = str(first["access_token"])
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 15 * 60
    r = env.client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert env.client.get("/api/v1/auth/me", headers=_bearer(second["access_token"])).status_code == 200
    again = env.client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert again.status_code == 401
    stored = str(env.scalar("SELECT token_hash FROM auth_sessions"))
    assert second["refresh_token"] not in stored
    assert len(stored) == 64


def test_sign_out_ends_the_access_token_at_once(any_env_factory: EnvFactory) -> None:
    """After sign-out neither the access token nor the refresh token of that sign-in works."""
    env = any_env_factory()
    env.parts.services.accounts.add("erika", PASSWORD, "resident", "Erika")
    grant = _sign_in(env, "erika")
    headers = _bearer(str(grant["access_token"]))
    assert env.client.get("/api/v1/bookings", headers=headers).status_code == 200
    assert env.client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert env.client.get("/api/v1/bookings", headers=headers).status_code == 401
    assert env.client.post("/api/v1/auth/refresh", json={"refresh_token": grant["refresh_token"]}).status_code == 401


def test_a_locked_account_loses_access_and_refresh_at_once(any_env_factory: EnvFactory) -> None:
    """Locking an account ends its access tokens and its refresh tokens in the same moment."""
    env = any_env_factory()
    env.parts.services.accounts.add("erika", PASSWORD, "resident", "Erika")
    grant = _sign_in(env, "erika")
    headers = _bearer(str(grant["access_token"]))
    assert env.client.get("/api/v1/bookings", headers=headers).status_code == 200
    env.parts.services.accounts.set_active("erika", False)
    assert env.client.get("/api/v1/bookings", headers=headers).status_code == 401
    assert env.client.post("/api/v1/auth/refresh", json={"refresh_token": grant["refresh_token"]}).status_code == 401
    env.parts.services.accounts.set_active("erika", True)
    assert env.client.get("/api/v1/bookings", headers=headers).status_code == 401  # unlocking revives no old token


def test_a_password_change_ends_every_other_sign_in(any_env_factory: EnvFactory) -> None:
    """Changing the password ends the sign-ins of every device; the answer is a fresh sign-in for this one."""
    env = any_env_factory()
    env.parts.services.accounts.add("erika", PASSWORD, "resident", "Erika")
    phone, laptop = _sign_in(env, "erika"), _sign_in(env, "erika")
    r = env.client.post("/api/v1/me/password", headers=_bearer(str(laptop["access_token"])),
                        json={"current_password": PASSWORD, "new_password": "Neues-Passwort-2027"})
    assert r.status_code == 200, r.text
    for old in (phone, laptop):
        assert env.client.get("/api/v1/auth/me", headers=_bearer(str(old["access_token"]))).status_code == 401
        assert env.client.post("/api/v1/auth/refresh", json={"refresh_token": old["refresh_token"]}).status_code == 401
    assert env.client.get("/api/v1/auth/me", headers=_bearer(r.json()["access_token"])).status_code == 200
    assert env.client.post("/api/v1/auth/token", data={"username": "erika", "password": PASSWORD}).status_code == 401
    _sign_in(env, "erika", "Neues-Passwort-2027")


# -- first-run credentials ----------------------------------------------------------------------------------------
def test_first_run_credentials_go_to_a_private_file_not_to_a_log(tmp_path: Path) -> None:
    """Off a terminal (a container log) the passwords are only in a 0600 file; on a terminal they are shown too."""
    accounts = [SeededAccount("admin", "Zufall-Passwort-1", "admin"),
                SeededAccount("fahrer-bbg-1", "Zufall-Passwort-2", "driver", "bbg-1")]
    out = io.StringIO()
    path = hand_out(accounts, tmp_path, tty=False, echo=lambda line: print(line, file=out))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert "Zufall-Passwort-1" in text
    assert "Zufall-Passwort-2" in text
    assert "Zufall-Passwort" not in out.getvalue()
    assert str(path) in out.getvalue()
    shown = io.StringIO()
    second = hand_out(accounts, tmp_path, tty=True, echo=lambda line: print(line, file=shown))
    assert second != path  # never over the first file
    assert re.search(r"admin\s+Zufall-Passwort-1", shown.getvalue())
