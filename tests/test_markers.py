"""One definition of CI for every conftest; every test that needs PostGIS or Chromium says so with its marker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ci import in_ci

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("value", "expected"), [
    (None, False), ("", False), ("  ", False), ("false", False), ("False", False), ("FALSE", False),
    ("true", True), ("True", True), ("1", True), ("yes", True), ("0", True), ("gitlab", True),
])
def test_ci_is_any_non_empty_value_but_false(value: str | None, expected: bool) -> None:
    """``CI=1``, ``CI=true``, ``CI=yes`` … all count as CI; unset, empty and ``false`` do not."""
    environ = {} if value is None else {"CI": value}
    assert in_ci(environ) is expected


def _pytest(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "CI"} | env
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=ROOT, env=environ,
                          capture_output=True, text=True, timeout=600, check=False)


def test_the_conftests_report_what_each_test_needs_and_how_it_is_marked() -> None:
    """Every test that needs PostGIS (``postgis_url``, the PostGIS case of ``any_env_factory``) is marked
    ``postgis``, every test that drives Chromium is marked ``browser``, and no test carries a marker it does not
    need — so ``-m "not postgis"`` and ``-m "not browser"`` select exactly the tests that run without them."""
    run = _pytest("--collect-only", "-q", "-p", "tests.collection_report", "tests")
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    tests = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert len(tests) > 300  # the whole suite was collected
    unmarked = [t["id"] for t in tests if t["needs_postgis"] and "postgis" not in t["markers"]]
    unmarked += [t["id"] for t in tests if t["needs_chromium"] and "browser" not in t["markers"]]
    assert unmarked == []
    needless = [t["id"] for t in tests if "postgis" in t["markers"] and not t["needs_postgis"]]
    needless += [t["id"] for t in tests if "browser" in t["markers"] and not t["needs_chromium"]
                 and not t["id"].startswith("tests/web/")]  # the web folder is marked as a whole
    assert needless == []
    both = [t for t in tests if t["needs_postgis"] and "any_env_factory" in t["id"]]
    assert both == [] or all("[postgis" in t["id"] for t in both)


def test_the_report_sees_postgis_and_chromium_needs() -> None:
    """The check above is not vacuous: the report finds PostGIS needs (direct and through ``any_env_factory``),
    Chromium needs and SQLite services in this very suite."""
    run = _pytest("--collect-only", "-q", "-p", "tests.collection_report", "tests/test_postgis.py",
                  "tests/booking/test_settings_live.py", "tests/web/test_accessibility.py")
    tests = {t["id"].split("::", 1)[1]: t for t in map(json.loads, filter(
        lambda line: line.startswith("{"), run.stdout.splitlines()))}
    assert tests["test_postgis_computes_a_real_distance"]["needs_postgis"]
    kvg = "test_kvg_rules_refuse_a_ride_at_30_minutes_notice"
    assert tests[f"{kvg}[postgis]"]["needs_postgis"]
    assert not tests[f"{kvg}[sqlite]"]["needs_postgis"]
    assert tests[f"{kvg}[sqlite]"]["sqlite_service"]
    assert any(t["needs_chromium"] for name, t in tests.items() if name.startswith("test_"))


@pytest.mark.parametrize("ci", ["1", "yes"])
def test_in_ci_a_missing_postgis_fails_instead_of_skipping(ci: str) -> None:
    """With any CI value an unreachable database fails the PostGIS test; locally the same test is skipped."""
    nowhere = "postgresql+psycopg://postgres@127.0.0.1:9/nowhere"
    failed = _pytest("-q", "tests/test_postgis.py", CI=ci, MOBILITY_TEST_DATABASE_URL=nowhere)
    assert failed.returncode == 1, failed.stdout[-2000:]
    assert "needed but not available in CI: PostGIS at" in failed.stdout
    skipped = _pytest("-q", "-rs", "tests/test_postgis.py", CI="false", MOBILITY_TEST_DATABASE_URL=nowhere)
    assert skipped.returncode == 0, skipped.stdout[-2000:]
    assert "1 skipped" in skipped.stdout


def test_in_ci_a_missing_chromium_fails_instead_of_skipping(tmp_path: Path) -> None:
    """With ``CI=1`` (not only ``CI=true``) a browser test without Chromium fails; the browser tests used to skip."""
    missing = str(tmp_path / "no-chromium")
    failed = _pytest("-q", "-x", "tests/web/test_keyboard.py", CI="1", MOBILITY_CHROMIUM=missing)
    assert failed.returncode == 1, failed.stdout[-2000:]
    assert f"needed but not available in CI: Chromium at {missing}" in failed.stdout
