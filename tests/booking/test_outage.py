"""The database goes away and comes back: 503 problem+json with Retry-After (never a 500 or a dropped connection),
readiness false while it is gone, everything back without a restart — on a real PostGIS behind a TCP proxy that is
taken down (connections refused and cut), and with the server's own pg_terminate_backend."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from mobility.app import Routing
from mobility.config import Settings
from mobility.domain.clock import ManualClock
from tests.booking.conftest import (
    BERNBURG_HBF,
    PASSWORD,
    STASSFURT_BF,
    T0,
    Env,
    LiveServer,
    _make_env,
    ride,
    two_minibuses,
)
from tests.booking.dbproxy import DbProxy

pytestmark = pytest.mark.postgis


@pytest.fixture
def outage_env(postgis_url: str, pg_schema: str, routing_parts: Routing,
               tmp_path: Path) -> Iterator[tuple[Env, DbProxy]]:
    """The service on PostGIS reached through a proxy the test can take down."""
    url = sa.make_url(postgis_url)
    with DbProxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:
        settings = Settings(database_url=url.set(host="127.0.0.1", port=proxy.port).render_as_string(False),
                            secret_key="test-secret-for-the-outage-runs-" + uuid.uuid4().hex, cache_dir=tmp_path,
                            solver_time_limit_s=1.0)
        env = _make_env(settings, routing_parts, two_minibuses(), ManualClock(T0), pg_schema)
        yield env, proxy
        proxy.down()
        proxy.up()  # the shutdown writes what is pending
        env.stop()


def _problem(r: httpx.Response, status: int) -> dict[str, object]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, object] = r.json()
    return body


def test_database_down_is_503_with_retry_after_and_recovers(outage_env: tuple[Env, DbProxy]) -> None:
    """While the database is gone: every call that needs it answers 503 problem+json with Retry-After and a German
    detail, sign-in too; liveness stays 200, readiness 503. Back: ready within 2 s and bookings work, no restart."""
    env, proxy = outage_env
    headers = env.user("erika")
    assert env.client.get("/health/ready").status_code == 200
    offer = env.client.post("/api/v1/offers", json=ride(BERNBURG_HBF, STASSFURT_BF), headers=headers).json()
    proxy.down()
    answers = {
        "list": env.client.get("/api/v1/bookings", headers=headers),
        "book": env.client.post("/api/v1/bookings", json={"offer_id": offer["id"]}, headers=headers),
        "sign-in": env.client.post("/api/v1/auth/token", data={"username": "erika", "password": PASSWORD}),
        "register": env.client.post("/api/v1/auth/register", json={"username": "neu.person",
                                                                      "password": "Sicheres-Passwort-7"}),
        "ready": env.client.get("/health/ready"),
    }
    for name, r in answers.items():
        body = _problem(r, 503)
        assert int(r.headers["Retry-After"]) > 0, name
        assert "erneut" in str(body["detail"]), name
    assert env.client.get("/health/live").status_code == 200
    proxy.up()
    started = time.monotonic()
    while env.client.get("/health/ready").status_code != 200:
        assert time.monotonic() - started < 2.0
        time.sleep(0.05)
    again = env.client.post("/api/v1/offers", json=ride(BERNBURG_HBF, STASSFURT_BF, 30), headers=headers).json()
    booked = env.client.post("/api/v1/bookings", json={"offer_id": again["id"]}, headers=headers)
    assert booked.status_code == 201, booked.text
    assert env.client.get("/api/v1/bookings", headers=headers).status_code == 200


def test_terminated_backends_cost_no_answer(outage_env: tuple[Env, DbProxy], postgis_url: str) -> None:
    """The server ends every connection of the service (pg_terminate_backend): the next calls are answered (200 or at
    worst 503), never a 500, and the pool reconnects on its own."""
    env, proxy = outage_env
    headers = env.user("erika")
    assert env.client.get("/api/v1/bookings", headers=headers).status_code == 200
    ports = proxy.upstream_ports()  # only the service's own connections: other tests share the database
    assert ports
    admin = sa.create_engine(postgis_url)
    with admin.connect() as conn:
        killed = conn.execute(sa.text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE client_port = ANY(:ports) "
            "AND client_addr = '127.0.0.1'"), {"ports": ports}).scalar()
    admin.dispose()
    assert killed
    statuses = [env.client.get("/api/v1/bookings", headers=headers).status_code for _ in range(5)]
    assert set(statuses) <= {200, 503}
    assert statuses[-1] == 200


def test_no_dropped_connection_under_concurrent_load(outage_env: tuple[Env, DbProxy]) -> None:
    """Real HTTP clients in parallel while the database goes away for a moment: every request gets an HTTP answer,
    each one a success or a 503 (never 500, never a closed connection)."""
    env, proxy = outage_env
    headers = env.user("erika")
    statuses: list[int] = []
    errors: list[str] = []
    with LiveServer(env.app) as base, httpx.Client(base_url=base, timeout=30) as client:
        import threading

        stop = threading.Event()

        def hammer() -> None:
            with httpx.Client(base_url=base, timeout=30) as own:
                while not stop.is_set():
                    try:
                        statuses.append(own.get("/api/v1/bookings", headers=headers).status_code)
                    except httpx.HTTPError as exc:
                        errors.append(type(exc).__name__)

        workers = [threading.Thread(target=hammer) for _ in range(4)]
        for w in workers:
            w.start()
        time.sleep(0.5)
        proxy.down()
        time.sleep(2.0)
        proxy.up()
        time.sleep(1.5)
        stop.set()
        for w in workers:
            w.join(30)
        assert client.get("/health/ready").status_code == 200
    assert not errors
    assert set(statuses) <= {200, 503}
    assert 503 in statuses
    assert statuses[-1] == 200
