"""``mobility rehearse``: a service day played against the real service (the app of ``mobility serve``).

This module is a composition root: it builds the service on a settable clock (SQLite file in ``--out`` or PostGIS in
a fresh schema), serves it over real HTTP on a free loopback port, and hands :mod:`mobility.rehearsal` the address,
the clock and a narrow control port (staff accounts, the service's clock work).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mobility.cli.logfile import log_to
from mobility.config import REPO_ROOT

if TYPE_CHECKING:
    from mobility.app import Parts, Routing
    from mobility.domain.fleet import Vehicle
    from mobility.rehearsal.run import Options, Rehearsal
    from mobility.simulation.scenario import Scenario

DEFAULT_REGION = REPO_ROOT / "scenarios" / "default.toml"


class Control:
    """The control port on the built service: accounts as ``mobility users add`` makes them, the service's clock."""

    def __init__(self, parts: Parts) -> None:
        self.parts = parts

    def add_account(self, username: str, password: str, role: str, display_name: str, *,
                    vehicle_id: str | None = None) -> None:
        """Create a staff account."""
        self.parts.services.accounts.add(username, password, role, display_name, vehicle_id=vehicle_id)

    def close_the_past(self, now: datetime) -> bool:
        """The service's clock closes the past (what its background loop does every few seconds)."""
        del now  # the service reads the same clock
        return bool(self.parts.services.operations.advance_clock())


def pick_fleet(vehicles: Sequence[Vehicle], count: int | None) -> list[Vehicle]:
    """``count`` vehicles spread over depots and types: round-robin over the fleet file's groups, minibuses first."""
    if count is None or count >= len(vehicles):
        return list(vehicles)
    groups: dict[tuple[bool, str], list[Vehicle]] = {}
    for v in vehicles:
        key = (v.type.kind != "minibus", v.id.rstrip("0123456789"))
        groups.setdefault(key, []).append(v)
    picked: list[Vehicle] = []
    for pool_cars in (False, True):
        keys = [k for k in groups if k[0] is pool_cars]
        for depth in range(max((len(groups[k]) for k in keys), default=0)):
            picked += [groups[k][depth] for k in keys if depth < len(groups[k])]
    return picked[:count]


@contextmanager
def served_service(settings_overrides: dict[str, Any], options: Options, *, vehicles: int | None,
                   routing: Routing | None = None, schema: str | None = None) -> Iterator[Any]:
    """Build the service on a :class:`SteppingClock` and serve it; yields the rehearsal's :class:`Service`."""
    from booking.service.security import light_hasher
    from mobility.app import build_services, create_app, load_routing, region_of
    from mobility.config import Settings
    from mobility.rehearsal.clock import SteppingClock
    from mobility.rehearsal.ports import Service
    from mobility.rehearsal.server import Served
    from routing.fleet import load_fleet

    settings = Settings(**settings_overrides)
    day = options.scenario.scenario.date
    clock = SteppingClock(datetime.combine(day - timedelta(days=1), time(12, 0), tzinfo=options.scenario.tz))
    routing = routing or load_routing(settings)
    pack = region_of(settings)
    fleet_file = {"path": pack.fleet} if pack is not None else {}
    fleet = pick_fleet(load_fleet(**fleet_file, first_day=day, days=1), vehicles)
    # accounts with the light argon2 parameters: a thousand residents sign up, the hashing is not under test here
    parts = build_services(settings, clock=clock, fleet=fleet, routing=routing, schema=schema, hasher=light_hasher())
    app = create_app(settings, parts=parts, background=False)
    try:
        with Served(app) as url:
            yield Service(url, clock, Control(parts), routing.directory, routing.matrix, tuple(fleet),
                          parts.engine.dialect.name)
    finally:
        parts.engine.dispose()


@contextmanager
def fresh_schema(url: str, keep: bool = False) -> Iterator[str]:
    """A new PostgreSQL schema for one rehearsal, dropped afterwards unless ``keep``."""
    import sqlalchemy as sa

    schema = "rehearsal_" + uuid.uuid4().hex[:10]
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield schema
    finally:
        if not keep:
            with admin.begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def run_rehearsal(options: Options, out: Path, *, database_url: str | None = None, vehicles: int | None = None,
                  solver_seconds: float = 1.0, routing: Routing | None = None, keep_schema: bool = False,
                  settings: dict[str, Any] | None = None) -> Rehearsal:
    """Rehearse on SQLite (a file in ``out``) or on ``database_url`` (PostgreSQL: a fresh schema); write the report."""
    from mobility.rehearsal.run import rehearse

    out.mkdir(parents=True, exist_ok=True)
    overrides: dict[str, Any] = {"secret_key": "rehearsal-" + uuid.uuid4().hex, "tile_url": "",
                                 "access_token_minutes": 24 * 60,  # the crew signs in once for the whole run
                                 "solver_time_limit_s": solver_seconds, **(settings or {})}
    with log_to(out / "rehearsal.log"):
        if database_url is None or not database_url.startswith("postgresql"):
            db = out / "rehearsal.db"
            for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
                path.unlink(missing_ok=True)
            overrides["database_url"] = database_url or f"sqlite:///{db}"
            with served_service(overrides, options, vehicles=vehicles, routing=routing) as service:
                result = rehearse(service, options)
        else:
            overrides["database_url"] = database_url
            with fresh_schema(database_url, keep_schema) as schema, served_service(
                    overrides, options, vehicles=vehicles, routing=routing, schema=schema) as service:
                result = rehearse(service, options)
    result.report.write(out)
    if result.crew is not None:
        result.crew.write_trails(out / "drivers")
    return result


def _on_pack(scenario: Scenario, folder: Path) -> Scenario:
    """The scenario on the region pack in ``folder``; errors name the file."""
    from mobility.cli.region_scenario import for_region
    from mobility.simulation.scenario import ScenarioError
    from routing.fleet import FleetFileError
    from routing.region import RegionError, load_pack

    try:
        return for_region(scenario, load_pack(folder))
    except (RegionError, ScenarioError, FleetFileError) as exc:
        typer.echo(f"Fehler: {exc}", err=True)
        raise typer.Exit(2) from None


def _clock_time(text: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        typer.echo(f"Fehler: --start: {text!r} ist keine Uhrzeit wie 06:00", err=True)
        raise typer.Exit(2) from None


def rehearse(  # noqa: PLR0917 - a typer command declares its options as parameters
    out: Annotated[Path, typer.Option(help="output folder: report.json, report.md, rehearsal.log, the SQLite file")],
    region: Annotated[Path, typer.Option(
        help="region pack folder (mobility region build), or — as before — a scenario file")] = DEFAULT_REGION,
    scenario_file: Annotated[Path | None, typer.Option(
        "--scenario", help="scenario file with the demand model, day and seed (default scenarios/default.toml)")]
    = None,
    database_url: Annotated[str | None, typer.Option(
        help="postgresql+psycopg://… (a fresh schema, dropped afterwards); default: SQLite in --out")] = None,
    start: Annotated[str, typer.Option(help="local start of the service window")] = "06:00",
    hours: Annotated[float, typer.Option(min=0.5, max=18, help="service hours rehearsed")] = 16.0,
    vehicles: Annotated[int | None, typer.Option(min=1, help="vehicles of the default fleet (default: all)")] = None,
    requests: Annotated[int | None, typer.Option(min=0, help="requests (default: per-capita rate of the window)")]
    = None,
    speed: Annotated[float | None, typer.Option(
        min=0.1, help="at most this many simulated seconds per second, to watch the pages (default: no waiting)")]
    = None,
    seed: Annotated[int | None, typer.Option(help="seed of demand and noise (default: the scenario's)")] = None,
    screens: Annotated[Path | None, typer.Option(help="folder for screenshots (Chromium) morning, midday, evening")]
    = None,
    solver_seconds: Annotated[float, typer.Option(min=0.1, help="time limit of each re-optimisation")] = 1.0,
    replan_every: Annotated[int, typer.Option(min=1, help="re-optimise every N simulated minutes")] = 15,
    travel_noise: Annotated[float, typer.Option(min=0.0, max=0.9, help="drive time factor 1 ± this")] = 0.15,
    keep_schema: Annotated[bool, typer.Option(help="keep the PostgreSQL schema after the run")] = False,
) -> None:
    """Play a service day through the real interfaces and check the invariants; prints the table of figures."""
    from mobility.rehearsal.dispatcher import DeskHabits
    from mobility.rehearsal.run import Options
    from mobility.rehearsal.world import Noise
    from mobility.simulation.scenario import ScenarioError, load_scenario

    pack_dir = region if region.is_dir() else None
    try:
        scenario = load_scenario(scenario_file or (DEFAULT_REGION if pack_dir is not None else region))
    except ScenarioError as exc:
        typer.echo(f"Fehler: {exc}", err=True)
        raise typer.Exit(2) from None
    settings: dict[str, Any] = {}
    if pack_dir is not None:
        scenario = _on_pack(scenario, pack_dir)
        settings["region"] = pack_dir
    desk = replace(DeskHabits(), reoptimise_every_s=replan_every * 60)
    options = Options(scenario=scenario, start=_clock_time(start), hours=hours, requests=requests, seed=seed,
                      noise=Noise(travel=travel_noise), desk=desk, screens=screens, speed=speed, progress=typer.echo)
    result = run_rehearsal(options, out, database_url=database_url, vehicles=vehicles, solver_seconds=solver_seconds,
                           keep_schema=keep_schema, settings=settings)
    typer.echo(result.report.table())
    counts = result.report.observation_counts
    typer.echo(f"Beobachtungen: {counts or 'keine'} → {out / 'report.md'}")
    if not result.report.ok:
        raise typer.Exit(1)
