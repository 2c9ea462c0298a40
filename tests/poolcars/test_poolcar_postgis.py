"""No double booking, guaranteed by PostgreSQL: 200 concurrent attempts for one car → exactly one confirmed."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from booking.service.errors import ServiceError
from booking.service.poolcars import Caller
from booking.store import poolcars_repo as repo
from booking.store.poolcars import PoolReservationRow
from tests.poolcars.service_env import T0, PoolEnv, build_env, held_offer, seed_offers_for_one_car

ATTEMPTS = 200
pytestmark = pytest.mark.postgis


@pytest.fixture
def pg_env(postgis_url: str) -> Iterator[tuple[PoolEnv, str, str]]:
    """The pool-car store migrated into a fresh PostgreSQL schema (dropped afterwards)."""
    schema = "test_poolcars_" + uuid.uuid4().hex[:10]
    admin = sa.create_engine(postgis_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    env = build_env(postgis_url, schema)
    yield env, postgis_url, schema
    env.client.close()
    env.engine.dispose()
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def _row(customer: str, k: int, car_id: str = "car-101") -> PoolReservationRow:
    start = T0 + timedelta(hours=3, minutes=k % 60)  # all overlap: 09:00–11:59 starts, 2 h long
    return PoolReservationRow(
        id=str(uuid.uuid4()),
        customer_id=customer,
        car_id=car_id,
        station_id="bbg-kreisverwaltung",
        state="CONFIRMED",
        start_at=start,
        end_at=start + timedelta(hours=2),
        blocked_until=start + timedelta(hours=2, minutes=15),
        walk_m=0,
        created_at=T0,
        updated_at=T0,
    )


def test_exclusion_constraint_alone_admits_exactly_one(pg_env: tuple[PoolEnv, str, str]) -> None:
    """200 threads insert overlapping reservations of one car without any check: the database keeps one."""
    env, url, schema = pg_env
    # separate connections (at most 20 at once, well below max_connections, shared with other tests); concurrent
    # conflicting inserts wait on each other, and PostgreSQL breaks such cycles after deadlock_timeout (1 s by
    # default): a short timeout keeps 200 attempts from queueing for minutes on a loaded machine
    options = f"-csearch_path={schema},public -cdeadlock_timeout=100ms"
    engine = sa.create_engine(
        url, pool_size=20, max_overflow=0, pool_timeout=120, connect_args={"options": options}
    )
    start = threading.Barrier(ATTEMPTS)

    def attempt(k: int) -> str:
        start.wait()
        try:
            with Session(engine) as session, session.begin():
                session.add(_row(f"person-{k}", k))
                repo.flush_reservation(session)
            return "confirmed"
        except repo.DoubleBooking as exc:
            return f"conflict:{exc.kind}"
        except sa.exc.OperationalError as exc:
            # PostgreSQL may break a wait cycle between conflicting exclusion-constraint checks with a
            # deadlock error (SQLSTATE 40P01): the database refused that attempt too.
            if getattr(exc.orig, "sqlstate", None) == "40P01":
                return "refused:deadlock"
            raise

    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        outcomes = Counter(pool.map(attempt, range(ATTEMPTS)))
    engine.dispose()
    assert outcomes["confirmed"] == 1
    assert outcomes["conflict:car"] + outcomes["refused:deadlock"] == ATTEMPTS - 1, outcomes
    assert env.scalar("SELECT count(*) FROM poolcar_reservations") == 1


def test_two_hundred_confirmations_of_offers_for_one_car(pg_env: tuple[PoolEnv, str, str]) -> None:
    """200 people confirm offers for the same car and overlapping slots at once: one reservation, 199 × 409."""
    env, _, _ = pg_env
    svc = env.api.service
    seed_offers_for_one_car(env, ATTEMPTS, "person-")
    start = threading.Barrier(ATTEMPTS)

    def attempt(k: int) -> str:
        start.wait()
        try:
            svc.reserve(Caller(f"person-{k}"), f"offer-{k}", idempotency_key=f"key-{k}")
        except ServiceError as exc:
            return f"{exc.status}:{exc.code}"
        return "confirmed"

    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        outcomes = Counter(pool.map(attempt, range(ATTEMPTS)))
    assert outcomes == {"confirmed": 1, "409:car_taken": ATTEMPTS - 1}
    assert env.scalar("SELECT count(*) FROM poolcar_reservations WHERE state = 'CONFIRMED'") == 1


def test_cancelled_reservations_do_not_block(pg_env: tuple[PoolEnv, str, str]) -> None:
    """The constraint covers only active states: after a cancellation the same slot can be booked again."""
    env, _, _ = pg_env
    with env.api.service.sessions() as session, session.begin():
        first = _row("anna", 0)
        session.add(first)
        repo.flush_reservation(session)
        first.state = "CANCELLED"
        session.add(_row("bert", 0))
        repo.flush_reservation(session)
    assert env.scalar("SELECT count(*) FROM poolcar_reservations") == 2


def test_one_person_cannot_hold_two_overlapping_reservations(pg_env: tuple[PoolEnv, str, str]) -> None:
    """The second exclusion constraint refuses overlapping reservations of one person on different cars."""
    env, _, _ = pg_env
    with env.api.service.sessions() as session:
        session.add(_row("anna", 0, "car-101"))
        repo.flush_reservation(session)
        session.add(_row("anna", 30, "car-102"))
        with pytest.raises(repo.DoubleBooking) as err:
            repo.flush_reservation(session)
        session.rollback()
    assert err.value.kind == "customer"


def test_breakdown_swap_commits_under_the_constraint(pg_env: tuple[PoolEnv, str, str]) -> None:
    """A re-assignment that swaps reservations between cars commits although rows overlap mid-transaction."""
    env, _, _ = pg_env
    svc = env.api.service
    env.api.desk.add_car("car-900", "Dritter E-Wagen", type_id="kleinwagen-ev", station_id="bbg-kreisverwaltung")
    day = T0 + timedelta(hours=3)
    rows = {  # car-101 breaks; its 09–15 trip fits on car-102 only once car-102's noon trip moves to car-900
        "long": ("car-101", day, 6),
        "morning": ("car-102", day - timedelta(hours=2), 1),
        "noon": ("car-102", day + timedelta(hours=3), 1),
        "early": ("car-900", day, 1),
    }
    with svc.sessions.begin() as session:
        for rid, (car, start, hours) in rows.items():
            session.add(
                PoolReservationRow(
                    id=rid,
                    customer_id=f"p-{rid}",
                    car_id=car,
                    station_id="bbg-kreisverwaltung",
                    state="CONFIRMED",
                    start_at=start,
                    end_at=start + timedelta(hours=hours),
                    blocked_until=start + timedelta(hours=hours, minutes=15),
                    walk_m=0,
                    created_at=T0,
                    updated_at=T0,
                )
            )
    report = env.api.desk.out_of_service("car-101")
    assert report.unkept == []
    assert report.moved == {"long": "car-102", "noon": "car-900"}
    with env.engine.connect() as conn:
        cars = {r[0]: r[1] for r in conn.execute(sa.text("SELECT id, car_id FROM poolcar_reservations"))}
    assert cars == {"long": "car-102", "morning": "car-102", "noon": "car-900", "early": "car-900"}


def test_concurrent_retries_with_one_idempotency_key_give_one_reservation(pg_env: tuple[PoolEnv, str, str]) -> None:
    """Twenty simultaneous retries of one confirmation (same Idempotency-Key) all return the same reservation."""
    env, _, _ = pg_env
    svc = env.api.service
    with svc.sessions.begin() as session:
        session.add(held_offer("offer-x", "anna", T0 + timedelta(hours=3)))
    start = threading.Barrier(20)

    def attempt(_k: int) -> tuple[str, bool]:
        start.wait()
        row, created = svc.reserve(Caller("anna"), "offer-x", idempotency_key="retry-1")
        return row.id, created

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(attempt, range(20)))
    assert len({rid for rid, _ in results}) == 1
    assert sum(created for _, created in results) == 1
