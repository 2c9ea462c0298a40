"""``mobility serve`` (the booking service with dispatcher and pages), ``mobility users …``, ``mobility db …``."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from mobility.app import Parts
    from mobility.config import Settings

users_app = typer.Typer(no_args_is_help=True)
db_app = typer.Typer(no_args_is_help=True)

ROLES_HELP = "resident, dispatcher, driver or admin"


def serve(
    *,
    host: Annotated[str | None, typer.Option(help="address to listen on (default MOBILITY_HOST or 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default MOBILITY_PORT or 8000)")] = None,
    database_url: Annotated[str | None, typer.Option(help="SQLAlchemy URL (default: SQLite file mobility.db)")] = None,
    region: Annotated[Path | None, typer.Option(
        help="region pack folder (mobility region build; default MOBILITY_REGION or the bundled district)")] = None,
    seed: Annotated[bool, typer.Option(help="create demo accounts on first start (empty user table)")] = True,
    background: Annotated[bool, typer.Option(help="re-optimise the plan in the background")] = True,
    rebuild_from_log: Annotated[bool, typer.Option(
        "--rebuild-from-log", help="rebuild bookings and plan from the event log instead of the stored plan")] = False,
) -> None:
    """Start the booking service: API, dispatcher, web pages — on the embedded SQLite store by default."""
    import uvicorn

    from booking.service.keys import KeyConfigError
    from mobility.app import build_services, create_app
    from mobility.cli.first_run import hand_out
    from mobility.config import SettingsError, load_settings
    from routing.fleet import FleetFileError
    from routing.network import NetworkError
    from routing.region import RegionError

    _log_safely()
    overrides: dict[str, object] = {
        k: v for k, v in {"host": host, "port": port, "database_url": database_url, "region": region}.items()
        if v is not None}
    if rebuild_from_log:
        overrides["restore_source"] = "log"
        typer.echo("Baue Buchungen und Fahrplan aus dem Ereignisprotokoll neu auf …")
    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        typer.echo(f"Einstellungen ungültig:\n{exc}", err=True)
        raise typer.Exit(2) from None
    where = settings.region or settings.network_path.name
    typer.echo(f"Lade {'Region' if settings.region else 'Straßennetz'} {where} und Flotte …")
    try:
        parts = build_services(settings)
        app = create_app(settings, parts=parts, background=background)
    except KeyConfigError as exc:
        typer.echo(f"Schlüssel fehlt oder ist unsicher: {exc}", err=True)
        raise typer.Exit(2) from None
    except (RegionError, NetworkError, FleetFileError) as exc:
        typer.echo(f"Fehler: {exc}", err=True)
        raise typer.Exit(2) from None
    _describe(settings, parts)
    if parts.restore_failures:
        typer.echo(f"Achtung: {len(parts.restore_failures)} Buchungen konnten nicht wieder eingeplant werden "
                   "(siehe Leitstelle → Probleme).")
    if seed:
        created = parts.services.accounts.seed(parts.dispatcher.vehicles())
        if created:
            hand_out(created, settings.data_dir, tty=sys.stdout.isatty(), echo=typer.echo)
    base = f"http://{settings.host}:{settings.port}"
    typer.echo(f"\nFahrgäste:  {base}/\nLeitstelle: {base}/dispatcher\nFahrer:     {base}/driver\n"
               f"API-Doku:   {base}/docs\n")
    # log_config=None: uvicorn's loggers go through the root handler above (and its filter); behind the reverse
    # proxy the client address comes from X-Forwarded-For of the addresses in FORWARDED_ALLOW_IPS
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", log_config=None, proxy_headers=True)


def _log_safely() -> None:
    """Log lines with time and level; a second line of defence: no hash, token or phone number in any of them."""
    from booking.service.logsafe import RedactingFilter

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter())
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _describe(settings: Settings, parts: Parts) -> None:
    """What the service starts with: network, fleet, database, booking rules, window, wait and fares."""
    source = parts.routing.network.meta.source
    typer.echo(f"Straßennetz: {source}" + (" (Näherung, kein echtes OSM-Netz)" if source == "approximate" else ""))
    typer.echo(f"Fahrzeuge: {len(parts.dispatcher.vehicles())}, Datenbank: {_safe_url(settings.database_url)}")
    rules = parts.services.config.booking_rules.name if settings.region else settings.booking_rules
    typer.echo(f"Buchungsregeln: {rules}, Abholfenster {settings.pickup_window_s // 60} Min., "
               f"Wartezeit bis Nichterscheinen {settings.no_show_wait_s // 60} Min., Tarif: "
               f"{_fares_of(settings)}")


def _fares_of(settings: Settings) -> object:
    from mobility.app import region_of

    pack = region_of(settings)
    return pack.fares if pack is not None else (settings.fares_path or "eingebaut")


def _safe_url(url: str) -> str:
    import sqlalchemy as sa

    return sa.make_url(url).render_as_string(hide_password=True)


@users_app.command("add")
def users_add(
    username: str,
    *,
    role: Annotated[str, typer.Option(help=ROLES_HELP)] = "resident",
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)] = "",
    display_name: Annotated[str | None, typer.Option(help="name shown to others")] = None,
    vehicle: Annotated[str | None, typer.Option(help="vehicle id (drivers)")] = None,
    phone: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Create an account."""
    from booking.service.accounts import AccountService
    from booking.service.errors import ServiceError
    from booking.store.engine import make_engine, make_session_factory, upgrade
    from mobility.config import Settings
    from mobility.domain.clock import SystemClock

    engine = make_engine(Settings().database_url)
    upgrade(engine)
    try:
        user = AccountService(make_session_factory(engine), SystemClock()).add(
            username, password, role, display_name, phone=phone, vehicle_id=vehicle)
    except ServiceError as exc:
        typer.echo(f"Fehler: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Konto {user.username} ({user.role}) angelegt.")


@users_app.command("disable")
def users_disable(username: str) -> None:
    """Lock an account (a running server honours it within 30 s)."""
    _set_active(username, active=False)


@users_app.command("enable")
def users_enable(username: str) -> None:
    """Unlock an account."""
    _set_active(username, active=True)


def _set_active(username: str, *, active: bool) -> None:
    from booking.service.accounts import AccountService
    from booking.service.errors import ServiceError
    from booking.store.engine import make_engine, make_session_factory, upgrade
    from mobility.config import Settings
    from mobility.domain.clock import SystemClock

    engine = make_engine(Settings().database_url)
    upgrade(engine)
    try:
        AccountService(make_session_factory(engine), SystemClock()).set_active(username, active)
    except ServiceError as exc:
        typer.echo(f"Fehler: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Konto {username} {'entsperrt' if active else 'gesperrt'}.")


@users_app.command("list")
def users_list() -> None:
    """List the accounts (never passwords)."""
    from booking.store.engine import make_engine, make_session_factory, upgrade
    from booking.store.users import list_users
    from mobility.config import Settings

    engine = make_engine(Settings().database_url)
    upgrade(engine)
    with make_session_factory(engine)() as session:
        for user in list_users(session):
            typer.echo(f"{user.username:<24} {user.role:<10} {user.vehicle_id or ''}")


EXTENSIONS = ("postgis", "btree_gist")  # geometry columns; the exclusion constraint against double-booked pool cars


@db_app.command("init")
def db_init(
    database_url: Annotated[str | None, typer.Option(help="SQLAlchemy URL (default MOBILITY_DATABASE_URL)")] = None,
    migrate: Annotated[bool, typer.Option(
        help="migrate to the newest revision (--no-migrate: extensions only, e.g. for the tests' database, whose "
             "tests make their own schemas)")] = True,
) -> None:
    """Prepare the database for the service: on PostgreSQL create the extensions postgis and btree_gist (needs a
    role allowed to create them, e.g. the database owner or postgres), then migrate to the newest revision."""
    import sqlalchemy as sa

    from booking.store.engine import current_revision, make_engine, upgrade
    from mobility.config import SettingsError, load_settings

    try:
        url = database_url or load_settings().database_url
    except SettingsError as exc:
        typer.echo(f"Einstellungen ungültig:\n{exc}", err=True)
        raise typer.Exit(2) from None
    engine = make_engine(url)
    try:
        if engine.dialect.name == "postgresql":
            try:
                with engine.begin() as conn:
                    for name in EXTENSIONS:
                        conn.execute(sa.text(f"CREATE EXTENSION IF NOT EXISTS {name}"))
            except sa.exc.DBAPIError as exc:
                typer.echo(f"Fehler: Erweiterungen {', '.join(EXTENSIONS)} nicht angelegt "
                           f"({_safe_url(url)}): {str(exc.orig).strip().splitlines()[0]}", err=True)
                raise typer.Exit(1) from None
            typer.echo(f"Erweiterungen vorhanden: {', '.join(EXTENSIONS)}.")
        if migrate:
            upgrade(engine)
            typer.echo(f"Datenbank {_safe_url(url)} auf Stand {current_revision(engine)}.")
    finally:
        engine.dispose()


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the configured database (MOBILITY_DATABASE_URL) to ``revision``."""
    from booking.store.engine import current_revision, make_engine, upgrade
    from mobility.config import Settings

    engine = make_engine(Settings().database_url)
    upgrade(engine, revision)
    typer.echo(f"Datenbank auf Stand {current_revision(engine)}.")
