"""A running pool-car API over a real store (SQLite file or a PostGIS schema) with the default pool."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from booking.api.poolcars import PoolCarApi, mount_poolcars
from booking.api.problems import install_problem_handlers
from booking.service.accounts import AccountService
from booking.service.poolcar_admin import PoolCarDesk, read_pool_files
from booking.service.poolcars import PoolCarService
from booking.service.security import create_token, light_hasher
from booking.store.engine import make_engine, make_session_factory, upgrade
from mobility.domain.clock import ManualClock
from routing.carsharing import CarsharingPlanner, CpSatParams

#: Monday 2 March 2026, 07:00 in Bernburg (06:00 UTC).
T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
SECRET = "poolcar-test-secret-of-at-least-32-bytes"


@dataclass
class PoolEnv:
    """The app, its client, clock and services."""

    engine: sa.Engine
    app: FastAPI
    client: TestClient
    clock: ManualClock
    api: PoolCarApi

    def user(self, username: str, role: str = "resident") -> dict[str, str]:
        """Create an account and return bearer headers for it."""
        row = self.api.accounts.add(username, "geheim-1234", role, username.title())
        token = create_token(SECRET, row.id, row.role, datetime.now(UTC), timedelta(hours=1))
        return {"Authorization": f"Bearer {token}"}

    def scalar(self, sql: str) -> object:
        """One value from the store."""
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar()


def at(hours: float) -> str:
    """ISO time ``hours`` after T0."""
    return (T0 + timedelta(hours=hours)).isoformat()


def build_env(url: str, schema: str | None = None) -> PoolEnv:
    """Migrate the store at ``url``, seed the default pool and mount the pool-car API."""
    engine = make_engine(url, schema=schema)
    upgrade(engine)
    sessions = make_session_factory(engine)
    clock = ManualClock(T0)
    service = PoolCarService(sessions, CarsharingPlanner(params=CpSatParams(time_limit_s=3.0, workers=1)), clock)
    desk = PoolCarDesk(service)
    desk.seed(*read_pool_files())
    api = PoolCarApi(service, desk, AccountService(sessions, clock, light_hasher()), SECRET)
    app = FastAPI()
    install_problem_handlers(app)
    mount_poolcars(app, api)
    return PoolEnv(engine, app, TestClient(app), clock, api)
