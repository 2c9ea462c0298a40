"""The stored plan is patched row by row: after any change it equals a full rewrite, on SQLite and PostGIS."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from booking.store import plans as plan_store
from booking.store.engine import make_engine, make_session_factory, upgrade
from booking.store.models import PlanVisitRow, TourLegRow
from mobility.app import Routing
from mobility.domain.plan import Plan, StopVisit, Tour, VisitKind
from mobility.domain.rides import Load, TimeWindow
from mobility.domain.stops import Stop

T0 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
VISIT_COLUMNS = ("vehicle_id", "seq", "booking_id", "kind", "stop_id", "planned_arrival", "load_seats")
LEG_COLUMNS = ("vehicle_id", "seq", "from_stop_id", "to_stop_id", "depart", "arrive", "load_seats", "geom")


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'plan.db'}")
    else:
        url = request.getfixturevalue("postgis_url")
        engine = make_engine(url, schema=request.getfixturevalue("pg_schema"))
    upgrade(engine)
    yield engine
    engine.dispose()


def _visit(stop: Stop, minute: int, booking: str | None, kind: VisitKind) -> StopVisit:
    at = T0 + timedelta(minutes=minute)
    return StopVisit(booking, kind, stop, at, at + timedelta(minutes=1), TimeWindow(at, at + timedelta(minutes=15)),
                     Load(1 if kind is VisitKind.PICKUP else 0, 0, 0))


def _tour(vehicle_id: str, stops: list[Stop], rng: random.Random, n: int) -> list[StopVisit]:
    """A tour of pickups and drop-offs with a break every fifth visit (like the breaks of later days)."""
    visits = []
    for k in range(n):
        kind = VisitKind.BREAK if k % 5 == 4 else (VisitKind.PICKUP, VisitKind.DROPOFF)[k % 2]
        booking = None if kind is VisitKind.BREAK else f"{vehicle_id}-b{rng.randrange(10_000)}"
        visits.append(_visit(rng.choice(stops), 30 * k, booking, kind))
    return visits


def _changed(visits: list[StopVisit], stops: list[Stop], rng: random.Random) -> list[StopVisit]:
    """Insert, delete or re-time a few visits somewhere in the tour."""
    visits = list(visits)
    at = rng.randrange(len(visits) + 1)
    what = rng.choice(("insert", "delete", "retime"))
    if what == "insert":
        visits[at:at] = [_visit(rng.choice(stops), 30 * at + 7, f"new-{rng.randrange(10_000)}", VisitKind.PICKUP)
                         for _ in range(rng.randint(1, 3))]
    elif what == "delete" and visits:
        del visits[at:at + rng.randint(1, 3)]
    else:
        visits[at:at + 2] = [_visit(v.stop, 30 * at + 3, v.booking_id, v.kind) for v in visits[at:at + 2]]
    return visits


def _rows(engine: sa.Engine, table: Any, columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
    cols = [getattr(table, c) for c in columns]
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(*cols).order_by(table.vehicle_id, table.seq))]


def _write(engine: sa.Engine, plan: Plan, previous: Plan | None) -> plan_store.PlanRows:
    rows = plan_store.plan_rows(plan, previous, lambda a, b: [a.point.as_lonlat(), b.point.as_lonlat()])
    with make_session_factory(engine).begin() as session:
        plan_store.write_plan(session, plan, rows, T0)
    return rows


def test_patched_plan_equals_full_rewrite(engine: sa.Engine, routing_parts: Routing) -> None:
    rng = random.Random(7)
    stops = list(routing_parts.directory.stops())[:40]
    tours = {v: _tour(v, stops, rng, 30) for v in ("bbg-1", "sft-1", "asl-1")}
    previous = Plan("salzlandkreis", 1, T0, {v: Tour(v, tuple(vs)) for v, vs in tours.items()})
    _write(engine, previous, None)
    for version in range(2, 40):
        vehicle = rng.choice(sorted(tours))
        tours[vehicle] = _changed(tours[vehicle], stops, rng)
        plan = Plan("salzlandkreis", version, T0, {**previous.tours, vehicle: Tour(vehicle, tuple(tours[vehicle]))})
        rows = _write(engine, plan, previous)
        assert rows.changed <= {vehicle}
        assert sum(len(p.rows) for p in rows.visits) <= 6  # only the visits that differ are written
        previous = plan
    patched = (_rows(engine, PlanVisitRow, VISIT_COLUMNS), _rows(engine, TourLegRow, LEG_COLUMNS))
    _write(engine, previous, None)  # a full rewrite of every tour
    assert patched == (_rows(engine, PlanVisitRow, VISIT_COLUMNS), _rows(engine, TourLegRow, LEG_COLUMNS))


def test_same_ends_never_overlap() -> None:
    assert plan_store.same_ends("abcab", "ab") == (2, 0)
    assert plan_store.same_ends("abc", "abxbc") == (2, 1)
    assert plan_store.same_ends("", "abc") == (0, 0)
    assert plan_store.same_ends("abcd", "abcd") == (4, 0)
