"""Shared fixtures: the real PostGIS database, and the rule that a skipped database test fails in CI."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from tests.chromium import CHROMIUM, LAUNCH_ARGS
from tests.ci import unavailable

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser

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


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium driven by Playwright (no browser download); one per test process, shared by the
    browser tests and the rehearsal's screenshots (two Playwright instances in one process cannot run)."""
    if not CHROMIUM.exists():
        unavailable(f"Chromium at {CHROMIUM} (.ci/run installs the Debian package 'chromium')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield b
        b.close()
