"""Fixtures of the booking tests: the real bundled network, the real LiveDispatcher, SQLite or PostGIS stores."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from booking.service.security import light_hasher
from mobility.app import Parts, Routing, build_services, create_app, load_routing
from mobility.config import Settings
from mobility.domain.clock import ManualClock
from mobility.domain.fleet import Shift, Vehicle, VehicleKind, VehicleType
from mobility.domain.geo import Point
from mobility.domain.rides import Load

#: Monday 23 November 2026, 08:00 in Bernburg (07:00 UTC).
T0 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
PASSWORD = "geheim-1234"
MINIBUS = VehicleType("minibus-8", "Kleinbus 8 Sitze", VehicleKind.MINIBUS, Load(8, 1, 2))
SMALL_CAR = VehicleType("car-3", "Pkw 3 Sitze", VehicleKind.POOL_CAR, Load(3, 0, 0))
BERNBURG = Point(11.7401, 51.79464)
STASSFURT = Point(11.58508, 51.85186)


def shift(hours: float = 14.0) -> tuple[Shift, ...]:
    """One shift from an hour before T0 for ``hours`` hours."""
    return (Shift(T0 - timedelta(hours=1), T0 + timedelta(hours=hours)),)


def two_minibuses() -> list[Vehicle]:
    """A minibus in Bernburg and one in Staßfurt (one wheelchair place each)."""
    return [
        Vehicle("bbg-1", "Bernburg 1", MINIBUS, BERNBURG, "Bernburg", shift()),
        Vehicle("sft-1", "Staßfurt 1", MINIBUS, STASSFURT, "Staßfurt", shift()),
    ]


def one_small_car() -> list[Vehicle]:
    """A single three-seat car in Bernburg: two parties of two cannot both ride."""
    return [Vehicle("bbg-car", "Bernburg Pkw", SMALL_CAR, BERNBURG, "Bernburg", shift())]


@pytest.fixture(scope="session")
def routing_parts() -> Routing:
    """The bundled network with its stop directory and matrix, loaded once."""
    return load_routing(Settings(cache_dir=Path("/tmp/salzland-mobility-test-cache")))


@dataclass
class Env:
    """A running service under test."""

    parts: Parts
    app: FastAPI
    client: TestClient
    clock: ManualClock
    settings: Settings
    stopped: bool = False

    def user(self, username: str, role: str = "resident", vehicle_id: str | None = None) -> dict[str, str]:
        """Create an account and return bearer headers for it."""
        self.parts.services.accounts.add(username, PASSWORD, role, username.title(), vehicle_id=vehicle_id)
        return self.login(username)

    def login(self, username: str, password: str = PASSWORD) -> dict[str, str]:
        """Bearer headers after the OAuth2 password flow."""
        r = self.client.post("/api/v1/auth/token", data={"username": username, "password": password})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    def flush(self) -> None:
        """Store pending quotes and the live plan now (the plan writer would within a few seconds)."""
        self.parts.services.ctx.flush_pending()
        self.parts.services.ctx.flush_plan()

    def stop(self) -> None:
        """Shut the app down like a server stop (lifespan end: the plan writer flushes) and close the store."""
        if not self.stopped:
            self.stopped = True
            self.client.__exit__(None, None, None)
            self.parts.engine.dispose()

    def scalar(self, sql: str) -> object:
        """One value from the store."""
        with self.parts.engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar()


EnvFactory = Callable[..., Env]


def _make_env(settings: Settings, routing: Routing, fleet: list[Vehicle], clock: ManualClock,
              schema: str | None = None) -> Env:
    parts = build_services(settings, clock=clock, fleet=fleet, routing=routing, schema=schema, hasher=light_hasher())
    app = create_app(settings, parts=parts, background=False, poolcars=False)
    client = TestClient(app)
    client.__enter__()  # runs the lifespan: the plan writer works as in production
    return Env(parts, app, client, clock, settings)


@pytest.fixture
def make_env(tmp_path: Path, routing_parts: Routing) -> Iterator[EnvFactory]:
    """Build services on a fresh SQLite file (the embedded default); call again (same file) to restart; keyword
    arguments override settings."""
    created: list[Env] = []
    url = f"sqlite:///{tmp_path / 'mobility.db'}"

    def factory(fleet: list[Vehicle] | None = None, clock: ManualClock | None = None, **settings_: Any) -> Env:
        settings = Settings(database_url=url, secret_key="test-secret-" + uuid.uuid4().hex, cache_dir=tmp_path,
                            solver_time_limit_s=1.0, **settings_)
        env = _make_env(settings, routing_parts, fleet or two_minibuses(), clock or ManualClock(T0))
        created.append(env)
        return env

    yield factory
    for env in created:
        env.stop()


@pytest.fixture
def env(make_env: EnvFactory) -> Env:
    """Two minibuses on SQLite at T0."""
    return make_env()


@pytest.fixture
def pg_schema(postgis_url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema for one test, dropped afterwards."""
    schema = "test_booking_" + uuid.uuid4().hex[:10]
    admin = sa.create_engine(postgis_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    yield schema
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def make_pg_env(postgis_url: str, pg_schema: str, routing_parts: Routing, tmp_path: Path) -> Iterator[EnvFactory]:
    """Like ``make_env`` but on PostGIS (an isolated schema)."""
    created: list[Env] = []

    def factory(fleet: list[Vehicle] | None = None, clock: ManualClock | None = None, **settings_: Any) -> Env:
        settings = Settings(database_url=postgis_url, secret_key="test-secret-for-postgis-runs-0123456789",
                            cache_dir=tmp_path, solver_time_limit_s=1.0, **settings_)
        env = _make_env(settings, routing_parts, fleet or two_minibuses(), clock or ManualClock(T0), pg_schema)
        created.append(env)
        return env

    yield factory
    for env in created:
        env.stop()


def ride(origin: str, destination: str, minutes: int = 20, **extra: object) -> dict[str, object]:
    """An offer request between two stop ids, ``minutes`` after T0."""
    body: dict[str, object] = {"origin": {"stop_id": origin}, "destination": {"stop_id": destination},
                               "departure": (T0 + timedelta(minutes=minutes)).isoformat()}
    body.update(extra)
    return body


# Real stops of the bundled network (DB HAFAS ids) used across the tests.
BERNBURG_HBF = "8010043"
BERNBURG_KALISTR = "206902"
STASSFURT_BF = "8010332"
ASCHERSLEBEN_BF = "8010009"
BERNBURG_FRIEDENSHALL = "8011168"


class LiveServer:
    """The app under a real uvicorn server on a free loopback port (in a thread)."""

    def __init__(self, app: FastAPI) -> None:
        import threading

        import uvicorn

        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        import time

        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                msg = "uvicorn did not start"
                raise RuntimeError(msg)
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def any_env_factory(request: pytest.FixtureRequest) -> EnvFactory:
    """``make_env`` (SQLite) and ``make_pg_env`` (PostGIS) in turn: service tests run on both stores."""
    factory: EnvFactory = request.getfixturevalue("make_env" if request.param == "sqlite" else "make_pg_env")
    return factory


@pytest.fixture
def any_env(any_env_factory: EnvFactory) -> Env:
    """Two minibuses at T0 on SQLite, then on PostGIS: ``env`` on both stores."""
    return any_env_factory()
