"""Sweeps: the grid, the curve, and a real run on a local Dask cluster."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from mobility.cli.simulate import sweep_task
from mobility.simulation.scenario import Scenario
from mobility.simulation.sweep import run_sweep, sweep_curve, sweep_points
from mobility.simulation.sweep_report import write_sweep


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


@pytest.mark.slow
def test_sweep_runs_on_local_dask_cluster(tiny: Scenario, tmp_path: Path) -> None:
    """Two fleet sizes run in worker processes of a local Dask cluster; more vehicles serve at least as many."""
    small = tiny.with_overrides({"demand.requests": 15, "dispatch.reoptimise_interval_s": 0})
    points = sweep_points([1, 4], ["instant"], [3])
    rows = run_sweep(small, points, partial(sweep_task), workers=2, progress=False)
    assert [r["vehicles"] for r in rows] == [1, 4]
    assert all(0.0 <= r["service_rate"] <= 1.0 for r in rows)
    assert rows[1]["service_rate"] >= rows[0]["service_rate"]
    written = write_sweep(rows, sweep_curve(rows), tmp_path, title="tiny")
    assert (tmp_path / "sweep.html").read_text(encoding="utf-8").count("<svg") == 1
    assert len(written) == 4
