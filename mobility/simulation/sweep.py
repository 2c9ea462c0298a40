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
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from mobility.simulation.scenario import Scenario

SWEEP_FIGURES = ("service_rate", "served_share", "cost_per_passenger_eur", "wait_min_mean", "wait_min_p95",
                 "pooled_share", "occupancy", "passengers_per_vehicle_hour", "vehicle_km", "passengers_served",
                 "short_notice_share")


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


class SweepError(RuntimeError):
    """A run of the sweep failed; the message names the point (fleet size, rules, seed) and the cause."""


def run_sweep(
    scenario: Scenario,
    points: Sequence[SweepPoint],
    task: SweepTask,
    *,
    address: str | None = None,
    workers: int = 2,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Run ``task`` on every point's scenario in parallel; rows of point + figures, in grid order.

    The local cluster and the client are closed in order before this returns — also when a run fails or the
    user interrupts: unfinished runs are cancelled, the client closes first, then the cluster retires its workers
    and only then stops the scheduler, so no worker is left sending heartbeats to a scheduler that is gone.
    A failed run raises :class:`SweepError` naming its point."""
    distributed: Any = importlib.import_module("dask.distributed")  # untyped library: used through Any
    with ExitStack() as stack:
        if address:
            client = stack.enter_context(distributed.Client(address))
        else:
            cluster = stack.enter_context(distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                # no dashboard, and its HTTP server on a free port: two sweeps at once do not fight over :8787
                dashboard_address=None, scheduler_kwargs={"dashboard": False, "dashboard_address": ":0"}))
            client = stack.enter_context(distributed.Client(cluster))
        return _collect(distributed, client, [scenario.with_overrides(p.overrides()) for p in points], points,
                        task, progress=progress)
    raise AssertionError  # pragma: no cover - ExitStack does not swallow exceptions


def _collect(distributed: Any, client: Any, scenarios: list[Scenario], points: Sequence[SweepPoint],
             task: SweepTask, *, progress: bool) -> list[dict[str, Any]]:
    from tqdm import tqdm

    futures = client.map(task, scenarios, pure=False)
    index = {f.key: k for k, f in enumerate(futures)}
    rows: list[dict[str, Any] | None] = [None] * len(points)
    try:
        for future in tqdm(distributed.as_completed(futures), total=len(futures), desc="sweep",
                           disable=not progress):
            k = index[future.key]
            if future.status == "error":
                point = points[k]
                msg = (f"run with {point.vehicles} vehicles, rules {point.rules!r}, seed {point.seed} failed: "
                       f"{future.exception()!r}")
                raise SweepError(msg)
            rows[k] = {"vehicles": points[k].vehicles, "rules": points[k].rules, "seed": points[k].seed,
                       **future.result()}
    except BaseException:
        client.cancel([f for f in futures if not f.done()])  # the workers stop after their current run
        raise
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
