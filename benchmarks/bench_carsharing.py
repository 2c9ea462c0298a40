"""Benchmark: CP-SAT assignment of pool-car reservations versus greedy first come, first served.

Instance: the 20 default stations (data/poolcars/stations.toml, real places), 50 cars of the default car types
spread over them, 1,000 seeded reservation requests over one week (Europe/Berlin). Both solvers decide over the
same options; every result is checked independently. Prints a table (figure, value, anchor, ratio); the anchor is
the greedy baseline of the same run.

    python benchmarks/bench_carsharing.py [--cars 50] [--requests 1000] [--seed 1] [--time-limit 30] [--runs 2]
"""

from __future__ import annotations

import argparse
import random
import sys
import tomllib
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from mobility.domain.geo import Point
from mobility.domain.poolcar_files import Pool, pool_from_documents
from mobility.domain.poolcar_offers import PoolCarRequest
from mobility.domain.poolcars import Car, PoolRules, Slot
from routing.carsharing import (
    AssignmentProblem,
    CpSatParams,
    check,
    compile_problem,
    solve_cpsat,
    solve_earliest_end,
    solve_greedy,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "poolcars"
TZ = ZoneInfo("Europe/Berlin")
WEEK_START = datetime(2026, 3, 2, tzinfo=TZ)  # a Monday
DURATIONS_H = ((1, 0.2), (2, 0.25), (3, 0.2), (4, 0.15), (6, 0.1), (8, 0.07), (24, 0.03))
FLEX_MIN = ((0, 0.5), (30, 0.3), (60, 0.2))
T = TypeVar("T")
TYPE_MIX = (("kleinwagen-ev", 0.4), ("kompakt-benzin", 0.25), ("kombi-hybrid", 0.2), ("bus-rollstuhl", 0.15))


def _pick(rng: random.Random, table: tuple[tuple[T, float], ...]) -> T:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def load_pool() -> Pool:
    """The default stations and car types."""
    with (DATA / "stations.toml").open("rb") as f, (DATA / "cars.toml").open("rb") as g:
        return pool_from_documents(tomllib.load(f), tomllib.load(g))


def make_fleet(pool: Pool, n_cars: int, rng: random.Random) -> list[Car]:
    """``n_cars`` cars, spread over the stations in proportion to their capacity, types by ``TYPE_MIX``."""
    types = {t.id: t for t in pool.car_types}
    weights = [s.capacity for s in pool.stations]
    homes = list(pool.stations)
    rng.shuffle(homes)
    cars = [Car(f"car-{k:03d}", f"Auto {k}", types[_pick(rng, TYPE_MIX)], homes[k].id) for k in range(len(homes))]
    while len(cars) < n_cars:
        station = rng.choices(pool.stations, weights=weights)[0]
        k = len(cars)
        cars.append(Car(f"car-{k:03d}", f"Auto {k}", types[_pick(rng, TYPE_MIX)], station.id))
    return cars[:n_cars]


def make_requests(pool: Pool, n: int, rng: random.Random) -> list[PoolCarRequest]:
    """``n`` requests over the week: daytime starts with morning and afternoon peaks, 1 h – 1 day long."""
    weights = [s.capacity for s in pool.stations]
    types = [t.id for t in pool.car_types]
    out = []
    for i in range(n):
        day = rng.randrange(7)
        hour = min(21.75, max(6.0, rng.choice((8.0, 14.0)) + rng.gauss(0, 2.5)))
        start = WEEK_START + timedelta(days=day, minutes=round(hour * 4) * 15)
        end = start + timedelta(hours=_pick(rng, DURATIONS_H))
        submitted = start - timedelta(hours=rng.uniform(1, 24 * 7))
        station = rng.choices(pool.stations, weights=weights)[0]
        wheelchair = rng.random() < 0.04
        place: dict[str, object] = {"station_id": station.id, "walk_radius_m": 0}
        if rng.random() < 0.3:
            lat = station.point.lat + rng.uniform(-0.006, 0.006)
            lon = station.point.lon + rng.uniform(-0.009, 0.009)
            place = {"point": Point(lon, lat), "walk_radius_m": rng.choice((500, 1_000, 1_500))}
        out.append(
            PoolCarRequest(
                id=f"req-{i:04d}",
                customer_id=f"person-{rng.randrange(400)}",
                slot=Slot(start, end),
                submitted_at=submitted,
                flex_s=_pick(rng, FLEX_MIN) * 60,
                car_type_id=rng.choice(types) if rng.random() < 0.4 else None,
                seats=rng.choice((1, 1, 1, 2, 3, 4)),
                wheelchair=wheelchair,
                **place,  # type: ignore[arg-type]
            )
        )
    return out


def _row(figure: str, value: float, anchor: float | None, unit: str = "") -> str:
    ratio = "" if not anchor else f"{value / anchor:.3f}"
    a = "" if anchor is None else f"{anchor:,.3f}".rstrip("0").rstrip(".")
    v = f"{value:,.3f}".rstrip("0").rstrip(".")
    return f"| {figure} | {v}{unit} | {a}{unit if a else ''} | {ratio} |"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cars", type=int, default=50)
    ap.add_argument("--requests", type=int, default=1_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    pool = load_pool()
    cars = make_fleet(pool, args.cars, rng)
    requests = make_requests(pool, args.requests, rng)
    rules = replace(PoolRules(), max_offers=5)
    problem = AssignmentProblem(cars=cars, stations=pool.stations, requests=requests, rules=rules)
    compiled = compile_problem(problem)
    n_opts = sum(len(o) for o in compiled.options)
    print(
        f"instance: {len(pool.stations)} stations, {len(cars)} cars, {len(requests)} requests over a week, "
        f"{n_opts:,} options, buffer {rules.buffer_s // 60} min, seed {args.seed}, "
        f"CP-SAT limit {args.time_limit:g} s × 2 workers\n"
    )
    print("| figure | value | anchor (greedy FCFS, same run) | ratio |\n|---|---|---|---|")
    for run in range(1, args.runs + 1):
        greedy = solve_greedy(compiled)
        eff = solve_earliest_end(compiled)
        best = solve_cpsat(compiled, CpSatParams(time_limit_s=args.time_limit, workers=2, seed=args.seed))
        for a in (greedy, eff, best):
            errors = check(a)
            if errors:
                print(f"{a.solver}: infeasible: {errors[:3]}", file=sys.stderr)
                return 1
        tag = f"run {run}: "
        print(_row(tag + "served share", best.served_share, greedy.served_share))
        print(_row(tag + "served reservations", best.served, greedy.served))
        print(_row(tag + "served by earliest-end heuristic (CP-SAT hint)", eff.served, greedy.served))
        if best.served_bound is not None:
            print(_row(tag + "upper bound on served (CP-SAT)", best.served_bound, greedy.served))
        print(
            _row(
                tag + "walk per served reservation (m)",
                best.walk_m / max(best.served, 1),
                greedy.walk_m / max(greedy.served, 1),
            )
        )
        print(_row(tag + "forced car moves", best.moves, greedy.moves))
        print(_row(tag + "solve time (s)", best.wall_s, greedy.wall_s))
        print(f"| {tag}CP-SAT status | {'optimal' if best.optimal else 'feasible (time limit)'} | | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
