"""Sweeps: fleet size × booking-rule variant × seed, run in parallel on Dask (a local cluster by default, or the
scheduler at a given address), summarised as curves of service rate and cost per passenger against fleet size.

Dask rather than Ray: pure-Python wheels that install in seconds, a ``LocalCluster`` that needs no daemon, and the
same ``Client`` API against a remote scheduler (``dask scheduler`` / ``dask worker`` on the cluster's machines).
"""

from __future__ import annotations

import importlib
import itertools
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mobility.simulation.scenario import Scenario

SWEEP_FIGURES = ("service_rate", "served_share", "cost_per_passenger_eur", "wait_min_mean", "wait_min_p95",
                 "pooled_share", "occupancy", "passengers_per_vehicle_hour", "vehicle_km", "passengers_served")


@dataclass(frozen=True, slots=True)
class SweepPoint:
    """One run of a sweep."""

    vehicles: int
    rules: str
    seed: int

    def overrides(self) -> dict[str, Any]:
        """The scenario overrides of this point."""
        return {"fleet.vehicles": self.vehicles, "dispatch.rules": self.rules, "scenario.seed": self.seed}


def sweep_points(vehicles: Sequence[int], rules: Sequence[str], seeds: Sequence[int]) -> list[SweepPoint]:
    """The full grid, fleet size first."""
    if not vehicles or not rules or not seeds:
        msg = "a sweep needs at least one fleet size, one rule set and one seed"
        raise ValueError(msg)
    return [SweepPoint(v, r, s) for v, r, s in itertools.product(vehicles, rules, seeds)]


SweepTask = Callable[[Scenario], dict[str, Any]]


def run_sweep(
    scenario: Scenario,
    points: Sequence[SweepPoint],
    task: SweepTask,
    *,
    address: str | None = None,
    workers: int = 2,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Run ``task`` on every point's scenario in parallel; rows of point + figures, in grid order."""
    from tqdm import tqdm

    distributed: Any = importlib.import_module("dask.distributed")  # untyped library: used through Any
    cluster = None
    if address:
        client = distributed.Client(address)
    else:
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
        client = distributed.Client(cluster)
    try:
        scenarios = [scenario.with_overrides(p.overrides()) for p in points]
        futures = client.map(task, scenarios, pure=False)
        index = {f.key: k for k, f in enumerate(futures)}
        rows: list[dict[str, Any] | None] = [None] * len(points)
        for future in tqdm(distributed.as_completed(futures), total=len(futures), desc="sweep", disable=not progress):
            k = index[future.key]
            rows[k] = {"vehicles": points[k].vehicles, "rules": points[k].rules, "seed": points[k].seed,
                       **future.result()}
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return [r for r in rows if r is not None]


def sweep_curve(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean (and spread over seeds) of the sweep figures per rule set and fleet size."""
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["rules"], row["vehicles"]), []).append(row)
    out = []
    for (rules, vehicles), group in sorted(groups.items()):
        item: dict[str, Any] = {"rules": rules, "vehicles": vehicles, "runs": len(group)}
        for name in SWEEP_FIGURES:
            values = [float(r[name]) for r in group if name in r]
            if values:
                item[name] = round(statistics.fmean(values), 4)
                item[f"{name}_sd"] = round(statistics.pstdev(values), 4)
        out.append(item)
    return out
