"""Shared fixtures: the real PostGIS database, and the rule that a skipped database test fails in CI."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

DEFAULT_TEST_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _unavailable(reason: str) -> NoReturn:
    """Skip locally, fail in CI: a database test must really run there."""
    if _in_ci():
        pytest.fail(f"PostGIS needed but not available in CI: {reason}", pytrace=False)
    pytest.skip(reason)


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
        _unavailable(f"{url}: {type(exc).__name__}: {exc}".splitlines()[0])
    assert version
    return url
