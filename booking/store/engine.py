"""Engine, session factory and migrations of the booking store.

Nothing here runs at import time. The composition root calls :func:`make_engine` with the configured URL,
:func:`upgrade` to bring the schema to the newest Alembic revision, and :func:`make_session_factory`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, *, schema: str | None = None, echo: bool = False) -> sa.Engine:
    """An engine for ``url``: SQLite in WAL mode with foreign keys on, or PostgreSQL (optionally in ``schema``).

    ``schema`` puts every table into that PostgreSQL schema (``search_path=<schema>,public``), so tests can run
    isolated side by side in one database; PostGIS types stay reachable through ``public``.
    """
    connect_args: dict[str, Any] = {}
    # never a bound value (names, phone numbers, password hashes) in a log line or an exception message
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    backend = sa.make_url(url).get_backend_name()
    if backend == "sqlite":
        # one connection, handed from thread to thread: SQLite has one writer anyway, and waiting for the pool is
        # immediate where SQLite's own busy handler would sleep in growing steps
        connect_args["check_same_thread"] = False
        connect_args["timeout"] = 30
        kwargs.update(pool_size=1, max_overflow=0, pool_timeout=60)
    elif backend == "postgresql":
        import geoalchemy2  # noqa: F401  (registers its DDL listeners before any table is created)

        # a database that is gone answers fast: a refused or timed-out connection becomes a 503, not a hang
        kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True, pool_timeout=10)
        connect_args["connect_timeout"] = 5
        if schema is not None:
            connect_args["options"] = f"-csearch_path={schema},public"
    engine = sa.create_engine(url, connect_args=connect_args, **kwargs)
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    _quiet_result_rows()
    return engine


class _NoResultRows(logging.Filter):
    """Drops SQLAlchemy's debug lines that print result rows (``Row (...)``): they would hold personal data."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith(("Row ", "Col ")))


def _quiet_result_rows() -> None:
    engine_log = logging.getLogger("sqlalchemy.engine.Engine")
    if not any(isinstance(f, _NoResultRows) for f in engine_log.filters):
        engine_log.addFilter(_NoResultRows())


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


POSTGIS_TABLES = frozenset({"spatial_ref_sys", "geometry_columns", "geography_columns", "raster_columns",
                            "raster_overviews", "topology", "layer"})


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic autogenerate filter: ignore PostGIS's own tables and the GiST indexes made by hand in migrations."""
    if type_ == "table" and name in POSTGIS_TABLES:
        return False
    return not (type_ == "index" and reflected and compare_to is None and str(name).endswith("_geom"))


def make_read_session_factory(sessions: sessionmaker[Session], pool_size: int = 4) -> sessionmaker[Session]:
    """Sessions for reads that need no writer's connection; ``sessions`` itself except on a SQLite file.

    On a SQLite file the writes share one connection (see :func:`make_engine`); reads there would queue behind
    every commit and every plan write. In WAL mode readers never block the writer nor wait for it, so reads get
    a small pool of their own read-only (``query_only``) connections, each seeing the last committed state.
    """
    engine = sessions.kw.get("bind")
    if (not isinstance(engine, sa.Engine) or engine.dialect.name != "sqlite"
            or engine.url.database in (None, "", ":memory:")):
        return sessions
    reader = sa.create_engine(engine.url, connect_args={"check_same_thread": False, "timeout": 30},
                              pool_size=pool_size, max_overflow=0, pool_timeout=60, hide_parameters=True)
    event.listen(reader, "connect", _sqlite_read_pragmas)
    return make_session_factory(reader)


def _sqlite_read_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_session_factory(engine: sa.Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (``expire_on_commit=False``)."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: sa.Engine) -> Any:
    """An Alembic ``Config`` bound to ``engine`` (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the schema of ``engine`` to ``revision`` with the Alembic migrations (the same for SQLite and PostGIS)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: sa.Engine) -> str | None:
    """The Alembic revision the database is at (``None`` for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
