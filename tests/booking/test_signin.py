"""Sign-in as an attacker sees it: throttled after a few wrong passwords (per account and per address), the same
answer and the same time for unknown users, registration that names no taken name, a password rule."""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from booking.service.accounts import AccountService
from booking.service.passwords import password_problem
from booking.service.security import production_hasher
from booking.service.throttle import Throttle
from tests.booking.conftest import PASSWORD, Env, EnvFactory, LiveServer


class FakeTime:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _try(env: Env, username: str, password: str) -> httpx.Response:
    return env.client.post("/api/v1/auth/token", data={"username": username, "password": password})


def test_thirty_wrong_passwords_are_throttled_after_at_most_ten(any_env_factory: EnvFactory) -> None:
    """30 wrong passwords for one account: 429 with Retry-After from the 6th on; then even the right password waits;
    once the delay has passed the right password works again."""
    env = any_env_factory()
    clock = FakeTime()
    env.parts.services.signin.per_account = Throttle(free=5, clock=clock)
    env.parts.services.accounts.add("erika", PASSWORD, "resident", "Erika")
    statuses = [_try(env, "erika", f"falsch-{i:02d}-passwort").status_code for i in range(30)]
    first = statuses.index(429) + 1
    assert first <= 10
    assert set(statuses[first - 1:]) == {429}
    assert set(statuses[:first - 1]) == {401}
    right = _try(env, "erika", PASSWORD)
    assert right.status_code == 429
    wait = int(right.headers["Retry-After"])
    assert wait >= 1
    assert right.json()["retry_after_s"] == wait
    assert "Sekunden" in right.json()["detail"]
    clock.now += wait
    assert _try(env, "erika", PASSWORD).status_code == 200


def test_delays_grow_with_every_further_failure() -> None:
    """After the free attempts each failure doubles the lock (1, 2, 4, 8 … s), capped; a success forgets."""
    clock = FakeTime()
    throttle = Throttle(free=3, base_s=1.0, max_s=8.0, clock=clock)
    locks = [throttle.failed("k") for _ in range(8)]
    assert locks == [0, 0, 0, 1, 2, 4, 8, 8]
    assert throttle.retry_after("k") == 8
    clock.now += 8
    assert throttle.retry_after("k") == 0
    throttle.succeeded("k")
    assert throttle.failures("k") == 0


def test_one_address_trying_many_accounts_is_throttled(env: Env) -> None:
    """Password spraying: wrong passwords for many different names from one address end in 429 after 20."""
    statuses = [_try(env, f"niemand-{i}", "Sommer-2026-falsch").status_code for i in range(25)]
    assert statuses.index(429) <= 20
    assert statuses[-1] == 429


def test_unknown_user_wrong_password_and_locked_account_look_the_same(any_env_factory: EnvFactory) -> None:
    """The same status, title and detail whether the name is unknown, the password wrong or the account locked."""
    env = any_env_factory()
    env.parts.services.accounts.add("erika", PASSWORD, "resident", "Erika")
    env.parts.services.accounts.add("gesperrt", PASSWORD, "resident", "Gesperrt")
    env.parts.services.accounts.set_active("gesperrt", False)
    answers = [_try(env, "erika", "ganz-falsch-123"), _try(env, "unbekannt", "ganz-falsch-123"),
               _try(env, "gesperrt", PASSWORD)]
    bodies = [{k: v for k, v in r.json().items() if k != "instance"} for r in answers]
    assert {r.status_code for r in answers} == {401}
    assert bodies[0] == bodies[1] == bodies[2]


def test_sign_in_takes_as_long_for_unknown_users(env: Env) -> None:
    """With the production argon2 cost, the median time of a failed sign-in differs by < 10 ms between a known user
    (wrong password) and an unknown one (a dummy hash is checked). Measured as the thread's CPU time, so other
    work on a shared machine does not blur it (benchmarks/bench_trust.py measures wall time over HTTP)."""
    accounts = AccountService(env.parts.services.sessions, env.clock, production_hasher())
    accounts.add("bekannt", PASSWORD, "resident", "Bekannt")
    known: list[float] = []
    unknown: list[float] = []
    for i in range(15):
        for name, sink in (("bekannt", known), (f"unbekannt-{i}", unknown)):
            started = time.thread_time()
            assert accounts.authenticate(name, "falsches-passwort") is None
            sink.append(time.thread_time() - started)
    assert statistics.median(known) > 0.005  # the real cost, not a shortcut
    assert abs(statistics.median(known) - statistics.median(unknown)) < 0.010


def test_registration_names_no_taken_name_and_racing_twins_get_one_account(any_env_factory: EnvFactory) -> None:
    """30 registrations of one name at once: one 201, the rest 409 (or 429 once the address is throttled), never a
    5xx; the 409 does not repeat the name."""
    env = any_env_factory()
    body = {"username": "max.muster", "password": "Sicheres-Passwort-7", "display_name": "Max Muster",
            "phone": "03471 123456"}

    def register(_: int) -> httpx.Response:
        with httpx.Client(base_url=url, timeout=60) as client:
            return client.post("/api/v1/auth/register", json=body)

    with LiveServer(env.app) as url, ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(register, range(30)))
    statuses = sorted(r.status_code for r in answers)
    assert statuses.count(201) == 1
    assert set(statuses) <= {201, 409, 429}
    taken = next(r for r in answers if r.status_code == 409).json()
    assert "max.muster" not in taken["detail"]
    assert taken["field"] == "username"
    assert env.scalar("SELECT count(*) FROM users WHERE username = 'max.muster'") == 1


@pytest.mark.parametrize(("password", "ok"), [
    ("12345678", False), ("1234567890", False), ("qwertyuiop", False), ("Password123", False),
    ("aaaaaaaaaaaa", False), ("kurz-9", False), ("Salzland-Probefahrt-7431", True), (PASSWORD, True),
])
def test_password_rule(password: str, ok: bool) -> None:
    """At least 10 characters and not one of the commonest passwords (case-insensitive), with a German reason."""
    problem = password_problem(password)
    assert (problem is None) is ok
    if problem is not None:
        assert "Passwort" in problem


def test_registration_refuses_a_common_password_in_german(env: Env) -> None:
    """``12345678`` and ``1234567890`` are refused at registration with a German 422 naming the field."""
    for weak in ("12345678", "1234567890"):
        r = env.client.post("/api/v1/auth/register", json={"username": "neu.person", "password": weak})
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    r = env.client.post("/api/v1/auth/register", json={"username": "neu.person", "password": "1234567890"})
    assert r.json()["field"] == "password"
    assert "verbreitet" in r.json()["detail"]
