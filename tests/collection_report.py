"""A pytest plugin that reports, per collected test, what it needs and how it is marked (one JSON line each).

Used by ``tests/test_markers.py`` (``pytest --collect-only -p tests.collection_report``) and for counting the tests
per store: ``python -m pytest --collect-only -q -p tests.collection_report tests | grep '^{'``.

A test *needs PostGIS* when it requests ``postgis_url`` (directly or through another fixture) or runs the PostGIS
case of a fixture parametrised over the stores (``any_env_factory``, ``pool_env``, ``any_site`` …: a parameter
``"postgis"``); it *needs Chromium* when it requests ``browser``. It runs a *service on SQLite* when it requests one
of the SQLite service fixtures (``make_env``, ``env``, the web ``site``) or the SQLite case of such a fixture.
"""

from __future__ import annotations

import json

import pytest

#: Fixtures (name, defining module) that run the service or its store on SQLite.
SQLITE_FIXTURES = {
    ("make_env", "tests.booking.conftest"),
    ("env", "tests.booking.conftest"),
    ("site", "tests.web.conftest"),
}


def _stores(item: pytest.Item) -> set[object]:
    """The store cases a test runs: the values "sqlite" / "postgis" of fixtures parametrised over the stores."""
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return set()
    return {v for v in callspec.params.values() if isinstance(v, str) and v in {"sqlite", "postgis"}}


def _sqlite_service(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    for name, defs in info.name2fixturedefs.items():
        module = getattr(defs[-1].func, "__module__", "")
        if (name, module) in SQLITE_FIXTURES:
            return True
    return "sqlite" in _stores(item)


def describe(item: pytest.Item) -> dict[str, object]:
    """What one collected test needs, which store it uses and its markers."""
    names = set(getattr(item, "fixturenames", ()))
    postgis = "postgis_url" in names or "postgis" in _stores(item)
    return {
        "id": item.nodeid,
        "needs_postgis": postgis,
        "needs_chromium": "browser" in names,
        "sqlite_service": _sqlite_service(item),
        "markers": sorted({m.name for m in item.iter_markers()}),
    }


def pytest_collection_finish(session: pytest.Session) -> None:
    """Print one JSON line per collected test."""
    for item in session.items:
        print(json.dumps(describe(item)))
