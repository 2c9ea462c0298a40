"""``mobility db init``: a new database gets the extensions and the newest schema, as the README's local recipe says."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from booking.store.engine import alembic_config, current_revision, make_engine
from mobility.cli import app


def _head(url: str) -> str | None:
    engine = make_engine(url)
    try:
        return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    finally:
        engine.dispose()


@pytest.fixture
def empty_database(postgis_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the test server (no extensions), dropped afterwards."""
    name = "mobility_init_" + uuid.uuid4().hex[:10]
    admin = sa.create_engine(postgis_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    yield sa.make_url(postgis_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.mark.postgis
def test_db_init_creates_the_extensions_and_migrates_an_empty_database(empty_database: str) -> None:
    """On a database without PostGIS, ``db init --no-migrate`` creates postgis and btree_gist only; ``db init``
    then migrates to the newest revision; a second run changes nothing and succeeds (it is safe to repeat)."""
    engine = sa.create_engine(empty_database)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'")).scalar() == 0
    only = CliRunner().invoke(app, ["db", "init", "--no-migrate", "--database-url", empty_database])
    assert only.exit_code == 0, only.output
    assert not sa.inspect(engine).has_table("alembic_version")  # the tests' database: extensions, no tables
    for _ in range(2):
        result = CliRunner().invoke(app, ["db", "init", "--database-url", empty_database])
        assert result.exit_code == 0, result.output
        assert "Erweiterungen vorhanden: postgis, btree_gist." in result.output
    with engine.connect() as conn:
        names = set(conn.execute(sa.text("SELECT extname FROM pg_extension")).scalars())
        assert conn.execute(sa.text("SELECT ST_AsText(ST_MakePoint(11.74, 51.79))")).scalar() == "POINT(11.74 51.79)"
    assert {"postgis", "btree_gist"} <= names
    engine.dispose()
    migrated = make_engine(empty_database)
    assert current_revision(migrated) == _head(empty_database)
    assert sa.inspect(migrated).has_table("bookings")
    migrated.dispose()


def test_db_init_migrates_a_new_sqlite_file(tmp_path: Path) -> None:
    """On the embedded SQLite store there are no extensions to create; the file is migrated to the newest revision."""
    url = f"sqlite:///{tmp_path / 'neu.db'}"
    result = CliRunner().invoke(app, ["db", "init", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "Erweiterungen" not in result.output
    engine = make_engine(url)
    assert current_revision(engine) == _head(url)
    assert sa.inspect(engine).has_table("bookings")
    engine.dispose()
