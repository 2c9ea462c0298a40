"""Cordeau DARP benchmark: solve each instance, check it independently, compare with the best known.

    python benchmarks/bench_darp.py --time 10 [--set a|pr] [--workers 1] [--seed 0] [--only a8-96 ...]
    python benchmarks/bench_darp.py --set pr --time 60          # the 60 s anchor of the pr set
    python benchmarks/bench_darp.py --repeat 5 --only a8-96     # spread of 5 time-limited runs (same seed)
    python benchmarks/bench_darp.py --clock cpu                 # limit in this process's CPU time (busy machine)
    python benchmarks/bench_darp.py --lns start_temperature=0.06 end_temperature=0.001   # try other LNS parameters

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
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from routing.darp import SolverParams, solve
from routing.darp.checker import check, measure
from routing.darp.lns import LnsParams
from routing.darp.readers import BenchmarkInstance, read_cordeau
from routing.darp.solution import Solution

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


def _lns_params(pairs: list[str]) -> LnsParams:
    """``LnsParams`` with ``NAME=VALUE`` overrides (numbers); a bad name or value raises ``ValueError``."""
    known = {f.name: f.type for f in fields(LnsParams)}
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or name not in known:
            msg = f"{pair!r}: expected NAME=VALUE with NAME one of {', '.join(sorted(known))}"
            raise ValueError(msg)
        values[name] = int(raw) if known[name] in (int, "int") else float(raw)
    return replace(LnsParams(), **values)


def _solve_once(inst: BenchmarkInstance, args: argparse.Namespace) -> tuple[Solution, float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    solution = solve(inst.problem, time_limit_s=args.time, seed=args.seed,
                     params=SolverParams(workers=args.workers, iterations=args.iterations, lns=args.lns),
                     clock=time.process_time if args.clock == "cpu" else None)
    return solution, time.process_time() - cpu, time.perf_counter() - wall


def _row(name: str, folder: Path, best: float, args: argparse.Namespace) -> tuple[float, bool, int, float]:
    """Solve ``name`` ``args.repeat`` times; print its row; gap of the first run, all served, violations,
    spread of the costs (%)."""
    inst = read_cordeau(folder / f"{name}.txt")
    costs, all_served, bad = [], True, 0
    for _ in range(args.repeat):
        solution, cpu, wall = _solve_once(inst, args)
        violations = check(inst.problem, solution, inst.travel)
        m = measure(inst.problem, solution, inst.travel)
        costs.append(m.distance / inst.travel.scale)
        all_served &= len(solution.served) == len(inst.problem.requests)
        bad += len(violations)
        if len(costs) == 1:
            first = (m.vehicles, len(solution.served), solution.seconds, wall, cpu)
    gap = 100.0 * (costs[0] / best - 1.0)
    spread = 100.0 * (max(costs) / min(costs) - 1.0)
    vehicles, served, seconds, wall, cpu = first
    runs = " / ".join(f"{x:.2f}" for x in costs[1:])
    print(f"| {name} | {costs[0]:.2f} | {best:.2f} | {gap:.2f} | {vehicles} | {served}/{len(inst.problem.requests)} "
          f"| {seconds:.2f} | {wall:.1f} | {cpu:.1f} | {bad} | {runs or '-'} | {spread:.2f} |", flush=True)
    return gap, all_served, bad, spread


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--time", type=float, default=10.0, help="time limit per instance (s, wall clock)")
    parser.add_argument("--workers", type=int, default=1, help="parallel search processes per instance")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--iterations", type=int, default=None, help="LNS iterations (reproducible run)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per instance (same seed): spread of the costs")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="what the time limit counts: wall clock, or this process's CPU time (a dedicated core "
                             "on a shared machine; OR-Tools' own limits stay wall-clock, so it gets less, not more)")
    parser.add_argument("--set", dest="kind", choices=sorted(SETS), default="a")
    parser.add_argument("--data", type=Path, default=None, help="folder (default: the set's folder)")
    parser.add_argument("--only", nargs="*", default=None, help="instance names (default: all)")
    parser.add_argument("--lns", nargs="*", default=[], metavar="NAME=VALUE",
                        help="LNS parameters to try instead of the defaults, e.g. start_temperature=0.06")
    args = parser.parse_args()
    try:
        args.lns = _lns_params(args.lns)
    except ValueError as err:
        parser.error(f"--lns: {err}")
    if args.clock == "cpu" and args.workers > 1:  # a forked worker's CPU clock starts again at zero
        parser.error("--clock cpu counts this process only; use it with --workers 1")
    folder, bks_file, title, _ = SETS[args.kind]
    folder = args.data or folder
    bks = _best_known(folder / bks_file)
    names = args.only or sorted(bks, key=_order)
    print(f"# {title}, {args.time:g} s per instance, workers={args.workers}, seed={args.seed}, "
          f"iterations={args.iterations}, clock={args.clock}, lns={args.lns}, cpus={os.cpu_count()}, "
          f"load average at start {os.getloadavg()[0]:.2f}")
    header = ("instance", "cost", "best known", "gap %", "vehicles", "served", "seconds (solver clock)", "wall s",
              "cpu s", "violations", "costs of runs 2..", "spread %")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    rows = [_row(name, folder, bks[name], args) for name in names]
    _summary(rows, args)


def _summary(rows: list[tuple[float, bool, int, float]], args: argparse.Namespace) -> None:
    gaps = [r[0] for r in rows]
    all_served, bad = all(r[1] for r in rows), sum(r[2] for r in rows)
    print()
    print("| figure | value | anchor | ratio | ok |")
    print("|---|---|---|---|---|")
    mean, worst = sum(gaps) / len(gaps), max(gaps)
    a_mean, a_max = _anchors(args.kind, args.time)
    print(f"| mean gap % | {mean:.2f} | <= {a_mean} | {mean / a_mean:.2f} | {'yes' if mean <= a_mean else 'no'} |")
    print(f"| max gap % | {worst:.2f} | <= {a_max} | {worst / a_max:.2f} | {'yes' if worst <= a_max else 'no'} |")
    if args.repeat > 1:
        spread = max(r[3] for r in rows)
        anchor = 0.0 if args.iterations is not None else 0.5
        print(f"| max spread over {args.repeat} runs % | {spread:.2f} | <= {anchor} | - | "
              f"{'yes' if spread <= anchor else 'no'} |")
    print(f"| every request served | {all_served} | True | - | {'yes' if all_served else 'no'} |")
    print(f"| checker violations | {bad} | 0 | - | {'yes' if bad == 0 else 'no'} |")
    print(f"# load average at end {os.getloadavg()[0]:.2f} (2 cores shared with other work)")


if __name__ == "__main__":
    main()
