"""``mobility privacy purge``: the retention run (the background loop does the same every hour)."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True)


@app.command("purge")
def purge(
    *,
    quote_hours: Annotated[float | None, typer.Option(help="unbooked offers older than this go")] = None,
    rider_days: Annotated[int | None, typer.Option(help="trips older than this are pseudonymised")] = None,
) -> None:
    """Delete unbooked offers past their retention, pseudonymise rider data of long-past trips, delete ended
    sign-ins (defaults: MOBILITY_QUOTE_RETENTION_H, MOBILITY_RIDER_RETENTION_DAYS); prints what was done."""
    from dataclasses import asdict
    from datetime import UTC, datetime, timedelta

    from booking.service.privacy import purge_store
    from booking.store.engine import make_engine, make_session_factory, upgrade
    from mobility.config import Settings

    settings = Settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    total: dict[str, int] = {}
    while True:  # batches of 1,000 bookings until nothing is left
        report = purge_store(sessions, datetime.now(UTC),
                             quote_retention=timedelta(hours=quote_hours or settings.quote_retention_h),
                             rider_retention=timedelta(days=rider_days or settings.rider_retention_days))
        for key, value in asdict(report).items():
            total[key] = total.get(key, 0) + value
        if report.bookings_pseudonymised < 1_000:
            break
    engine.dispose()
    typer.echo(f"Angebote gelöscht: {total['offers_deleted']}, Buchungen pseudonymisiert: "
               f"{total['bookings_pseudonymised']}, Protokolleinträge pseudonymisiert: "
               f"{total['events_pseudonymised']}, beendete Anmeldungen gelöscht: {total['sessions_deleted']}")
