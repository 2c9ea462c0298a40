"""``mobility network …``: build, inspect and query the road network."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from mobility.domain.geo import Point
    from routing.network import RoadNetwork

app = typer.Typer(no_args_is_help=True)

NetworkOption = Annotated[
    Path | None, typer.Option("--network", help="network file (default: MOBILITY_NETWORK_PATH or the bundled one)")
]
_LONLAT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(code=1)


def _load(path: Path | None) -> RoadNetwork:
    from mobility.config import Settings
    from routing.network import NetworkError, load_network

    try:
        return load_network(path or Settings().network_path)
    except NetworkError as exc:
        raise _fail(exc) from exc


def _source_line(network: RoadNetwork) -> str:
    if network.meta.is_approximate:
        return "source: approximate (offline approximation from stops and settlements, not real roads)"
    return f"source: {network.meta.source}"


@app.command()
def build(
    *,
    approximate: Annotated[bool, typer.Option("--approximate", help="offline network from data/salzlandkreis")] = False,
    extract: Annotated[
        Path | None, typer.Option("--extract", help="local OSM extract (.osm, .osm.gz, .osm.bz2, .osm.pbf)")
    ] = None,
    overpass: Annotated[bool, typer.Option("--overpass", help="download the drivable network via Overpass")] = False,
    polygon: Annotated[
        Path | None,
        typer.Option("--polygon", help="GeoJSON boundary to clip to (default: the district)"),
    ] = None,
    place: Annotated[
        str | None, typer.Option("--place", help='boundary from Nominatim, e.g. "Salzlandkreis, Sachsen-Anhalt"')
    ] = None,
    clip: Annotated[bool, typer.Option(help="clip an extract to the district (off: use the whole extract)")] = True,
    out: Annotated[Path | None, typer.Option("--out", help="where to write the .network.npz")] = None,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help="district data (stops, settlements)")] = None,
    matrix: Annotated[bool, typer.Option(help="also compute and cache the all-stops matrix")] = True,
) -> None:
    """Build a network: --approximate (offline), --extract FILE (local OSM) or --overpass (online)."""
    from mobility.cli.network_build import Mode, run_build

    if sum([approximate, extract is not None, overpass]) != 1:
        raise _fail(ValueError("choose exactly one of --approximate, --extract FILE, --overpass"))
    mode: Mode = "approximate" if approximate else ("extract" if extract is not None else "overpass")
    try:
        network, path = run_build(
            mode, extract=extract, polygon=polygon, place=place, clip=clip, out=out, data_dir=data_dir
        )
    except ValueError as exc:
        raise _fail(exc) from exc
    typer.echo(f"wrote {path}")
    _print_info(network)
    if matrix and network.stops:
        _matrix_with_progress(network)


def _matrix_with_progress(network: RoadNetwork) -> None:
    from tqdm import tqdm

    from mobility.config import Settings

    with tqdm(total=len(network.stops), desc="all-stops matrix", unit="stop") as bar:
        result = network.stop_matrix(Settings().cache_dir, progress=bar.update)
    typer.echo(f"matrix: {len(result)} × {len(result)} stops cached in {Settings().cache_dir}")


def _print_info(network: RoadNetwork) -> None:
    m = network.meta
    kinds = {k: sum(1 for s in network.stops if s.kind == k) for k in {s.kind for s in network.stops}}
    lines = [
        _source_line(network),
        f"built: {m.built_at}",
        f"nodes: {m.nodes:,}",
        f"edges: {m.edges:,}",
        f"road: {m.road_km:,.1f} km",
        f"bbox: lon {m.bbox[0]:.4f}–{m.bbox[2]:.4f}, lat {m.bbox[1]:.4f}–{m.bbox[3]:.4f}",
        "stops: " + f"{m.stops:,}" + "".join(f", {n} {k.value}" for k, n in sorted(kinds.items())),
        f"hash: {m.hash[:16]}",
        f"attribution: {m.attribution}",
    ]
    typer.echo("\n".join(lines))


@app.command()
def info(network: NetworkOption = None) -> None:
    """Show the configured network: source, nodes, edges, km of road, bbox, stops."""
    _print_info(_load(network))


def _place(net: RoadNetwork, text: str) -> tuple[Point, str]:
    from mobility.domain.geo import Point

    match = _LONLAT.match(text)
    if match:
        point = Point(float(match.group(1)), float(match.group(2)))
        return point, f"{point.lon:.5f},{point.lat:.5f}"
    stop = net.find_stop(text)
    return stop.point, f"{stop.name} [{stop.id}]"


@app.command()
def route(
    origin: Annotated[str, typer.Argument(metavar="FROM", help="stop name, stop id or lon,lat")],
    destination: Annotated[str, typer.Argument(metavar="TO", help="stop name, stop id or lon,lat")],
    network: NetworkOption = None,
) -> None:
    """Fastest drive between two stops or points: time and distance."""
    net = _load(network)
    try:
        a, a_label = _place(net, origin)
        b, b_label = _place(net, destination)
        result = net.route(a, b)
    except ValueError as exc:
        raise _fail(exc) from exc
    minutes, seconds = divmod(result.duration_s, 60)
    typer.echo(
        "\n".join(
            [
                _source_line(net),
                f"from: {a_label}",
                f"to: {b_label}",
                f"time: {minutes} min {seconds:02d} s ({result.duration_s} s)",
                f"distance: {result.distance_m / 1000:.1f} km ({result.distance_m} m)",
            ]
        )
    )
