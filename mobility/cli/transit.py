"""``mobility transit import FEED.zip``: read a GTFS timetable into the store (rail connections, docs/transit.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True)


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError:
        raise typer.BadParameter("vier Zahlen: west,süd,ost,nord (Grad WGS84)", param_hint="--bbox") from None
    if not (west < east and south < north):
        raise typer.BadParameter("west < ost und süd < nord", param_hint="--bbox")
    return west, south, east, north


@app.command("import")
def import_(
    feed: Annotated[Path, typer.Argument(help="GTFS feed (zip)")],
    *,
    name: Annotated[str, typer.Option(help="name of the feed in the store; importing again replaces it")] = "default",
    bbox: Annotated[str | None, typer.Option(help="keep stops in west,south,east,north (a statewide feed for one "
                                                  "district)")] = None,
) -> None:
    """Check every row of a GTFS feed and store its stops, trips, calendar and stop times (one transaction).

    A broken feed stops with the file, line and field at fault and stores nothing.
    """
    from datetime import UTC, datetime

    from booking.service.transit import import_feed
    from booking.store.engine import make_engine, make_session_factory, upgrade
    from booking.transit.gtfs import GtfsError
    from mobility.config import Settings

    box = _bbox(bbox)
    if not feed.is_file():
        typer.echo(f"Fehler: {feed}: Datei nicht gefunden", err=True)
        raise typer.Exit(2)
    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        counts = import_feed(make_session_factory(engine), feed, name, datetime.now(UTC), box)
    except GtfsError as exc:
        typer.echo(f"Fehler: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    typer.echo(f"Fahrplan „{name}“ eingelesen: {counts.stops} Haltestellen, {counts.trips} Fahrten, "
               f"{counts.stop_times} Halte.")
