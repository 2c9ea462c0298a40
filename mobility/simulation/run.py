"""One scenario end to end: fleet, demand, the dispatcher (built by a factory the composition root hands in), the run,
legs, key figures and the check of the executed tours."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any, Protocol

from mobility.demand import build_demand
from mobility.demand.generator import SyntheticRequest
from mobility.demand.zones import Zones
from mobility.domain.clock import ManualClock
from mobility.domain.fleet import Vehicle
from mobility.domain.ports import Dispatcher, StopDirectory, TravelTimes
from mobility.simulation.engine import SimulationSetup, run_simulation
from mobility.simulation.fleet import build_fleet
from mobility.simulation.kpis import compute_kpis
from mobility.simulation.legs import Leg, build_legs
from mobility.simulation.records import RunLog
from mobility.simulation.scenario import Scenario
from mobility.simulation.validate import Violation, validate_run

Ring = tuple[tuple[float, float], ...]
Outline = tuple[Ring, ...]  # polygons' outer rings of (lon, lat) pairs


class DispatcherFactory(Protocol):
    """Builds the dispatcher for a run (the composition root knows the concrete class)."""

    def __call__(self, scenario: Scenario, vehicles: Sequence[Vehicle], clock: ManualClock) -> Dispatcher:
        """A fresh dispatcher with an empty plan for ``vehicles`` on ``clock``."""
        ...


@dataclass
class RunResult:
    """Everything a run produced."""

    scenario: Scenario
    network_source: str
    zones: Zones
    requests: list[SyntheticRequest]
    vehicles: list[Vehicle]
    depot_index: dict[str, int]
    log: RunLog
    legs: list[Leg]
    kpis: dict[str, Any]
    violations: list[Violation] = field(default_factory=list)
    outline: Outline = ()  # the service area's rings of (lon, lat), for the report's map; () = none handed in


def simulate(
    scenario: Scenario,
    directory: StopDirectory,
    travel_times: TravelTimes,
    make_dispatcher: DispatcherFactory,
    *,
    progress: bool = False,
    outline: Outline = (),
) -> RunResult:
    """Run ``scenario``; the same scenario and seed give the same key figures. ``outline`` (the service area as
    rings of lon/lat pairs, from the composition root) only goes into the report's map."""
    meta = scenario.scenario
    vehicles = build_fleet(scenario.fleet, directory, meta.date, scenario.tz)
    depot_index = {v.id: directory.snap(v.depot, 5_000)[0].index for v in vehicles}
    zones, requests = build_demand(directory.stops(), scenario.demand, meta.date, scenario.tz, meta.seed)
    start = min([datetime.combine(meta.date, time(0), tzinfo=scenario.tz), *(r.request.submitted_at for r in requests)])
    clock = ManualClock(start)
    dispatcher = make_dispatcher(scenario, vehicles, clock)
    setup = SimulationSetup(scenario, dispatcher, directory, travel_times, clock, vehicles, requests, progress=progress)
    log = run_simulation(setup)
    legs = build_legs(log.visits, vehicles, depot_index, travel_times)
    kpis = compute_kpis(log, legs, vehicles, scenario.costs)
    kpis["network_source"] = directory.network_source
    kpis["wall_s"] = {k: round(v, 3) for k, v in log.wall_s.items()}
    kpis["calls"] = dict(log.calls)
    violations: list[Violation] = []
    if scenario.simulation.validate_tours:
        dispatch = scenario.dispatch
        violations = validate_run(log, vehicles, depot_index, travel_times, alpha=dispatch.max_ride_alpha,
                                  beta_s=dispatch.max_ride_beta_min * 60)
    kpis["violations"] = sum(not v.promise for v in violations)
    kpis["promises_broken"] = sum(v.promise for v in violations)
    kpis["promises_broken_unexplained"] = sum(v.promise and not v.cause for v in violations)
    return RunResult(scenario, directory.network_source, zones, requests, vehicles, depot_index, log, legs, kpis,
                     violations, outline)
