"""Bad input is a 4xx problem on both stores alike: control characters anywhere, numbers that are not numbers,
dates and ids out of range; a wrong method is 405 with ``Allow``. Nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest

from tests.booking.conftest import BERNBURG_HBF, STASSFURT_BF, Env, EnvFactory, ride

PROBLEM = "application/problem+json"


def _refused(r: Any, status: int = 422) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    return body


def test_control_characters_are_refused_everywhere(any_env_factory: EnvFactory) -> None:
    """NUL or another control character (or a lone surrogate) in a JSON field or key, a form field, the query or the
    path: 422 with the field named, the same on SQLite and PostGIS, and nothing stored."""
    env = any_env_factory()
    staff = env.user("leitstelle", "dispatcher")
    resident = env.user("erika")
    users = env.scalar("SELECT count(*) FROM users")
    cases = [
        ("POST", "/api/v1/auth/register", {"json": {"username": "max", "password": "Sicheres-Passwort-7",
                                                   "display_name": "Max\x00Muster"}}, "body.display_name"),
        ("POST", "/api/v1/auth/register", {"json": {"username": "max", "password": "Sicheres-Passwort-7",
                                                   "display_name": "Max\x07"}}, "body.display_name"),
        ("POST", "/api/v1/auth/register", {"content": b'{"username": "max", "password": "Sicheres-Passwort-7", '
                                                      b'"display_name": "Max \\ud800"}',
                                           "headers": {"Content-Type": "application/json"}}, "body.display_name"),
        ("POST", "/api/v1/dispatch/bookings", {"json": {"caller_name": "Otto\x00", "caller_phone": "03471 123456",
                                                       "request": ride(BERNBURG_HBF, STASSFURT_BF)},
                                               "headers": staff}, "body.caller_name"),
        ("POST", "/api/v1/offers", {"json": {**ride(BERNBURG_HBF, STASSFURT_BF), "x\x00": 1},
                                    "headers": resident}, "body.?"),
        ("POST", "/api/v1/auth/token", {"data": {"username": "erika\x00", "password": "x"}}, "body.username"),
        ("GET", "/api/v1/stops?q=Bern%00burg", {}, "query.q"),
        ("GET", "/api/v1/bookings?state=CONFIRMED%1b", {"headers": resident}, "query.state"),
        ("GET", "/api/v1/bookings/ab%00cd", {"headers": resident}, "path"),
        ("PATCH", "/api/v1/me", {"json": {"display_name": "Erika\x1b[31m"}, "headers": resident},
         "body.display_name"),
    ]
    for method, url, kwargs, field in cases:
        body = _refused(env.client.request(method, url, **kwargs))
        assert body["errors"][0]["field"] == field, (url, body)
        assert "Steuerzeichen" in body["detail"]
    assert env.scalar("SELECT count(*) FROM users") == users
    assert env.scalar("SELECT count(*) FROM bookings") == 0
    assert env.scalar("SELECT display_name FROM users WHERE username = 'erika'") == "Erika"


@pytest.mark.parametrize(("field", "value"), [
    ("passengers", True), ("passengers", "2"), ("passengers", 2.0), ("wheelchairs", False), ("strollers", "0"),
])
def test_numbers_must_be_numbers(env: Env, field: str, value: object) -> None:
    """``true``, ``"2"`` or ``2.0`` for a count is refused (strict types), not read as 1 or 2."""
    body = _refused(env.client.post("/api/v1/offers", json=ride(BERNBURG_HBF, STASSFURT_BF, **{field: value}),
                                    headers=env.user("erika")))
    assert body["errors"][0]["field"] == field


def test_coordinates_must_be_numbers(env: Env) -> None:
    """``[true, 51.8]`` is no position."""
    body = {"origin": {"coordinates": [True, 51.79]}, "destination": {"stop_id": STASSFURT_BF},
            "departure": "2026-11-23T08:20:00+01:00"}
    _refused(env.client.post("/api/v1/offers", json=body, headers=env.user("erika")))


def test_dates_and_ids_are_bounded(any_env_factory: EnvFactory) -> None:
    """Year 9999 or 0001 and a 30-digit id are 422 with a German message, never a 500."""
    env = any_env_factory()
    staff = env.user("leitstelle", "dispatcher")
    resident = env.user("erika")
    for method, url, kwargs in [
        ("POST", "/api/v1/dispatch/replan?day=9999-12-31", {"headers": staff}),
        ("GET", "/api/v1/dispatch/tours.geojson?day=0001-01-01", {"headers": staff}),
        ("GET", "/api/v1/feeds/trips.geojson?day=9999-12-31", {}),
        ("POST", f"/api/v1/dispatch/problems/{10**30}/resolve", {"headers": staff}),
        ("POST", "/api/v1/dispatch/problems/0/resolve", {"headers": staff}),
        ("POST", "/api/v1/offers", {"json": {**ride(BERNBURG_HBF, STASSFURT_BF), "departure": "9999-12-31T23:59:59"},
                                    "headers": resident}),
    ]:
        body = _refused(env.client.request(method, url, **kwargs))
        assert body["detail"].startswith("Ungültige Eingabe"), body


def test_a_wrong_method_is_405_with_allow(env: Env) -> None:
    """PUT on /bookings is 405 problem+json naming the allowed methods of the path (GET and POST)."""
    r = env.client.put("/api/v1/bookings", json={})
    body = _refused(r, 405)
    assert body["type"].endswith("method_not_allowed")
    assert {m.strip() for m in r.headers["Allow"].split(",")} >= {"GET", "POST"}
    assert "PUT" not in r.headers["Allow"]


def test_oversized_body_is_413(env: Env) -> None:
    """A body over 2 MB is refused before any route reads it."""
    r = env.client.post("/api/v1/auth/register", content=b'{"username": "' + b"x" * 2_100_000 + b'"}',
                        headers={"Content-Type": "application/json"})
    _refused(r, 413)
