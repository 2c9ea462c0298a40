"""Li & Lim PDPTW benchmark (100 or 200 customers): our solver and VROOM (pyvroom) side by side.

    python benchmarks/bench_lilim.py --time 10 [--set 100|200] [--workers 1] [--vroom-level 5] [--only lc101 ...]

Objective as in the literature: vehicles first, then distance. Our solver gets a fixed cost per vehicle far
above any distance; VROOM (bench extra ``pyvroom``) runs with one thread at the given exploration level on
the same rounded-up integer travel times. Distances are recomputed exactly from each plan's stop sequence.
Reads data/benchmarks/lilim or lilim200 (copied from the public sets, see their README).
Anchors (issue #16): never more vehicles than VROOM, distance <= VROOM's where the vehicle counts are equal,
best-known vehicle count on >= 90 % (100 customers) / >= 60 % (200) of the instances.
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from routing.darp import SolverParams, solve
from routing.darp.checker import check, measure
from routing.darp.readers import BenchmarkInstance, read_lilim

ROOT = Path(__file__).resolve().parents[1]
SETS = {  # name: folder, best-known file, share of instances at the best-known vehicle count (anchor)
    "100": (ROOT / "data" / "benchmarks" / "lilim", "bks_sintef.csv", 0.9),
    "200": (ROOT / "data" / "benchmarks" / "lilim200", "bks_sintef_200.csv", 0.6),
}
VEHICLE_COST = 10**8  # scaled distance units: more than any plan's total distance


def _best_known(path: Path) -> dict[str, tuple[int, float]]:
    best: dict[str, tuple[int, float]] = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            entry = (int(row.get("routes") or row["vehicles"]), float(row["distance"]))
            best[row["instance"]] = min(best.get(row["instance"], entry), entry)
    return best


def run_vroom(inst: BenchmarkInstance, level: int) -> tuple[int, float, int, float]:
    """VROOM's plan: vehicles used, exact (unscaled) distance, unassigned requests, seconds."""
    import vroom

    p, travel = inst.problem, inst.travel
    n = len(travel)
    problem_input = vroom.Input()
    problem_input.set_durations_matrix(
        profile="car", matrix_input=[[travel.duration(i, j) for j in range(n)] for i in range(n)]
    )
    for k, v in enumerate(p.vehicles):
        problem_input.add_vehicle(vroom.Vehicle(
            id=k, start=v.start, end=v.end, capacity=vroom.Amount(list(v.capacity)),
            time_window=vroom.TimeWindow(v.shift.earliest, v.shift.latest), profile="car",
        ))
    for k, r in enumerate(p.requests):
        problem_input.add_shipment(
            vroom.ShipmentStep(id=2 * k, location=r.pickup, default_service=r.pickup_service_s,
                               time_windows=[vroom.TimeWindow(r.pickup_window.earliest, r.pickup_window.latest)]),
            vroom.ShipmentStep(id=2 * k + 1, location=r.dropoff, default_service=r.dropoff_service_s,
                               time_windows=[vroom.TimeWindow(r.dropoff_window.earliest, r.dropoff_window.latest)]),
            amount=vroom.Amount(list(r.load)),
        )
    began = time.perf_counter()
    solution = problem_input.solve(exploration_level=level, nb_threads=1)
    seconds = time.perf_counter() - began
    routes = solution.routes
    distance, used = 0.0, 0
    for _vid, steps in routes.groupby("vehicle_id"):
        locations = [int(x) for x in steps["location_index"]]
        if len(locations) > 2:
            used += 1
        distance += sum(travel.exact(a, b) for a, b in pairwise(locations))
    return used, distance, int(solution.summary.unassigned), seconds


@dataclass(frozen=True)
class Row:
    """One instance: best known, ours and VROOM's vehicles and distances, problems found."""

    bks_vehicles: int
    ours_vehicles: int
    ours_distance: float
    vroom_vehicles: int
    vroom_distance: float
    unserved: int
    violations: int


def _run(name: str, args: argparse.Namespace, bks: tuple[int, float]) -> Row:
    inst = read_lilim(args.folder / f"{name}.txt", vehicle_cost=VEHICLE_COST)
    solution = solve(inst.problem, time_limit_s=args.time, seed=args.seed,
                     params=SolverParams(workers=args.workers, iterations=args.iterations),
                         clock=time.process_time if args.clock == "cpu" else None)
    m = measure(inst.problem, solution, inst.travel)
    violations = len(check(inst.problem, solution, inst.travel))
    v_used, v_dist, v_unassigned, v_secs = run_vroom(inst, args.vroom_level)
    dist = m.distance / inst.travel.scale  # VROOM's distance is already unscaled
    print(f"| {name} | {bks[0]} | {bks[1]:.2f} | {m.vehicles} | {dist:.2f} | {solution.seconds:.1f} "
          f"| {v_used} | {v_dist:.2f} | {v_secs:.1f} | {dist / v_dist:.4f} | {len(solution.unserved_confirmed)} "
          f"unserved, checker {violations} |", flush=True)
    return Row(bks[0], m.vehicles, dist, v_used, v_dist, len(solution.unserved_confirmed) + v_unassigned,
               violations)


def _summary(rows: list[Row], share: float) -> None:
    n = len(rows)
    ratio = sum(r.ours_distance for r in rows) / sum(r.vroom_distance for r in rows)
    same = [r for r in rows if r.ours_vehicles == r.vroom_vehicles]
    ours_bks = sum(r.ours_vehicles <= r.bks_vehicles for r in rows)
    vroom_bks = sum(r.vroom_vehicles <= r.bks_vehicles for r in rows)
    unserved, bad = sum(r.unserved for r in rows), sum(r.violations for r in rows)
    print()
    print("| figure | value | anchor | ratio | ok |")
    print("|---|---|---|---|---|")
    print(f"| mean distance ours / VROOM (all) | {ratio:.4f} | - | - | - |")
    if same:
        same_ratio = sum(r.ours_distance for r in same) / sum(r.vroom_distance for r in same)
        worse = sum(r.ours_distance > r.vroom_distance + 0.01 for r in same)
        print(f"| distance ours / VROOM, same vehicle count ({len(same)} instances) | {same_ratio:.4f} | <= 1 | "
              f"{same_ratio:.4f} | {'yes' if same_ratio <= 1 else 'no'} |")
        print(f"| … of which ours longer | {worse} | - | - | - |")
    fewer = sum(r.ours_vehicles < r.vroom_vehicles for r in rows)
    more = sum(r.ours_vehicles > r.vroom_vehicles for r in rows)
    print(f"| instances with fewer / more vehicles than VROOM | {fewer} / {more} | more: 0 | - | "
          f"{'yes' if more == 0 else 'no'} |")
    print(f"| best-known vehicle count, ours | {ours_bks}/{n} ({100 * ours_bks / n:.0f} %) | >= {100 * share:.0f} % | "
          f"{ours_bks / (share * n):.2f} | {'yes' if ours_bks >= share * n else 'no'} |")
    print(f"| best-known vehicle count, VROOM | {vroom_bks}/{n} ({100 * vroom_bks / n:.0f} %) | - | - | - |")
    print(f"| unserved requests (both) / checker violations (ours) | {unserved} / {bad} | 0 / 0 | - | "
          f"{'yes' if unserved == 0 and bad == 0 else 'no'} |")


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--time", type=float, default=10.0, help="our time limit per instance (s, wall clock)")
    parser.add_argument("--workers", type=int, default=1, help="parallel search processes per instance")
    parser.add_argument("--vroom-level", type=int, default=5, help="VROOM exploration level (0-5)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--iterations", type=int, default=None, help="LNS iterations (reproducible run)")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="what the time limit counts: wall clock, or this process's CPU time (a dedicated core "
                             "on a shared machine; OR-Tools' own limits stay wall-clock, so it gets less, not more)")
    parser.add_argument("--set", dest="kind", choices=sorted(SETS), default="100")
    parser.add_argument("--data", type=Path, default=None, help="folder (default: the set's folder)")
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    if args.clock == "cpu" and args.workers > 1:  # a forked worker's CPU clock starts again at zero
        parser.error("--clock cpu counts this process only; use it with --workers 1")
    folder, bks_file, share = SETS[args.kind]
    args.folder = args.data or folder
    bks = _best_known(args.folder / bks_file)
    names = args.only or sorted(bks)
    print(f"# Li & Lim {args.kind}, ours {args.time:g} s/instance (workers={args.workers}, seed={args.seed}, "
          f"clock={args.clock}), "
          f"VROOM level {args.vroom_level}, 1 thread; load average at start {os.getloadavg()[0]:.2f}")
    header = ("instance", "BKS veh", "BKS dist", "our veh", "our dist", "our s", "VROOM veh", "VROOM dist",
              "VROOM s", "ours/VROOM dist", "violations")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    rows = [_run(name, args, bks[name]) for name in names]
    _summary(rows, share)
    print(f"# load average at end {os.getloadavg()[0]:.2f} (2 cores shared with other work)")


if __name__ == "__main__":
    main()
