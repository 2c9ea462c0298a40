"""Quote-latency benchmark: the live dispatcher with 40 vehicles and 600 confirmed requests in the plan.

Usage: ``python benchmarks/bench_quote.py [--confirmed 600] [--quotes 500] [--repeat 2] [--seed 1]
[--days 1] [--vehicles N] [--reoptimise SECONDS]``

A large area: ``--vehicles 500 --confirmed 10000 --repeat 1`` repeats the default fleet's vehicles (same depots,
types and shifts, new ids) up to 500 and fills the plan with 10,000 bookings; confirm latencies are timed while the
plan fills (p95 over the last fifth, when the plan is nearly full) and the peak memory of the process is reported.
Quotes are also timed in CPU time of the thread (``time.thread_time``): on a shared, loaded machine the wall-clock
latency mostly measures the wait for a core, the CPU time what a quote costs.

On the bundled district network (data/osm) with the default fleet (data/fleet, 40 vehicles, ``--days`` days of
shifts from the benchmark day; the server lays out 16): books seeded random trips between real stops
(07:00–21:00, 1–3 riders, 5 % wheelchair users) by quote + confirm until ``--confirmed`` are in the plan, timing
the plan snapshot (``plan()``) after every confirm, then times ``--quotes`` further quotes against that plan
(nothing confirmed, so every quote sees the same plan). With ``--reoptimise S`` it also times one
re-optimisation with an S-second limit (anchor: the limit + 0.3 s) and quotes answered while a second one runs in
another thread (anchor: the slowest under 500 ms — quotes never wait for the solver); these were timed assertions
in the tests once and flaked on a loaded machine. Each round runs twice by default (the machine is shared: take the
better round). Prints a table: figure, value, anchor, ratio (value / anchor; ≤ 1 meets it).
"""

from __future__ import annotations

import argparse
import itertools
import random
import resource
import statistics
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from mobility.domain.fleet import Vehicle
    from mobility.domain.rides import RideRequest
    from mobility.domain.stops import Stop
    from routing.dispatcher import LiveDispatcher

ANCHORS = {"quote p95 (ms)": 50.0, "quote during reoptimise max (ms)": 500.0}
LARGE_ANCHORS = {"quote p95 (ms)": 10.0, "confirm p95, last fifth (ms)": 10.0}  # a 500-vehicle area
REOPTIMISE_OVERRUN_S = 0.3  # a re-optimisation may end this much after its limit (the swap-in and bookkeeping)
BERLIN = ZoneInfo("Europe/Berlin")


def _requests(stops: Sequence[Stop], n: int, rng: random.Random, now: datetime, tag: str) -> list[RideRequest]:
    """``n`` seeded trips between random stops, leaving between 07:00 and 20:30 on the day of ``now``."""
    from mobility.domain.rides import RideRequest

    out = []
    day = now.replace(hour=7, minute=0, second=0, microsecond=0)
    for k in range(n):
        a, b = rng.sample(stops, 2)
        when = day + timedelta(minutes=rng.randint(0, 14 * 60 - 30))
        pax = rng.choice((1, 1, 1, 1, 2, 2, 3))
        wheel = 1 if rng.random() < 0.05 else 0
        out.append(RideRequest(f"{tag}{k}", f"c{k}", a.point, b.point, now, departure=when, passengers=pax,
                               wheelchairs=wheel, origin_stop_id=a.id, destination_stop_id=b.id))
    return out


def _round(args: argparse.Namespace, seed: int) -> dict[str, float]:
    """One round: fill the plan, then time the quotes."""
    from mobility.config import DEFAULT_NETWORK
    from mobility.domain.rides import Offer
    from routing.directory import NetworkStopDirectory
    from routing.dispatcher import LiveDispatcher
    from routing.fleet import load_fleet
    from routing.network import load_network

    network = load_network(DEFAULT_NETWORK)
    matrix = network.stop_matrix(None)
    directory = NetworkStopDirectory(network)
    day = date(2026, 3, 3)  # a Tuesday
    fleet = _scaled(load_fleet(first_day=day, days=args.days), args.vehicles)
    now = datetime(2026, 3, 3, 5, 0, tzinfo=BERLIN)
    dispatcher = LiveDispatcher(directory=directory, travel=matrix, fleet=fleet)
    rng = random.Random(seed)
    stops = list(directory.stops())
    booked = tried = 0
    plan_ms: list[float] = []
    confirm_ms: list[float] = []
    dispatcher.plan()
    t0 = time.perf_counter()
    while booked < args.confirmed and tried < 10 * args.confirmed:
        for request in _requests(stops, 50, rng, now, f"b{tried}-"):
            tried += 1
            offer = dispatcher.quote(request, now)
            if not isinstance(offer, Offer):
                continue
            t = time.perf_counter()
            done = dispatcher.confirm(offer, request.id, now)
            if booked >= 0.8 * args.confirmed:
                confirm_ms.append((time.perf_counter() - t) * 1000)
            if isinstance(done, Offer):
                t = time.perf_counter()
                dispatcher.plan()
                plan_ms.append((time.perf_counter() - t) * 1000)
                booked += 1
                if booked == args.confirmed:
                    break
    fill_s = time.perf_counter() - t0 - sum(plan_ms) / 1000  # quote + confirm only
    latencies, cpu, offers = [], [], 0
    for request in _requests(stops, args.quotes, rng, now, "q"):
        t, c = time.perf_counter(), time.thread_time()
        answer = dispatcher.quote(request, now)
        latencies.append((time.perf_counter() - t) * 1000)
        cpu.append((time.thread_time() - c) * 1000)
        offers += isinstance(answer, Offer)
    latencies.sort()
    cpu.sort()
    plan_ms.sort()
    figures = {
        "vehicles": float(len(fleet)),
        "confirmed in plan": float(booked),
        "quote p50 (ms)": statistics.median(latencies),
        "quote p95 (ms)": latencies[int(0.95 * (len(latencies) - 1))],
        "quote max (ms)": latencies[-1],
        "quote p95, CPU time (ms)": cpu[int(0.95 * (len(cpu) - 1))],
        "offer rate (%)": 100 * offers / len(latencies),
        "fill: quote+confirm (ms)": 1000 * fill_s / max(1, tried),
        "plan after confirm p50 (ms)": statistics.median(plan_ms),
        "plan after confirm p95 (ms)": plan_ms[int(0.95 * (len(plan_ms) - 1))],
        "confirm p95, last fifth (ms)": sorted(confirm_ms)[int(0.95 * (len(confirm_ms) - 1))] if confirm_ms else 0.0,
        "peak memory (MB)": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if args.reoptimise:
        t = time.perf_counter()
        replaced = dispatcher.reoptimise(now + timedelta(hours=2), args.reoptimise)
        figures["reoptimise wall (s)"] = time.perf_counter() - t
        figures["reoptimise replaced"] = float(replaced)
        during = _quotes_while_reoptimising(dispatcher, _requests(stops, 200, rng, now, "d"), now, args.reoptimise)
        figures["quotes during reoptimise"] = float(len(during))
        figures["quote during reoptimise max (ms)"] = max(during, default=0.0)
    return figures


def _scaled(fleet: Sequence[Vehicle], vehicles: int) -> list[Vehicle]:
    """The fleet's vehicles repeated (same depot, type and shifts, new ids) up to ``vehicles`` (0: as it is)."""
    out = list(fleet)
    for k in range(max(0, vehicles - len(fleet))):
        v = fleet[k % len(fleet)]
        out.append(replace(v, id=f"{v.id}-x{k}", name=f"{v.name} x{k}"))
    return out


def _quotes_while_reoptimising(dispatcher: LiveDispatcher, requests: Sequence[RideRequest], now: datetime,
                               limit_s: float) -> list[float]:
    """Latencies (ms) of the quotes answered while a re-optimisation runs in another thread."""
    solver = threading.Thread(target=dispatcher.reoptimise, args=(now + timedelta(hours=2), limit_s))
    latencies = []
    solver.start()
    for request in itertools.cycle(requests):  # the same trips again until the solver is done
        if not solver.is_alive():
            break
        t = time.perf_counter()
        dispatcher.quote(request, now)
        latencies.append((time.perf_counter() - t) * 1000)
    solver.join()
    return latencies


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--confirmed", type=int, default=600)
    parser.add_argument("--quotes", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=1, help="days of shifts laid out (the server lays out 16)")
    parser.add_argument("--vehicles", type=int, default=0, help="repeat the fleet's vehicles up to this many")
    parser.add_argument("--reoptimise", type=float, default=0.0, help="also time one re-optimisation (s limit)")
    args = parser.parse_args()
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    rounds = [_round(args, args.seed) for _ in range(args.repeat)]
    best = min(rounds, key=lambda f: f["quote p95 (ms)"])
    anchors = dict(LARGE_ANCHORS if args.vehicles >= 200 else ANCHORS)
    if args.reoptimise:
        anchors["reoptimise wall (s)"] = args.reoptimise + REOPTIMISE_OVERRUN_S
    print(f"Quote latency, bundled district network, default fleet, {args.days} days of shifts "
          f"({args.repeat} rounds, best shown)")
    print(f"{'figure':<34} {'value':>10} {'anchor':>10} {'ratio':>7}")
    for figure, value in best.items():
        anchor = anchors.get(figure)
        if anchor is None:
            print(f"{figure:<34} {value:>10.2f} {'':>10} {'':>7}")
        else:
            print(f"{figure:<34} {value:>10.2f} {anchor:>10.2f} {value / anchor:>7.3f}")
    print("p95 per round (ms): " + ", ".join(f"{r['quote p95 (ms)']:.2f}" for r in rounds))
    print(f"load before: {load}")
    print(f"load after:  {subprocess.run(['uptime'], capture_output=True, text=True, check=False).stdout.strip()}")


if __name__ == "__main__":
    main()
