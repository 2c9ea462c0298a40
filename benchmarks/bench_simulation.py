"""Simulation benchmark: one district day with the real LiveDispatcher on the bundled network.

Usage: ``python benchmarks/bench_simulation.py [--cases 2000x40,10000x200] [--repeat 1] [--scenario FILE]
[--workers 2]``

``--workers`` re-optimisation groups are solved at once (``dispatch.solver_workers``; the machine has two cores).

Each case ``REQUESTSxVEHICLES`` runs scenarios/default.toml (re-optimisation every 15 min included) with that many
requests and vehicles in a fresh process, so its peak memory (max RSS) is its own. Prints a table: figure, value,
anchor, ratio (value / anchor; ≤ 1 meets it), then where the wall time went (dispatcher calls vs. the loop).
The machine is shared and has two cores: run twice (``--repeat 2``) and take the better round.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ANCHORS_S = {2000: 120.0, 10000: 900.0}


def _case(scenario_file: str, requests: int, vehicles: int, workers: int) -> dict[str, Any]:
    """Run one case in this (child) process; returns wall time, peak memory and figures."""
    from mobility.cli.simulate import load_world, run_scenario
    from mobility.simulation.scenario import load_scenario

    started = time.perf_counter()
    load_world()
    loaded = time.perf_counter() - started
    scenario = load_scenario(scenario_file).with_overrides(
        {"demand.requests": requests, "fleet.vehicles": vehicles, "dispatch.solver_workers": workers}
    )
    start = time.perf_counter()
    result = run_scenario(scenario)
    wall = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu_s = sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))
    k = result.kpis
    return {"wall_s": wall, "load_s": loaded, "peak_mb": peak_mb, "cpu_s": cpu_s, "service_rate": k["service_rate"],
            "served": k["outcomes"]["served"], "violations": k["violations"],
            "promises_broken": k["promises_broken"], "unexplained": k["promises_broken_unexplained"],
            "vehicle_km": k["vehicle_km"], "timings": k["wall_s"], "calls": k["calls"],
            "hard": [str(v) for v in result.violations if not v.promise][:10],
            "unexplained_list": [str(v) for v in result.violations if v.promise and not v.cause][:10]}


def _run(scenario_file: str, requests: int, vehicles: int, workers: int) -> dict[str, Any]:
    # not a multiprocessing.Pool: its workers are daemons, which may not fork the re-optimisation's workers
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_case, scenario_file, requests, vehicles, workers).result()


def _table(rows: list[tuple[str, str, str, str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def main() -> None:
    """Run the cases and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", default="2000x40,10000x200", help="REQUESTSxVEHICLES, comma-separated")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "default.toml"))
    parser.add_argument("--workers", type=int, default=2, help="re-optimisation groups solved at once (cores)")
    args = parser.parse_args()
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    rows = [("figure", "value", "anchor", "ratio")]
    details = []
    for case in args.cases.split(","):
        requests, vehicles = (int(x) for x in case.lower().split("x"))
        runs = [_run(args.scenario, requests, vehicles, args.workers) for _ in range(args.repeat)]
        best = min(runs, key=lambda r: r["wall_s"])
        anchor = ANCHORS_S.get(requests)
        label = f"{requests:,} requests / {vehicles} vehicles"
        rows.append((f"{label}: wall (s)", f"{best['wall_s']:.1f}", f"{anchor:.0f}" if anchor else "-",
                     f"{best['wall_s'] / anchor:.2f}" if anchor else "-"))
        rows.append((f"{label}: CPU time incl. re-optimisation workers (s)", f"{best['cpu_s']:.1f}", "-", "-"))
        rows.append((f"{label}: peak memory (MB)", f"{best['peak_mb']:.0f}", "-", "-"))
        rows.append((f"{label}: service rate", f"{best['service_rate']:.3f}", "-", "-"))
        rows.append((f"{label}: hard violations / promises broken (without a cause outside the plan)",
                     f"{best['violations']} / {best['promises_broken']} ({best['unexplained']})", "0 / - (0)", "-"))
        rows.append((f"{label}: vehicle-km", f"{best['vehicle_km']:.0f}", "-", "-"))
        calls = best["calls"]
        timing = ", ".join(
            f"{k} {v:.1f} s" + (f" ({calls[k]} calls, {1000 * v / calls[k]:.2f} ms each)" if calls.get(k) else "")
            for k, v in sorted(best["timings"].items(), key=lambda kv: -kv[1])
        )
        walls = ", ".join(f"{r['wall_s']:.1f}" for r in runs)
        details.append(f"{label}: network load {best['load_s']:.1f} s; all runs {walls} s; time by part: {timing}")
        details.extend(f"{label}: hard violation: {text}" for r in runs for text in r["hard"])
        details.extend(f"{label}: broken promise without a cause outside the plan: {text}"
                       for r in runs for text in r["unexplained_list"])
    print(_table(rows))
    print()
    print(f"load: {load} → {subprocess.run(['uptime'], capture_output=True, text=True, check=False).stdout.strip()}")
    print("\n".join(details))


if __name__ == "__main__":
    main()
