"""Sweeps: the grid, the curve, the German sweep page with its explanation of a flat curve, and real runs on a
local Dask cluster that end cleanly — no traceback on stderr, also when a run fails."""

from __future__ import annotations

import os
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from mobility.cli.simulate import sweep_task
from mobility.simulation.german import euro, percent
from mobility.simulation.scenario import Scenario, load_scenario
from mobility.simulation.sweep import SweepError, run_sweep, sweep_curve, sweep_points
from mobility.simulation.sweep_report import render_sweep, sweep_notes, write_sweep

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
NOISE = ("Traceback", "heartbeat", "ERROR", "CommClosedError", "Port 8787")


def test_grid_is_the_full_product() -> None:
    """Fleet sizes × rule sets × seeds, fleet size first."""
    points = sweep_points([2, 4], ["instant", "kvg"], [1, 2, 3])
    assert len(points) == 12
    assert points[0].overrides() == {"fleet.vehicles": 2, "dispatch.rules": "instant", "scenario.seed": 1}
    with pytest.raises(ValueError, match="at least one"):
        sweep_points([], ["instant"], [1])


def test_curve_averages_over_seeds() -> None:
    """The curve has one row per rule set and fleet size with the mean and spread over seeds."""
    rows = [
        {"vehicles": 2, "rules": "instant", "seed": 1, "service_rate": 0.5, "cost_per_passenger_eur": 40.0},
        {"vehicles": 2, "rules": "instant", "seed": 2, "service_rate": 0.7, "cost_per_passenger_eur": 20.0},
        {"vehicles": 4, "rules": "instant", "seed": 1, "service_rate": 0.9, "cost_per_passenger_eur": 30.0},
    ]
    curve = sweep_curve(rows)
    assert [(c["vehicles"], c["runs"]) for c in curve] == [(2, 2), (4, 1)]
    assert curve[0]["service_rate"] == pytest.approx(0.6)
    assert curve[0]["service_rate_sd"] == pytest.approx(0.1)
    assert curve[0]["cost_per_passenger_eur"] == pytest.approx(30.0)


CURVE: list[dict[str, Any]] = [  # `mobility sweep scenarios/default.toml --vehicles 20,40 --rules instant,kvg
    # --seeds 1`, measured 2026-12-06 (approximate network)
    {"rules": "instant", "vehicles": 20, "runs": 1, "service_rate": 0.8595, "cost_per_passenger_eur": 17.63,
     "short_notice_share": 0.0, "wait_min_mean": 8.89},
    {"rules": "instant", "vehicles": 40, "runs": 1, "service_rate": 0.9824, "cost_per_passenger_eur": 28.32,
     "short_notice_share": 0.0, "wait_min_mean": 5.77},
    {"rules": "kvg", "vehicles": 20, "runs": 1, "service_rate": 0.322, "cost_per_passenger_eur": 40.82,
     "short_notice_share": 0.6615, "wait_min_mean": 3.32},
    {"rules": "kvg", "vehicles": 40, "runs": 1, "service_rate": 0.318, "cost_per_passenger_eur": 78.61,
     "short_notice_share": 0.6624, "wait_min_mean": 3.28},
]


def test_flat_curve_under_a_notice_rule_is_explained(tiny: Scenario) -> None:
    """A rule set whose booking rate does not move with the fleet size, because the notice rule refuses the
    requests, gets an explanation; a rising curve does not."""
    notes = sweep_notes(CURVE, tiny)
    assert len(notes) == 1
    assert "KVG-Regeln" in notes[0]
    assert f"{percent(0.318)} bis {percent(0.322)}" in notes[0]
    assert f"{percent((0.6615 + 0.6624) / 2)} der Fahrtwünsche an der Vorbuchfrist" in notes[0]
    assert "mindestens 60 Minuten Vorlauf" in notes[0]
    assert sweep_notes(CURVE[:2], tiny) == []


def test_sweep_page_is_german_with_de_de_numbers(tiny: Scenario) -> None:
    """The sweep page: German title and labels, de-DE numbers, the plot inline, fleet sizes as ticks."""
    page = render_sweep(CURVE, "tiny", tiny)
    assert '<html lang="de">' in page
    assert "Flottengrößen im Vergleich: tiny" in page
    assert page.count("<svg") == 1
    assert f"<td>{percent(0.8595)}</td>" in page
    assert f"<td>{euro(78.61)}</td>" in page
    assert "<td>8,9</td>" in page
    assert "Sofortbuchung" in page
    assert "Warum sich die Buchungsquote" in page
    for english in ("service rate", "vehicles</th>", "€ per passenger", "Sweep:"):
        assert english not in page


@pytest.mark.slow
def test_sweep_runs_on_local_dask_cluster(tiny: Scenario, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """Two fleet sizes run in worker processes of a local Dask cluster; more vehicles serve at least as many; the
    cluster shuts down without a traceback on stderr (worker processes write there too: captured by fd)."""
    small = tiny.with_overrides({"demand.requests": 15, "dispatch.reoptimise_interval_s": 0})
    points = sweep_points([1, 4], ["instant"], [3])
    rows = run_sweep(small, points, partial(sweep_task), workers=2, progress=False)
    assert [r["vehicles"] for r in rows] == [1, 4]
    assert all(0.0 <= r["service_rate"] <= 1.0 for r in rows)
    assert rows[1]["service_rate"] >= rows[0]["service_rate"]
    assert all("short_notice_share" in r for r in rows)
    written = write_sweep(rows, sweep_curve(rows), tmp_path, title="tiny", scenario=small)
    assert (tmp_path / "sweep.html").read_text(encoding="utf-8").count("<svg") == 1
    assert len(written) == 4
    err = capfd.readouterr().err
    assert not [word for word in NOISE if word in err], err


def failing_task(scenario: Scenario) -> dict[str, Any]:
    """A sweep task that fails for one fleet size (runs in a worker process)."""
    if scenario.fleet.vehicles == 1:
        msg = "no depot for one bus"
        raise RuntimeError(msg)
    return {"service_rate": 1.0}


@pytest.mark.slow
def test_failed_run_names_its_point_and_closes_the_cluster(tiny: Scenario) -> None:
    """A run that fails raises SweepError naming fleet size, rules and seed and the cause; the cluster is closed."""
    points = sweep_points([1, 2], ["kvg"], [7])
    with pytest.raises(SweepError, match=r"1 vehicles, rules 'kvg', seed 7 failed: RuntimeError\('no depot"):
        run_sweep(tiny, points, failing_task, workers=1, progress=False)


@pytest.mark.slow
def test_sweep_command_ends_cleanly(tmp_path: Path) -> None:
    """`mobility sweep` in its own process (as a planner runs it): exit 0, outputs written, and stderr holds the
    progress bar only — no Dask heartbeat tracebacks, no errors, no dashboard port warnings."""
    scenario = load_scenario(SCENARIOS / "tiny.toml")
    assert scenario.demand.requests == 40
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(
        [sys.executable, "-c", "from mobility.cli import main; main()", "sweep", str(SCENARIOS / "tiny.toml"),
         "--vehicles", "1,3", "--rules", "instant,kvg", "--seeds", "1", "--workers", "2", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert not [word for word in NOISE if word in done.stderr], done.stderr
    assert (tmp_path / "sweep.html").is_file()
    assert "Flottengrößen im Vergleich" in (tmp_path / "sweep.html").read_text(encoding="utf-8")
    assert "kvg" in done.stdout
