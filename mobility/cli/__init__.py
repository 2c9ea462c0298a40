"""The ``mobility`` command line: serve, network, bench, simulate …

Each command group lives in its own module and is registered here; heavy imports happen inside the
commands, never at import time.
"""

from __future__ import annotations

import typer

from mobility.cli import network as network_cli
from mobility.cli import privacy as privacy_cli
from mobility.cli import region as region_cli
from mobility.cli import rehearse as rehearse_cli
from mobility.cli import serve as serve_cli
from mobility.cli import simulate as simulate_cli
from mobility.cli import transit as transit_cli

app = typer.Typer(
    name="mobility",
    help="Salzland mobility: on-demand rides and pool cars for the Salzlandkreis.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(network_cli.app, name="network", help="Build, inspect and query the road network.")
app.add_typer(region_cli.app, name="region", help="Region packs: build one for any region, inspect one.")
app.command("serve")(serve_cli.serve)
app.add_typer(serve_cli.users_app, name="users", help="Accounts of the booking service.")
app.add_typer(serve_cli.db_app, name="db", help="The booking store (migrations).")
app.add_typer(privacy_cli.app, name="privacy", help="Retention of personal data (purge).")
app.command("simulate")(simulate_cli.simulate)
app.command("sweep")(simulate_cli.sweep)
app.command("rehearse")(rehearse_cli.rehearse)
app.add_typer(transit_cli.app, name="transit", help="Timetables of trains and buses (rail connections).")


def main() -> None:
    """Entry point of the ``mobility`` console script."""
    app()
