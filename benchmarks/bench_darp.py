"""Cordeau DARP a-set benchmark: solve each instance, check it independently, compare with the best known.

    python benchmarks/bench_darp.py --time 10 [--workers 1] [--seed 0] [--only a8-96 ...]

Prints one row per instance (cost = exact Euclidean distance recomputed by the checker) and a summary
(mean and max gap, all requests served, checker violations, wall and CPU seconds, machine load).
Reads data/benchmarks/darp (copied from the public sets, see its README).
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from pathlib import Path

from routing.darp import SolverParams, solve
from routing.darp.checker import check, measure
from routing.darp.readers import read_cordeau

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "benchmarks" / "darp"


def _best_known(folder: Path) -> dict[str, float]:
    with (folder / "bks_a.csv").open(encoding="utf-8") as handle:
        return {row["name"]: float(row["optimal"]) for row in csv.DictReader(handle)}


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--time", type=float, default=10.0, help="time limit per instance (s, wall clock)")
    parser.add_argument("--workers", type=int, default=1, help="parallel search processes per instance")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--only", nargs="*", default=None, help="instance names (default: all)")
    args = parser.parse_args()
    bks = _best_known(args.data)
    names = args.only or sorted(bks, key=lambda n: (int(n[1]), int(n.split("-")[1])))
    print(f"# Cordeau a-set, {args.time:g} s per instance, workers={args.workers}, seed={args.seed}, "
          f"cpus={os.cpu_count()}, load average at start {os.getloadavg()[0]:.2f}")
    header = ("instance", "cost", "best known", "gap %", "vehicles", "served", "seconds", "cpu s", "violations")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    gaps, all_served, bad = [], True, 0
    for name in names:
        inst = read_cordeau(args.data / f"{name}.txt")
        cpu = time.process_time()
        solution = solve(inst.problem, time_limit_s=args.time, seed=args.seed,
                         params=SolverParams(workers=args.workers))
        cpu = time.process_time() - cpu
        violations = check(inst.problem, solution, inst.travel)
        m = measure(inst.problem, solution, inst.travel)
        cost = m.distance / inst.travel.scale
        gap = 100.0 * (cost / bks[name] - 1.0)
        gaps.append(gap)
        served = len(solution.served)
        all_served &= served == len(inst.problem.requests)
        bad += len(violations)
        print(f"| {name} | {cost:.2f} | {bks[name]:.2f} | {gap:.2f} | {m.vehicles} | "
              f"{served}/{len(inst.problem.requests)} | {solution.seconds:.1f} | {cpu:.1f} | {len(violations)} |",
              flush=True)
    print()
    print("| figure | value | anchor | ok |")
    print("|---|---|---|---|")
    mean, worst = sum(gaps) / len(gaps), max(gaps)
    print(f"| mean gap % | {mean:.2f} | <= 1.0 | {'yes' if mean <= 1.0 else 'no'} |")
    print(f"| max gap % | {worst:.2f} | <= 3.0 | {'yes' if worst <= 3.0 else 'no'} |")
    print(f"| every request served | {all_served} | True | {'yes' if all_served else 'no'} |")
    print(f"| checker violations | {bad} | 0 | {'yes' if bad == 0 else 'no'} |")
    print(f"# load average at end {os.getloadavg()[0]:.2f} (2 cores shared with other work)")


if __name__ == "__main__":
    main()
