"""Rehearsal benchmark: a whole service day played against the real service through its HTTP API.

Usage: ``python benchmarks/bench_rehearsal.py [--hours 16] [--vehicles 40] [--requests N] [--travel-noise 0.15]
[--database-url postgresql+psycopg://…] [--screens DIR] [--out DIR] [--seed S]``

The default is the issue's full day: scenarios/default.toml's demand from 06:00 to 22:00 (the per-capita rate,
about 1,025 requests; ``--requests`` raises it, never below 1,000 for the full day), the default fleet of 40
vehicles with its early, late and night shifts and breaks, ±15 % travel-time noise, re-optimisation every 15
simulated minutes with a 1 s limit, the night's batch plan at 01:00 (10 s), one vehicle out of service from noon for
two hours. SQLite in ``--out`` by default; ``--database-url`` runs the same day on PostGIS (a fresh schema, dropped
afterwards). Prints a table: figure, value, anchor, ratio (value / anchor), then where the time went; the full
report (JSON, Markdown, with every observation of the service misbehaving) lands in ``--out``.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def main() -> None:
    """Run the day and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, default=16.0)
    parser.add_argument("--start", default="06:00")
    parser.add_argument("--vehicles", type=int, default=40)
    parser.add_argument("--requests", type=int, default=None)
    parser.add_argument("--travel-noise", type=float, default=0.15)
    parser.add_argument("--solver-seconds", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--screens", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "bench-rehearsal")
    args = parser.parse_args()

    from mobility.cli.rehearse import run_rehearsal
    from mobility.rehearsal.run import Options
    from mobility.rehearsal.world import Noise
    from mobility.simulation.scenario import load_scenario

    requests = args.requests
    if args.hours >= 16 and requests is not None:
        requests = max(requests, 1000)
    options = Options(scenario=load_scenario(ROOT / "scenarios" / "default.toml"),
                      start=clock_time.fromisoformat(args.start), hours=args.hours, requests=requests, seed=args.seed,
                      noise=Noise(travel=args.travel_noise), screens=args.screens, progress=print)
    started = time.perf_counter()
    result = run_rehearsal(options, args.out, database_url=args.database_url, vehicles=args.vehicles,
                           solver_seconds=args.solver_seconds)
    wall = time.perf_counter() - started
    report = result.report
    rows = [["figure", "value", "anchor", "ratio", ""]]
    rows += [f.cells() for f in report.figures]
    rows.append(["wall time incl. network and service start", f"{wall:.1f} s", "", "", ""])
    load = os.getloadavg()
    rows.append(["load average (1/5/15 min) after the run", f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", "", "",
                 ""])
    print(_table(rows))
    s = report.summary
    print()
    print(f"store {s['store']}, {s['vehicles']} vehicles, window {s['window']}, seed {s['seed']}")
    print(f"outcomes {s['outcomes']}; channels {s['channels']}; refusals {s['refusal_reasons']}")
    print(f"re-optimisation {s['replans']}; out of service {s['out_of_service']}")
    print(f"HTTP wait {s['http']['wait_s']} s of {wall:.0f} s; busiest routes "
          f"{dict(list(s['http']['by_route'].items())[:6])}")
    print(f"observations {report.observation_counts} → {args.out / 'report.md'}")


if __name__ == "__main__":
    main()
