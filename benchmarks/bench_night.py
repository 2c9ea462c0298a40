"""The district's night: a day of pre-booked requests, inserted one by one, then the night's batch plan.

Usage: ``python benchmarks/bench_night.py [--requests 1500] [--seconds 300] [--long 1800] [--round 10]
[--seed 42] [--cpu]``

``--cpu`` counts the budgets in CPU seconds of this process instead of wall seconds: on a shared machine under load
the wall-clock budget buys only a fraction of a core, and the figures then say little about the method.

On the bundled district network with the default fleet (data/fleet/salzlandkreis.toml: 36 minibuses with early and
late shifts and breaks, four pool cars) the day's requests come from the demand model of scenarios/default.toml
(``--requests`` of them, every one pre-booked). Each is quoted and confirmed in the order it was booked, the evening
before (the insertion-only plan: every promise made at once). Then the night's batch plan re-plans the day as the
booking service does at 01:00 (:func:`mobility.domain.batch.batch_rounds` over ``LiveDispatcher.reoptimise(day=…)``,
rounds of ``--round`` seconds) for ``--seconds`` and — on a second, identical plan — for ``--long`` seconds (0: left
out). Every route of each plan is checked exactly (windows, ride limits, capacity, shift ends) and every booking
must still be in it. Prints figure, value, anchor, ratio: planned kilometres and vehicles of the batch plan against
the insertion-only plan and against the long run.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from routing.dispatcher import LiveDispatcher

ROOT = Path(__file__).resolve().parent.parent
BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 3, 10)  # a Tuesday: every weekday shift of the fleet file works


def _requests(n: int, seed: int) -> list[Any]:
    from mobility.cli.simulate import load_world
    from mobility.demand import build_demand
    from mobility.simulation.scenario import load_scenario

    scenario = load_scenario(ROOT / "scenarios" / "default.toml").with_overrides(
        {"demand.requests": n, "demand.riders.prebooked_share": 1.0, "scenario.seed": seed
})
    world = load_world()
    _, requests = build_demand(world.directory.stops(), scenario.demand, DAY, scenario.tz, seed)
    return sorted((r.request for r in requests), key=lambda r: (r.submitted_at, r.id))


def _insertion_plan(requests: list[Any]) -> tuple[LiveDispatcher, int, datetime]:
    """A dispatcher with the default fleet and every request quoted and confirmed the evening before."""
    from mobility.cli.simulate import load_world
    from mobility.domain.rides import Offer
    from routing.dispatcher import LiveDispatcher
    from routing.fleet import load_fleet

    world = load_world()
    fleet = load_fleet(first_day=DAY, days=1)
    dispatcher = LiveDispatcher(directory=world.directory, travel=world.travel, fleet=fleet)
    evening = datetime.combine(DAY - timedelta(days=1), datetime.min.time(), BERLIN).replace(hour=20)
    booked = 0
    for request in requests:
        offer = dispatcher.quote(request, evening)
        if isinstance(offer, Offer) and isinstance(dispatcher.confirm(offer, request.id, evening), Offer):
            booked += 1
    return dispatcher, booked, evening


def _figures(dispatcher: LiveDispatcher, booked: int) -> dict[str, float]:
    """Kilometres, vehicles and shifts with rides of the day; checks every route and that nothing was lost."""
    from routing.insertion import check

    first, last = dispatcher.day_window(DAY)
    with dispatcher.lock:
        routes = [r for r in dispatcher.state.routes.values() if first <= r.shift_start < last]
        broken = [p for r in routes for p in check(r, dispatcher.durations)]
        rides = len({rid for r in routes for rid in r.request_ids()})
    summary = dispatcher.day_summary(DAY)
    if broken or rides != booked:
        msg = f"plan check failed: {len(broken)} broken ({broken[:2]}), {rides} of {booked} bookings in the plan"
        raise SystemExit(msg)
    vehicles = len({r.vehicle_id for r in routes if r.request_ids()})
    return {"km": summary.distance_m / 1000, "vehicles": float(vehicles), "shifts": float(summary.busy_routes)}


def _batch(dispatcher: LiveDispatcher, seconds: float, round_s: float, evening: datetime,
           cpu: bool) -> tuple[float, int, int]:
    from mobility.domain.batch import batch_rounds
    from routing.dispatcher.reoptimise import budget_of

    clock = time.process_time if cpu else time.perf_counter
    budget_of(dispatcher).clock = clock
    night = evening + timedelta(hours=5)  # 01:00
    plan = batch_rounds(DAY, lambda limit: dispatcher.reoptimise(night, limit, DAY),
                        lambda: dispatcher.day_summary(DAY), time_limit_s=seconds, round_s=round_s, clock=clock)
    return plan.seconds, plan.rounds, plan.improved_rounds


def main() -> None:
    """Build the plans, run the batch plans, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--seconds", type=float, default=300.0, help="the night's batch plan budget")
    parser.add_argument("--long", type=float, default=1800.0, help="the long run's budget (0: none)")
    parser.add_argument("--round", type=float, default=10.0, help="seconds per round")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--cpu", action="store_true", help="budgets in CPU seconds (a loaded, shared machine)")
    args = parser.parse_args()
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    requests = _requests(args.requests, args.seed)
    t = time.perf_counter()
    dispatcher, booked, evening = _insertion_plan(requests)
    insert_s = time.perf_counter() - t
    before = _figures(dispatcher, booked)
    seconds, rounds, improved = _batch(dispatcher, args.seconds, args.round, evening, args.cpu)
    after = _figures(dispatcher, booked)
    rows = [("requests / booked by insertion", f"{len(requests)} / {booked}", "-", "-"),
            ("insertion of all (s)", f"{insert_s:.1f}", "-", "-")]
    for key, unit in (("km", "km"), ("vehicles", "vehicles"), ("shifts", "shifts with rides")):
        rows.append((f"insertion-only plan: {unit}", f"{before[key]:.1f}", "-", "-"))
        rows.append((f"batch plan {args.seconds:.0f} s: {unit}", f"{after[key]:.1f}", f"{before[key]:.1f}",
                     f"{after[key] / before[key]:.3f}"))
    rows.append((f"batch plan {args.seconds:.0f} s: wall (s), rounds, improved", f"{seconds:.0f}, {rounds}, {improved}",
                 f"{args.seconds:.0f}", f"{seconds / args.seconds:.2f}"))
    if args.long > 0:
        other, booked_again, evening = _insertion_plan(requests)
        if booked_again != booked:
            raise SystemExit("the insertion-only plan is not reproducible")
        long_s, long_rounds, long_improved = _batch(other, args.long, args.round, evening, args.cpu)
        long = _figures(other, booked)
        for key, unit in (("km", "km"), ("vehicles", "vehicles")):
            rows.append((f"long run {args.long:.0f} s: {unit}", f"{long[key]:.1f}", "-", "-"))
            rows.append((f"batch plan {args.seconds:.0f} s against the long run: {unit}", f"{after[key]:.1f}",
                         f"{long[key]:.1f}", f"{after[key] / long[key]:.3f}"))
        rows.append((f"long run {args.long:.0f} s: wall (s), rounds, improved",
                     f"{long_s:.0f}, {long_rounds}, {long_improved}", "-", "-"))
    rows.append(("peak memory (MB)", f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}", "-", "-"))
    widths = [max(len(r[i]) for r in [("figure", "value", "anchor", "ratio"), *rows]) for i in range(4)]
    for row in [("figure", "value", "anchor", "ratio"), *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    print(f"load before: {load}")
    print(f"load after:  {subprocess.run(['uptime'], capture_output=True, text=True, check=False).stdout.strip()}")


if __name__ == "__main__":
    main()
