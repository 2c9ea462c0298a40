"""Cordeau DARP benchmark: solve each instance, check it independently, compare with the best known.

    python benchmarks/bench_darp.py --time 10 [--set a|pr] [--workers 1] [--seed 0] [--only a8-96 ...]
    python benchmarks/bench_darp.py --set pr --time 60          # the 60 s anchor of the pr set

``--set a``: Cordeau (2006) a2-16 … a8-96 (data/benchmarks/darp); ``--set pr``: Cordeau & Laporte (2003)
R1a … R10a (data/benchmarks/darp-pr). ``--iterations N`` bounds the search by iterations (reproducible).

Prints one row per instance (cost = exact Euclidean distance recomputed by the checker) and a summary
(mean and max gap, all requests served, checker violations, wall and CPU seconds, machine load).
Reads data/benchmarks/ (copied from the public sets, see its README).
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
SETS = {  # name: folder, best-known file, anchors (mean gap %, max gap %) by time limit
    "a": (ROOT / "data" / "benchmarks" / "darp", "bks_a.csv", "Cordeau a-set", (0.3, 1.5)),
    "pr": (ROOT / "data" / "benchmarks" / "darp-pr", "bks_pr_a.csv", "Cordeau-Laporte pr a-half", (1.5, 3.0)),
}


def _best_known(path: Path) -> dict[str, float]:
    with path.open(encoding="utf-8") as handle:
        return {row["name"]: float(row["optimal"]) for row in csv.DictReader(handle)}


def _order(name: str) -> tuple[int, ...]:
    return tuple(int(x) for x in name.strip("Ra").replace("a-", "-").split("-") if x)


def _anchors(kind: str, seconds: float) -> tuple[float, float]:
    mean, worst = SETS[kind][3]
    if kind == "pr" and seconds >= 60:
        mean = 0.75
    return mean, worst


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--time", type=float, default=10.0, help="time limit per instance (s, wall clock)")
    parser.add_argument("--workers", type=int, default=1, help="parallel search processes per instance")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--iterations", type=int, default=None, help="LNS iterations (reproducible run)")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="what the time limit counts: wall clock, or this process's CPU time (a dedicated core "
                             "on a shared machine; OR-Tools' own limits stay wall-clock, so it gets less, not more)")
    parser.add_argument("--set", dest="kind", choices=sorted(SETS), default="a")
    parser.add_argument("--data", type=Path, default=None, help="folder (default: the set's folder)")
    parser.add_argument("--only", nargs="*", default=None, help="instance names (default: all)")
    args = parser.parse_args()
    folder, bks_file, title, _ = SETS[args.kind]
    folder = args.data or folder
    bks = _best_known(folder / bks_file)
    names = args.only or sorted(bks, key=_order)
    print(f"# {title}, {args.time:g} s per instance, workers={args.workers}, seed={args.seed}, "
          f"iterations={args.iterations}, clock={args.clock}, cpus={os.cpu_count()}, "
          f"load average at start {os.getloadavg()[0]:.2f}")
    header = ("instance", "cost", "best known", "gap %", "vehicles", "served", "seconds (solver clock)", "wall s",
              "cpu s", "violations")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    gaps, all_served, bad = [], True, 0
    for name in names:
        inst = read_cordeau(folder / f"{name}.txt")
        cpu, wall = time.process_time(), time.perf_counter()
        solution = solve(inst.problem, time_limit_s=args.time, seed=args.seed,
                         params=SolverParams(workers=args.workers, iterations=args.iterations),
                         clock=time.process_time if args.clock == "cpu" else None)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        violations = check(inst.problem, solution, inst.travel)
        m = measure(inst.problem, solution, inst.travel)
        cost = m.distance / inst.travel.scale
        gap = 100.0 * (cost / bks[name] - 1.0)
        gaps.append(gap)
        served = len(solution.served)
        all_served &= served == len(inst.problem.requests)
        bad += len(violations)
        print(f"| {name} | {cost:.2f} | {bks[name]:.2f} | {gap:.2f} | {m.vehicles} | "
              f"{served}/{len(inst.problem.requests)} | {solution.seconds:.2f} | {wall:.1f} | {cpu:.1f} | "
              f"{len(violations)} |",
              flush=True)
    print()
    print("| figure | value | anchor | ratio | ok |")
    print("|---|---|---|---|---|")
    mean, worst = sum(gaps) / len(gaps), max(gaps)
    a_mean, a_max = _anchors(args.kind, args.time)
    print(f"| mean gap % | {mean:.2f} | <= {a_mean} | {mean / a_mean:.2f} | {'yes' if mean <= a_mean else 'no'} |")
    print(f"| max gap % | {worst:.2f} | <= {a_max} | {worst / a_max:.2f} | {'yes' if worst <= a_max else 'no'} |")
    print(f"| every request served | {all_served} | True | - | {'yes' if all_served else 'no'} |")
    print(f"| checker violations | {bad} | 0 | - | {'yes' if bad == 0 else 'no'} |")
    print(f"# load average at end {os.getloadavg()[0]:.2f} (2 cores shared with other work)")


if __name__ == "__main__":
    main()
