"""The stored plan per duty on SQLite and PostGIS: visits and legs carry their duty, legs never join two visits at
one place or two duties, every leg is a valid line (also when the road geometry is degenerate), patches stay equal
to a full rewrite, and a stored plan reads back with its duties."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from booking.store import plans as plan_store
from booking.store.engine import make_engine, make_session_factory, upgrade
from booking.store.models import PlanVisitRow, TourLegRow
from mobility.app import Routing
from mobility.domain.plan import Duty, Plan, StopVisit, Tour, VisitKind, VisitStatus
from mobility.domain.rides import Load, TimeWindow
from mobility.domain.stops import Stop

T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
LEG_COLUMNS = ("vehicle_id", "seq", "from_stop_id", "to_stop_id", "depart", "arrive", "geom", "duty_id")
VISIT_COLUMNS = ("vehicle_id", "seq", "booking_id", "stop_id", "planned_arrival", "status", "duty_id")


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'plan.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine(postgis_url: str, pg_schema: str) -> Iterator[sa.Engine]:
    engine = make_engine(postgis_url, schema=pg_schema)
    upgrade(engine)
    yield engine
    engine.dispose()


def _visit(stop: Stop, at: datetime, kind: VisitKind, booking: str | None, duty: str | None, *,
           status: VisitStatus = VisitStatus.PLANNED) -> StopVisit:
    return StopVisit(booking, kind, stop, at, at + timedelta(minutes=2), TimeWindow(at, at + timedelta(minutes=15)),
                     Load(1, 0, 0), status, duty)


def _day(vehicle: str, day: int, stops: list[Stop], rng: random.Random, n: int) -> Duty:
    """A duty with pickups, drop-offs and a break, often twice in a row at one stop."""
    start = T0 + timedelta(days=day)
    ident = f"{vehicle}-{start:%Y%m%d}-0700"
    visits = []
    for k in range(n):
        kind = VisitKind.BREAK if k == n // 2 else (VisitKind.PICKUP, VisitKind.DROPOFF)[k % 2]
        stop = visits[-1].stop if visits and rng.random() < 0.4 else rng.choice(stops)
        booking = None if kind is VisitKind.BREAK else f"{vehicle}-{day}-{k}"
        visits.append(_visit(stop, start + timedelta(minutes=20 * k), kind, booking, ident))
    return Duty(ident, vehicle, start.date(), start, start + timedelta(hours=9), stops[0], tuple(visits))


def _plan(version: int, duties: list[Duty]) -> Plan:
    tours: dict[str, tuple[StopVisit, ...]] = {}
    for d in sorted(duties, key=lambda d: d.start):
        tours[d.vehicle_id] = (*tours.get(d.vehicle_id, ()), *d.visits)
    return Plan("salzlandkreis", version, T0, {v: Tour(v, vs) for v, vs in tours.items()}, {d.id: d for d in duties})


def _write(engine: sa.Engine, plan: Plan, previous: Plan | None, legs: plan_store.LegGeometry) -> None:
    rows = plan_store.plan_rows(plan, previous, legs)
    with make_session_factory(engine).begin() as session:
        plan_store.write_plan(session, plan, rows, T0)


def _rows(engine: sa.Engine, table: Any, columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(*(getattr(table, c) for c in columns))
                                               .order_by(table.vehicle_id, table.seq))]


def _straight(a: Stop, b: Stop) -> list[tuple[float, float]]:
    return [a.point.as_lonlat(), b.point.as_lonlat()]


def _legs_are_per_duty_and_never_of_zero_length(engine: sa.Engine, routing_parts: Routing) -> None:
    """Consecutive visits at one stop, a twin stop at the very same place, a road line that collapses to a point,
    two days of duties: one leg per move between two places inside a duty, each a valid line with its duty."""
    rng = random.Random(11)
    stops = list(routing_parts.directory.stops())[:12]
    twin = Stop("twin-of-" + stops[1].id, "Zwilling", stops[1].municipality, stops[1].point)
    first = _day("bbg-1", 0, stops, rng, 12)
    extra = [_visit(twin, first.start + timedelta(hours=5), VisitKind.PICKUP, "tw", first.id),
             _visit(stops[1], first.start + timedelta(hours=5, minutes=5), VisitKind.DROPOFF, "tw", first.id)]
    first = replace(first, visits=(*first.visits, *extra))
    plan = _plan(1, [first, _day("bbg-1", 1, stops, rng, 10), _day("sft-1", 0, stops, rng, 9)])

    def collapsing(a: Stop, b: Stop) -> list[tuple[float, float]]:  # a road line of one repeated position
        return [a.point.as_lonlat()] * 3 if a.id == stops[0].id else _straight(a, b)

    _write(engine, plan, None, collapsing)
    legs = _rows(engine, TourLegRow, LEG_COLUMNS)
    expected = [(d.id, a.stop.id, b.stop.id) for d in sorted(plan.duties.values(), key=lambda d: (d.vehicle_id,
                                                                                                   d.start))
                for a, b in itertools.pairwise(d.visits)
                if a.stop.id != b.stop.id and a.stop.point != b.stop.point]
    assert [(r[7], r[2], r[3]) for r in legs] == expected
    assert all(r[2] != r[3] for r in legs)
    assert {r[7] for r in legs} == set(plan.duties)
    visits = _rows(engine, PlanVisitRow, VISIT_COLUMNS)
    assert [r[6] for r in visits] == [v.duty_id for t in sorted(plan.tours) for v in plan.tours[t].visits]
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            bad = conn.execute(sa.text("SELECT count(*) FROM tour_legs WHERE geom IS NULL OR NOT ST_IsValid(geom)"
                                       " OR ST_Length(geom) <= 0")).scalar_one()
        assert bad == 0
    for row in legs:  # the same rule on both stores: a line through two or more different positions
        text = str(row[6]) if engine.dialect.name == "sqlite" else None
        if text is not None:
            assert text.startswith("SRID=4326;LINESTRING(")
            assert len(set(text.removeprefix("SRID=4326;LINESTRING(").rstrip(")").split(", "))) >= 2
    assert any(r[2] == stops[0].id for r in legs)  # the collapsing road line was met (and replaced)


def _driven_visits_take_their_duty_from_the_plan(engine: sa.Engine, routing_parts: Routing) -> None:
    """Visits already driven may come without a duty id (the dispatcher's history): the stored row gets the duty
    that lists them, and the plan read back has the duty ids."""
    stops = list(routing_parts.directory.stops())[:6]
    duty = _day("bbg-1", 0, stops, random.Random(3), 6)
    driven = tuple(replace(v, duty_id=None, status=VisitStatus.DONE) for v in duty.visits[:2])
    duty = replace(duty, visits=(*driven, *duty.visits[2:]))
    plan = _plan(1, [duty])
    _write(engine, plan, None, _straight)
    assert {r[6] for r in _rows(engine, PlanVisitRow, VISIT_COLUMNS)} == {duty.id}
    by_id = {s.id: s for s in stops}
    with make_session_factory(engine)() as session:
        loaded, lost = plan_store.load_plan(session, "salzlandkreis", by_id.get)
    assert lost == []
    assert loaded is not None
    assert {v.duty_id for v in loaded.tour("bbg-1").visits} == {duty.id}


def _patches_with_duties_equal_a_full_rewrite(engine: sa.Engine, routing_parts: Routing) -> None:
    """Re-timed, inserted and deleted visits inside duties, written as patches, give the rows of a full rewrite."""
    rng = random.Random(5)
    stops = list(routing_parts.directory.stops())[:20]
    duties = {d.id: d for d in (_day(v, day, stops, rng, 10) for v in ("bbg-1", "sft-1") for day in (0, 1))}
    previous = _plan(1, list(duties.values()))
    _write(engine, previous, None, _straight)
    for version in range(2, 25):
        key = rng.choice(sorted(duties))
        d = duties[key]
        visits = list(d.visits)
        at = rng.randrange(len(visits))
        if rng.random() < 0.5:
            visits.insert(at, _visit(rng.choice([visits[at].stop, *stops]), visits[at].planned_arrival,
                                     VisitKind.PICKUP, f"n{version}", d.id))
        elif len(visits) > 3:
            del visits[at]
        duties[key] = replace(d, visits=tuple(visits))
        plan = _plan(version, list(duties.values()))
        _write(engine, plan, previous, _straight)
        previous = plan
    patched = (_rows(engine, PlanVisitRow, VISIT_COLUMNS), _rows(engine, TourLegRow, LEG_COLUMNS))
    _write(engine, previous, None, _straight)
    assert patched == (_rows(engine, PlanVisitRow, VISIT_COLUMNS), _rows(engine, TourLegRow, LEG_COLUMNS))


def test_legs_are_per_duty_and_never_of_zero_length_sqlite(sqlite_engine: sa.Engine, routing_parts: Routing) -> None:
    """On SQLite: see :func:`_legs_are_per_duty_and_never_of_zero_length`."""
    _legs_are_per_duty_and_never_of_zero_length(sqlite_engine, routing_parts)


@pytest.mark.postgis
def test_legs_are_per_duty_and_never_of_zero_length_postgis(pg_engine: sa.Engine, routing_parts: Routing) -> None:
    """On PostGIS (``ST_IsValid``, ``ST_Length > 0``): see :func:`_legs_are_per_duty_and_never_of_zero_length`."""
    _legs_are_per_duty_and_never_of_zero_length(pg_engine, routing_parts)


def test_driven_visits_take_their_duty_from_the_plan_sqlite(sqlite_engine: sa.Engine, routing_parts: Routing) -> None:
    """On SQLite: see :func:`_driven_visits_take_their_duty_from_the_plan`."""
    _driven_visits_take_their_duty_from_the_plan(sqlite_engine, routing_parts)


@pytest.mark.postgis
def test_driven_visits_take_their_duty_from_the_plan_postgis(pg_engine: sa.Engine, routing_parts: Routing) -> None:
    """On PostGIS: see :func:`_driven_visits_take_their_duty_from_the_plan`."""
    _driven_visits_take_their_duty_from_the_plan(pg_engine, routing_parts)


def test_patches_with_duties_equal_a_full_rewrite_sqlite(sqlite_engine: sa.Engine, routing_parts: Routing) -> None:
    """On SQLite: see :func:`_patches_with_duties_equal_a_full_rewrite`."""
    _patches_with_duties_equal_a_full_rewrite(sqlite_engine, routing_parts)


@pytest.mark.postgis
def test_patches_with_duties_equal_a_full_rewrite_postgis(pg_engine: sa.Engine, routing_parts: Routing) -> None:
    """On PostGIS: see :func:`_patches_with_duties_equal_a_full_rewrite`."""
    _patches_with_duties_equal_a_full_rewrite(pg_engine, routing_parts)
