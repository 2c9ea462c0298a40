"""The store: one Alembic chain builds SQLite and PostGIS alike; geometry, GiST indexes, append-only log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.store.engine import current_revision, include_object, make_engine, make_session_factory, upgrade
from booking.store.events import append_event, list_events
from booking.store.models import Base, StopRow
from booking.store.types import point_wkt
from mobility.domain.events import Event, EventType


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine(postgis_url: str, pg_schema: str) -> Iterator[sa.Engine]:
    engine = make_engine(postgis_url, schema=pg_schema)
    upgrade(engine)
    yield engine
    engine.dispose()


BOOKING_TABLES = frozenset({"users", "stops", "vehicles", "offers", "bookings", "events", "plan_state",
                            "plan_visits", "tour_legs", "problems", "vehicle_positions"})


def _booking_objects(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in BOOKING_TABLES and include_object(obj, name, type_, reflected, compare_to)


def _schema_diff(engine: sa.Engine) -> list[object]:
    """Differences between the migrated database and the booking-service models (other parts have their own)."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False, "include_object": _booking_objects})
        return list(compare_metadata(ctx, Base.metadata))


def _head() -> str:
    from alembic.script import ScriptDirectory

    from booking.store.engine import MIGRATIONS_DIR

    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None
    return head


def test_sqlite_migrates_to_head_and_matches_the_models(sqlite_engine: sa.Engine) -> None:
    """The migrations build exactly the tables the ORM models describe on SQLite."""
    assert current_revision(sqlite_engine) == _head()
    assert _schema_diff(sqlite_engine) == []


@pytest.mark.postgis
def test_postgis_migrates_to_head_and_matches_the_models(pg_engine: sa.Engine) -> None:
    """The same migrations build the same tables on PostGIS."""
    assert current_revision(pg_engine) == _head()
    assert _schema_diff(pg_engine) == []


@pytest.mark.postgis
def test_postgis_geometry_columns_have_srid_4326_and_gist_indexes(pg_engine: sa.Engine, pg_schema: str) -> None:
    """Stops, booking ends and tour legs are EPSG:4326 geometries with GiST indexes (QGIS layers)."""
    with pg_engine.connect() as conn:
        cols = conn.execute(sa.text(
            "SELECT f_table_name, f_geometry_column, type, srid FROM geometry_columns WHERE f_table_schema = :s"
        ), {"s": pg_schema}).all()
        # the definition is read only for this schema's indexes (select list, not WHERE): other test processes drop
        # their schemas meanwhile, and reading a dropped index's definition fails
        rows = conn.execute(sa.text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = :s"),
                            {"s": pg_schema}).all()
        gist = [name for name, definition in rows if "USING gist" in definition]
    found = {(t, c): (kind, srid) for t, c, kind, srid in cols}
    assert found[("stops", "geom")] == ("POINT", 4326)
    assert found[("bookings", "origin_geom")] == ("POINT", 4326)
    assert found[("bookings", "destination_geom")] == ("POINT", 4326)
    assert found[("tour_legs", "geom")] == ("LINESTRING", 4326)
    wanted = {"ix_stops_geom", "ix_bookings_origin_geom", "ix_bookings_destination_geom", "ix_tour_legs_geom"}
    assert wanted <= set(gist)


@pytest.mark.postgis
def test_postgis_stores_real_points(pg_engine: sa.Engine) -> None:
    """A stop written through the ORM is a PostGIS point a spatial query can find."""
    sessions = make_session_factory(pg_engine)
    with sessions.begin() as session:
        session.add(StopRow(id="8010043", name="Bernburg Hbf", municipality="Bernburg (Saale)", kind="stop",
                            lon=11.751455, lat=51.79612, geom=point_wkt(11.751455, 51.79612)))
    with pg_engine.connect() as conn:
        metres = conn.execute(sa.text(
            "SELECT ST_Distance(geom::geography, ST_GeogFromText('POINT(11.7401 51.79464)')) FROM stops"
        )).scalar_one()
    assert 700 < metres < 900


def _event_log_refuses_changes(engine: sa.Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        append_event(session, Event(EventType.BOOKING_CREATED, datetime(2026, 11, 23, 7, tzinfo=UTC), "b-1"))
    for statement in ("UPDATE events SET type = 'x'", "DELETE FROM events"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text(statement))
    with sessions() as session:
        assert [e.type for e in list_events(session)] == ["booking_created"]


def test_sqlite_event_log_is_append_only(sqlite_engine: sa.Engine) -> None:
    """UPDATE and DELETE on the event log fail on SQLite; the entry stays."""
    _event_log_refuses_changes(sqlite_engine)


@pytest.mark.postgis
def test_postgis_event_log_is_append_only(pg_engine: sa.Engine) -> None:
    """UPDATE and DELETE on the event log fail on PostGIS; the entry stays."""
    _event_log_refuses_changes(pg_engine)


@settings(max_examples=40, deadline=None)
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
       st.integers(min_value=-12 * 60, max_value=14 * 60))
def test_instants_survive_sqlite_unchanged(tmp_path_factory: pytest.TempPathFactory, naive: datetime,
                                           offset_min: int) -> None:
    """Any timezone-aware instant written to SQLite comes back as the same instant, timezone-aware."""
    engine = _shared_sqlite(tmp_path_factory)
    at = naive.replace(tzinfo=timezone(timedelta(minutes=offset_min)))
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        row = append_event(session, Event(EventType.PLAN_REPLACED, at))
        session.flush()
        event_id = row.id
    with sessions() as session:
        back = next(e for e in list_events(session, limit=100_000) if e.id == event_id)
    assert back.at == at
    assert back.at.tzinfo is not None


_ENGINES: dict[str, sa.Engine] = {}


def _shared_sqlite(factory: pytest.TempPathFactory) -> sa.Engine:
    if "e" not in _ENGINES:
        engine = make_engine(f"sqlite:///{factory.mktemp('instants') / 'i.db'}")
        upgrade(engine)
        _ENGINES["e"] = engine
    return _ENGINES["e"]
