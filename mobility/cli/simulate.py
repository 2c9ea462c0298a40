"""``mobility simulate`` and ``mobility sweep``: the planner simulation wired to the real network and dispatcher.

This module is a composition root: it loads the road network (routing), builds the LiveDispatcher and hands it to
:mod:`mobility.simulation`, which itself knows only the domain's ports.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mobility.cli.logfile import log_to

if TYPE_CHECKING:
    from mobility.domain.clock import ManualClock
    from mobility.domain.fleet import Vehicle
    from mobility.domain.ports import Dispatcher, StopDirectory, TravelTimes
    from mobility.simulation.run import Outline, RunResult
    from mobility.simulation.scenario import Scenario
    from routing.region import RegionPack


@dataclass(frozen=True)
class World:
    """The loaded network as the simulation sees it: stops and travel times."""

    directory: StopDirectory
    travel: TravelTimes
    outline: Outline = ()  # the service area's outer rings (lon, lat) for the report's map

    def make_dispatcher(self, scenario: Scenario, vehicles: Sequence[Vehicle], clock: ManualClock) -> Dispatcher:
        """A fresh LiveDispatcher configured from the scenario's ``[dispatch]`` table."""
        from mobility.domain.rules import rule_set
        from routing.dispatcher.config import DispatcherConfig
        from routing.dispatcher.live import LiveDispatcher

        d = scenario.dispatch
        config = DispatcherConfig(
            pickup_window_s=round(d.pickup_window_min * 60), ride_alpha=d.max_ride_alpha,
            ride_beta_s=round(d.max_ride_beta_min * 60), stop_service_s=d.stop_service_s,
            no_show_wait_s=d.no_show_wait_s, timezone=scenario.scenario.timezone, rules=rule_set(d.rules),
        )
        dispatcher = LiveDispatcher(directory=self.directory, travel=self.travel, fleet=vehicles, config=config)
        from routing.dispatcher.reoptimise import budget_of

        budget_of(dispatcher).workers = d.solver_workers
        if d.solver_clock == "cpu":
            import time

            budget_of(dispatcher).clock = time.process_time
        return dispatcher


@lru_cache(maxsize=2)
def load_world(network_path: str | None = None, cache_dir: str | None = None) -> World:
    """The network at ``network_path`` (default: the configured one) with its all-stops matrix; cached per process."""
    from mobility.config import Settings
    from routing.directory import NetworkStopDirectory
    from routing.network import load_network

    settings = Settings()
    network = load_network(Path(network_path) if network_path else settings.network_path)
    matrix = network.stop_matrix(Path(cache_dir) if cache_dir else settings.cache_dir)
    return World(NetworkStopDirectory(network, walk_limit_m=settings.walk_limit_m), matrix,
                 outline_of(network.service_area))


def outline_of(area: Any) -> Outline:
    """The outer rings of a shapely (Multi)Polygon as (lon, lat) tuples — what the report's map draws."""
    polygons = getattr(area, "geoms", [area])
    return tuple(tuple((float(x), float(y)) for x, y in p.exterior.coords) for p in polygons
                 if hasattr(p, "exterior"))


def run_scenario(scenario: Scenario, *, network_path: str | None = None, progress: bool = False) -> RunResult:
    """Simulate ``scenario`` on the configured network with the real dispatcher."""
    from mobility.simulation.run import simulate

    world = load_world(network_path)
    return simulate(scenario, world.directory, world.travel, world.make_dispatcher, progress=progress,
                    outline=world.outline)


def sweep_task(scenario: Scenario, network_path: str | None = None) -> dict[str, Any]:
    """One sweep run on a worker: the key figures without the per-municipality tables."""
    result = run_scenario(scenario, network_path=network_path)
    return {k: v for k, v in result.kpis.items() if not isinstance(v, dict) or k in {"wall_s", "calls"}}


def _load(path: Path) -> Scenario:
    from mobility.simulation.scenario import ScenarioError, load_scenario

    try:
        return load_scenario(path)
    except ScenarioError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from None


def _pack(folder: Path) -> RegionPack:
    from routing.region import RegionError, load_pack

    try:
        return load_pack(folder)
    except RegionError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from None


def _on_region(scenario: Scenario, pack: RegionPack, vehicles: int | None) -> Scenario:
    from mobility.cli.region_scenario import for_region
    from mobility.simulation.scenario import ScenarioError
    from routing.fleet import FleetFileError

    try:
        return for_region(scenario, pack, vehicles=vehicles)
    except (ScenarioError, FleetFileError) as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from None


def _overrides(scenario: Scenario, requests: int | None, vehicles: int | None, seed: int | None) -> Scenario:
    from mobility.simulation.scenario import ScenarioError

    changes: dict[str, Any] = {}
    if requests is not None:
        changes["demand.requests"] = requests
    if vehicles is not None:
        changes["fleet.vehicles"] = vehicles
    if seed is not None:
        changes["scenario.seed"] = seed
    try:
        return scenario.with_overrides(changes) if changes else scenario
    except ScenarioError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from None


def _echo_summary(result: RunResult, out: Path) -> None:
    k = result.kpis
    typer.echo(
        f"{result.scenario.scenario.name}: {k['requests']} requests, service rate {k['service_rate']:.1%}, "
        f"served {k['outcomes'].get('served', 0)}, wait p50 {k['wait_min_p50']:.1f} min / p95 "
        f"{k['wait_min_p95']:.1f} min, pooled {k['pooled_share']:.1%}, occupancy {k['occupancy']:.2f}, "
        f"{k['vehicle_km']:.0f} vehicle-km, {k['co2_kg']:.0f} kg CO₂, "
        f"{k['cost_per_passenger_eur']:.2f} €/passenger, "
        f"violations {k['violations']}, promises broken {k['promises_broken']} "
        f"(network: {result.network_source}) → {out}"
    )


def simulate(  # noqa: PLR0917 - a typer command declares its options as parameters
    scenarios: Annotated[list[Path], typer.Argument(help="scenario file(s); two or more are also compared")],
    out: Annotated[Path, typer.Option(help="output folder")] = Path("simulation-out"),
    requests: Annotated[int | None, typer.Option(help="override demand.requests")] = None,
    vehicles: Annotated[int | None, typer.Option(help="override fleet.vehicles")] = None,
    seed: Annotated[int | None, typer.Option(help="override scenario.seed")] = None,
    network: Annotated[Path | None, typer.Option(help="road network file (default: configured)")] = None,
    progress: Annotated[bool, typer.Option(help="show progress bars")] = True,
    region: Annotated[Path | None, typer.Option(
        help="region pack folder: its network, depots, fleet size and demand data (docs/regions.md)")] = None,
) -> None:
    """Simulate one day of a scenario with the real dispatcher: HTML report, CSV/Parquet and a JSON summary."""
    from mobility.simulation.outputs import write_outputs
    from mobility.simulation.report import write_comparison, write_report

    loaded = [_overrides(_load(p), requests, vehicles, seed) for p in scenarios]
    if region is not None:
        pack = _pack(region)
        network = pack.network
        loaded = [_on_region(s, pack, vehicles) for s in loaded]
    results = []
    for path, scenario in zip(scenarios, loaded, strict=True):
        target = out / path.stem if len(scenarios) > 1 else out
        with log_to(target / "simulation.log"):
            result = run_scenario(scenario, network_path=str(network) if network else None, progress=progress)
        write_outputs(result, target)
        write_report(result, target / "report.html")
        _echo_summary(result, target / "report.html")
        results.append(result)
    if len(results) > 1:
        typer.echo(f"comparison → {write_comparison(results, out / 'comparison.html')}")


def _ints(text: str, what: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        typer.echo(f"Error: --{what}: give whole numbers separated by commas, got {text!r}", err=True)
        raise typer.Exit(2) from None
    if not values or any(v <= 0 and what == "vehicles" for v in values):
        typer.echo(f"Error: --{what}: must list positive numbers, got {text!r}", err=True)
        raise typer.Exit(2)
    return values


def sweep(  # noqa: PLR0917 - a typer command declares its options as parameters
    scenario_file: Annotated[Path, typer.Argument(help="base scenario file")],
    vehicles: Annotated[str, typer.Option(help="fleet sizes, comma-separated")] = "10,20,30,40",
    rules: Annotated[str, typer.Option(help="booking rule sets, comma-separated (instant, kvg)")] = "instant",
    seeds: Annotated[str, typer.Option(help="seeds, comma-separated")] = "1,2",
    address: Annotated[str | None, typer.Option(help="Dask scheduler address (default: a local cluster)")] = None,
    workers: Annotated[int, typer.Option(min=1, help="local cluster worker processes")] = 2,
    out: Annotated[Path, typer.Option(help="output folder")] = Path("sweep-out"),
    network: Annotated[Path | None, typer.Option(help="road network file (default: configured)")] = None,
) -> None:
    """Fleet size × rule variants × seeds in parallel on Dask: a curve of service rate and cost per passenger."""
    from functools import partial

    from mobility.simulation.sweep import SweepError, run_sweep, sweep_curve, sweep_points
    from mobility.simulation.sweep_report import write_sweep

    base = _load(scenario_file)
    variants = [r.strip() for r in rules.split(",") if r.strip()]
    for name in variants:
        _overrides_rules(base, name)
    points = sweep_points(_ints(vehicles, "vehicles"), variants, _ints(seeds, "seeds"))
    task = partial(sweep_task, network_path=str(network) if network else None)
    try:
        with log_to(out / "sweep.log"):
            rows = run_sweep(base, points, task, address=address, workers=workers)
    except SweepError as exc:
        typer.echo(f"Error: {exc} (details in {out / 'sweep.log'})", err=True)
        raise typer.Exit(1) from None
    curve = sweep_curve(rows)
    written = write_sweep(rows, curve, out, title=base.scenario.name, scenario=base)
    for item in curve:
        typer.echo(f"{item['rules']:>8} {item['vehicles']:>4} vehicles: service rate {item['service_rate']:.1%}, "
                   f"{item['cost_per_passenger_eur']:.2f} €/passenger")
    typer.echo(json.dumps([str(p) for p in written]))


def _overrides_rules(scenario: Scenario, name: str) -> None:
    from mobility.simulation.scenario import ScenarioError

    try:
        scenario.with_overrides({"dispatch.rules": name})
    except ScenarioError as exc:
        typer.echo(f"Error: --rules: {exc}", err=True)
        raise typer.Exit(2) from None
