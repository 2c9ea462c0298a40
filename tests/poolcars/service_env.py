"""A running pool-car API over a real store (SQLite file or a PostGIS schema) with the default pool."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
from booking.store.poolcars import PoolOfferRow
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


_TEMPLATE: dict[str, Path] = {}


def _sqlite_template() -> Path:
    """A migrated, seeded SQLite file made once per test session (copied for each test: migrations are slow)."""
    if "db" not in _TEMPLATE:
        folder = tempfile.mkdtemp(prefix="poolcar-template-")
        atexit.register(shutil.rmtree, folder, True)
        path = Path(folder) / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        service = PoolCarService(make_session_factory(engine), CarsharingPlanner(), ManualClock(T0))
        PoolCarDesk(service).seed(*read_pool_files())
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        _TEMPLATE["db"] = path
    return _TEMPLATE["db"]


def build_env(url: str, schema: str | None = None) -> PoolEnv:
    """Migrate the store at ``url`` (SQLite: copy of a migrated template), seed the default pool, mount the API."""
    backend = sa.make_url(url)
    if backend.get_backend_name() == "sqlite" and backend.database:
        shutil.copyfile(_sqlite_template(), backend.database)
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


def held_offer(offer_id: str, customer_id: str, start: datetime) -> PoolOfferRow:
    """A held offer of car-101 at the county office station for two hours from ``start``."""
    return PoolOfferRow(id=offer_id, customer_id=customer_id, car_id="car-101", station_id="bbg-kreisverwaltung",
                        start_at=start, end_at=start + timedelta(hours=2), walk_m=0, shift_s=0,
                        moved_from_station_id=None, created_at=T0, valid_until=T0 + timedelta(minutes=10),
                        request={})


def seed_offers_for_one_car(env: PoolEnv, count: int, customer_prefix: str) -> None:
    """Store ``count`` held offers of car-101 for overlapping two-hour slots, offer k for ``{customer_prefix}{k}``."""
    with env.api.service.sessions.begin() as session:
        for k in range(count):
            session.add(held_offer(f"offer-{k}", f"{customer_prefix}{k}", T0 + timedelta(hours=3, minutes=k % 60)))
