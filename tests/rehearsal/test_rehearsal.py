"""A short rehearsal in CI: three service hours, ten vehicles, the real app over HTTP on SQLite and on PostGIS.

Residents book through the API and by phone, drivers work their manifests through begin of duty, stops, break and
end of duty, the control room re-plans and takes a vehicle out of service; the invariants of the day must hold.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import time as clock_time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from mobility.app import Routing, load_routing
from mobility.cli.rehearse import run_rehearsal
from mobility.config import REPO_ROOT, Settings
from mobility.rehearsal.ledger import Outcome
from mobility.rehearsal.run import Options, Rehearsal
from mobility.simulation.scenario import load_scenario

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.slow
REQUESTS = 80
WALL_LIMIT_S = 90.0
CACHE = Path("/tmp/salzland-mobility-test-cache")


@pytest.fixture(scope="module")
def routing() -> Routing:
    """The bundled network with its matrix, loaded once."""
    return load_routing(Settings(cache_dir=CACHE))


def short_options() -> Options:
    """06:00–09:00 of the default scenario's day, 80 requests, a fixed seed."""
    return Options(scenario=load_scenario(REPO_ROOT / "scenarios" / "default.toml"), start=clock_time(6, 0),
                   hours=3.0, requests=REQUESTS, seed=7)


def rehearse(out: Path, routing: Routing, database_url: str | None = None) -> tuple[Rehearsal, float]:
    """Run the short rehearsal; returns it with its wall time (seconds)."""
    started = time.perf_counter()
    result = run_rehearsal(short_options(), out, database_url=database_url, vehicles=10, routing=routing,
                           settings={"cache_dir": str(CACHE)})
    return result, time.perf_counter() - started


def check_day(result: Rehearsal, wall_s: float, out: Path) -> None:
    """The invariants of the day, and that the day really happened."""
    report = result.report
    why = json.dumps(report.observation_counts) + "\n" + "\n".join(
        f"{o['at']} {o['kind']} {o['vehicle_id']} {o['booking_id']}: {o['detail']}" for o in report.observations[:40])
    rides = result.ledger.rides
    assert len(rides) == REQUESTS
    assert all(r.final for r in rides), why
    assert report.figure("requests in a final state").value == 100
    assert report.figure("refused without a reason").value == 0, why
    assert report.figure("drivers stuck (> 5 min on duty, nothing to do)").value == 0, why
    assert report.figure("HTTP 5xx").value == 0, why
    assert report.figure("feed snapshots valid").value == 100, why
    assert report.summary["http"]["by_status"].get("500") is None
    finished = [r for r in rides if r.outcome is Outcome.FINISHED]
    assert len(finished) >= REQUESTS // 2  # most rides were driven to the end
    assert all(r.arrived_at is not None and r.boarded_at is not None and r.dropped_at is not None
               and r.arrived_at <= r.boarded_at < r.dropped_at for r in finished)
    assert any(r.channel == "phone" for r in finished)
    assert sum(r.outcome is Outcome.NO_SHOW for r in rides) >= 1
    assert [what for _, _, what in result.report.summary["out_of_service"]] == ["out", "in"]
    assert report.summary["replans"]["runs"] >= 10
    assert len(report.summary["snapshots"]) >= 6
    assert report.figure("ETA readings ~30 min before boarding").value > 0
    assert report.summary["driver_events"] > 4 * len(finished)
    assert (out / "report.json").is_file()
    assert "| requests in a final state | 100 % | = 100 % |" in (out / "report.md").read_text(encoding="utf-8")
    assert wall_s <= WALL_LIMIT_S


def test_short_rehearsal_on_sqlite(tmp_path: Path, routing: Routing) -> None:
    """Three hours of the morning on the embedded store: every request final, no driver stuck, feeds valid, no 5xx."""
    result, wall_s = rehearse(tmp_path, routing)
    assert result.service.store == "sqlite"
    check_day(result, wall_s, tmp_path)


@pytest.mark.postgis
def test_short_rehearsal_on_postgis(tmp_path: Path, routing: Routing, postgis_url: str) -> None:
    """The same morning on PostGIS (a fresh schema, dropped afterwards): the same invariants hold."""
    result, wall_s = rehearse(tmp_path, routing, postgis_url)
    assert result.service.store == "postgresql"
    check_day(result, wall_s, tmp_path)


@pytest.mark.browser
def test_screenshots_of_the_three_pages(tmp_path: Path, routing: Routing, browser: Browser) -> None:
    """At 07:00 of a short morning the resident's, the dispatcher's and a driver's pages are pictured in Chromium
    on the simulated time, without script errors on the pages."""
    options = replace(short_options(), hours=1.5, requests=25, screens=tmp_path / "screens",
                      screen_times=(clock_time(7, 0),), screens_browser=browser)
    result = run_rehearsal(options, tmp_path, vehicles=4, routing=routing, settings={"cache_dir": str(CACHE)})
    shots = sorted((tmp_path / "screens").glob("*.png"))
    assert [p.name for p in shots] == ["morgens-fahrer.png", "morgens-fahrgast.png", "morgens-leitstelle.png"]
    assert all(p.stat().st_size > 20_000 for p in shots)
    assert result.ledger.counts.get("screenshot_failed", 0) == 0, result.report.observations
    assert result.ledger.counts.get("page_error", 0) == 0, result.report.observations
    assert result.report.screens == [str(p) for p in sorted(shots, key=lambda p: ("fahrgast", "leitstelle",
                                                                                  "fahrer").index(p.stem[8:]))]
