"""Shared fixtures: the real PostGIS database, and the rule that a skipped database test fails in CI."""

from __future__ import annotations

import os

import pytest

from tests.ci import unavailable

DEFAULT_TEST_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def postgis_url() -> str:
    """URL of a PostgreSQL database with the PostGIS extension (``MOBILITY_TEST_DATABASE_URL``)."""
    url = os.environ.get("MOBILITY_TEST_DATABASE_URL", DEFAULT_TEST_DB)
    try:
        import sqlalchemy as sa

        engine = sa.create_engine(url)
        with engine.connect() as conn:
            version = conn.execute(sa.text("SELECT postgis_full_version()")).scalar()
        engine.dispose()
    except Exception as exc:  # any failure to reach PostGIS means: not available
        unavailable(f"PostGIS at {url}: {type(exc).__name__}: {exc}".splitlines()[0])
    assert version
    return url
