"""Authentication and roles: OAuth2 password flow, bearer JWT, argon2 hashes, role walls — on SQLite and PostGIS."""

from __future__ import annotations

import pytest

from tests.booking.conftest import PASSWORD, Env


@pytest.fixture
def env(any_env: Env) -> Env:
    """Two minibuses at T0, on SQLite and then on PostGIS."""
    return any_env


def _is_problem(response: object, status: int) -> dict[str, object]:
    r = response
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    assert r.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    body: dict[str, object] = r.json()  # type: ignore[attr-defined]
    assert {"type", "title", "status", "detail"} <= body.keys()
    return body


def test_password_flow_returns_a_bearer_token_with_the_role(env: Env) -> None:
    """POST /auth/token with the right password returns a bearer token that identifies the account and role."""
    env.parts.services.accounts.add("erika", PASSWORD, "resident", "Erika Muster")
    r = env.client.post("/api/v1/auth/token", data={"username": "erika", "password": PASSWORD})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["role"] == "resident"
    me = env.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["username"] == "erika"


def test_wrong_password_is_a_401_problem_in_german(env: Env) -> None:
    """A wrong password gets 401 problem+json with a German detail, not a token."""
    env.parts.services.accounts.add("erika", PASSWORD, "resident")
    body = _is_problem(env.client.post("/api/v1/auth/token", data={"username": "erika", "password": "falsch!!"}), 401)
    assert "Passwort" in str(body["detail"])


def test_passwords_are_stored_as_argon2_hashes(env: Env) -> None:
    """The store never holds a plain password, only an argon2id hash."""
    env.parts.services.accounts.add("erika", PASSWORD, "resident")
    stored = str(env.scalar("SELECT password_hash FROM users WHERE username = 'erika'"))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_registration_creates_a_resident_and_refuses_a_taken_name(env: Env) -> None:
    """Self-registration makes a resident; the same name again is a 409 problem naming the field."""
    body = {"username": "max.muster", "password": "sicheres-pw", "display_name": "Max"}
    r = env.client.post("/api/v1/auth/register", json=body)
    assert r.status_code == 201
    assert r.json()["role"] == "resident"
    again = _is_problem(env.client.post("/api/v1/auth/register", json=body), 409)
    assert again["field"] == "username"


@pytest.mark.parametrize("header", [None, "Bearer kaputt", "Basic Zm9vOmJhcg=="])
def test_missing_or_broken_token_is_401(env: Env, header: str | None) -> None:
    """Without a valid bearer token the rides API answers 401 problem+json."""
    headers = {"Authorization": header} if header else {}
    _is_problem(env.client.get("/api/v1/bookings", headers=headers), 401)


def test_token_signed_with_another_key_is_refused(env: Env) -> None:
    """A token signed with a different secret is not accepted."""
    import jwt

    forged = jwt.encode({"sub": "x", "role": "admin", "exp": 4_102_444_800}, "other-key", algorithm="HS256")
    _is_problem(env.client.get("/api/v1/bookings", headers={"Authorization": f"Bearer {forged}"}), 401)


@pytest.mark.parametrize(("role", "path", "method"), [
    ("resident", "/api/v1/dispatch/vehicles", "get"),
    ("resident", "/api/v1/driver/manifest", "get"),
    ("driver", "/api/v1/dispatch/tours.geojson", "get"),
    ("driver", "/api/v1/offers", "post"),
    ("dispatcher", "/api/v1/driver/manifest", "get"),
])
def test_roles_are_walled_off(env: Env, role: str, path: str, method: str) -> None:
    """Each role reaches only its own part of the API (403 problem+json otherwise)."""
    headers = env.user("u-" + role, role, vehicle_id="bbg-1" if role == "driver" else None)
    r = env.client.request(method.upper(), path, headers=headers, json={})
    _is_problem(r, 403)


def test_locked_account_loses_access_at_once(env: Env) -> None:
    """A token of an account that was locked no longer works, even though it was just used."""
    headers = env.user("erika")
    assert env.client.get("/api/v1/bookings", headers=headers).status_code == 200
    env.parts.services.accounts.set_active("erika", False)
    _is_problem(env.client.get("/api/v1/bookings", headers=headers), 401)
    assert env.scalar("SELECT active FROM users WHERE username = 'erika'") in (0, False)
