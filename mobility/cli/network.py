"""``mobility network …``: build, inspect and query the road network."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)


@app.command()
def info() -> None:
    """Show the configured network: source, nodes, edges, km of road, bbox, stops."""
    typer.echo("not built yet")
