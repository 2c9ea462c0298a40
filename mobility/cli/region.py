"""``mobility region build`` and ``mobility region info``: region packs (see docs/regions.md)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from routing.region.build import BuildReport

app = typer.Typer(no_args_is_help=True)


@app.command("build")
def build(  # noqa: PLR0917 - a typer command declares its options as parameters
    stops: Annotated[Path, typer.Option(help="GTFS stops.txt or a whole GTFS zip")],
    out: Annotated[Path, typer.Option(help="folder of the new region pack")],
    extract: Annotated[Path | None, typer.Option(help="local OSM extract (.osm.pbf, .osm, .osm.gz, .osm.bz2)")]
    = None,
    overpass: Annotated[bool, typer.Option("--overpass", help="download the roads from the Overpass API")] = False,
    boundary: Annotated[Path | None, typer.Option(help="service area as GeoJSON (default: around the stops)")]
    = None,
    osm_relation: Annotated[int | None, typer.Option("--osm-relation", help="service area: this OSM boundary "
                                                     "relation (e.g. 2794765, Landkreis Salzlandkreis)")] = None,
    osm_boundary: Annotated[str | None, typer.Option("--osm-boundary", help="service area: the boundary relation "
                                                     "of the extract with this tag, e.g. "
                                                     "de:amtlicher_gemeindeschluessel=15089")] = None,
    fleet: Annotated[Path | None, typer.Option(help="fleet TOML (default: laid out at the largest towns)")] = None,
    speeds: Annotated[Path | None, typer.Option(help="TOML of road-class speeds and factors (docs/regions.md)")]
    = None,
    name: Annotated[str | None, typer.Option(help="the region's name (default: the folder's name)")] = None,
    service_name: Annotated[str | None, typer.Option(help="the service's name as riders know it, on the pages "
                                                     "(default: Rufbus and the region's name)")] = None,
    booking_rules: Annotated[str, typer.Option(help="booking rule set of the pack (instant or kvg)")] = "instant",
) -> None:
    """Build a region pack: network, stops, service area, fleet, pool-car stations, rules, fares, provenance."""
    from tqdm import tqdm

    from routing.network import NetworkError
    from routing.region import RegionError
    from routing.region.boundary import parse_tag
    from routing.region.build import BUILD_STEPS, BuildOptions, build_pack

    if sum(x is not None for x in (boundary, osm_relation, osm_boundary)) > 1:
        typer.echo("Fehler: --boundary, --osm-relation und --osm-boundary schließen sich aus: gib eins davon an.",
                   err=True)
        raise typer.Exit(2)
    try:
        options = BuildOptions(stops=stops, out=out, extract=extract, overpass=overpass, boundary=boundary,
                               relation=osm_relation, boundary_tag=parse_tag(osm_boundary) if osm_boundary else None,
                               fleet=fleet, speeds=speeds, name=name or "", service_name=service_name or "",
                               booking_rules=booking_rules)
        with tqdm(total=len(BUILD_STEPS), desc="region", unit="step") as bar:

            def step(label: str) -> None:
                main = label.split(":", 1)[0]
                bar.update(BUILD_STEPS.index(main) - bar.n)
                bar.set_description(label)

            folder, report = build_pack(options, step=step)
            bar.update(len(BUILD_STEPS) - bar.n)
    except (RegionError, NetworkError) as exc:
        typer.echo(f"Fehler: {exc}", err=True)
        raise typer.Exit(1) from None
    except ValueError as exc:  # speed file, fleet file: the message names the file and field
        typer.echo(f"Fehler: {exc}", err=True)
        raise typer.Exit(1) from None
    _echo_report(report, folder)


def _echo_report(report: BuildReport, folder: Path) -> None:
    typer.echo(f"Stops: {report.stops_read} read, {report.stops_served} served, {len(report.dropped)} dropped, "
               f"{len(report.skipped_rows)} rows left out")
    if report.snap_m:
        typer.echo(f"  snapped onto the nearest road position: distance p50 {report.snap_m['p50']:.0f} m, "
                   f"p95 {report.snap_m['p95']:.0f} m, max {report.snap_m['max']:.0f} m")
    for d in report.dropped[:20]:
        typer.echo(f"  dropped {d.name} [{d.id}]: {d.reason}")
    if len(report.dropped) > 20:
        typer.echo(f"  … and {len(report.dropped) - 20} more dropped stops (report.json)")
    for row, reason in report.skipped_rows[:10]:
        typer.echo(f"  left out {row}: {reason}")
    if len(report.skipped_rows) > 10:
        typer.echo(f"  … and {len(report.skipped_rows) - 10} more rows left out (report.json)")
    typer.echo(f"Network: {report.components} strongly connected component ("
               f"{100 * report.largest_share:.1f} % of the road nodes; cut-off pieces left out); "
               f"fleet: {report.vehicles} vehicles at {len(report.depots)} depots")
    for depot in report.depots:
        typer.echo(f"  depot {depot['id']}: {depot['name']} ({depot['vehicles']} vehicles, stop {depot['stop']} "
                   f"at {depot['gap_m']} m)")
    if report.estimated_inhabitants:
        typer.echo("  inhabitants estimated from the stops where OSM has no population tag (docs/regions.md)")
    typer.echo(f"Region pack → {folder} (report.json, region.toml)")


@app.command("info")
def info(folder: Annotated[Path, typer.Argument(help="region pack folder")]) -> None:
    """What a region pack holds: source, size, stops, fleet, provenance and licences."""
    from routing.fleet import FleetFileError, load_fleet_spec
    from routing.network import NetworkError, load_network
    from routing.region import RegionError, load_pack

    try:
        pack = load_pack(folder)
        network = load_network(pack.network)
        spec = load_fleet_spec(pack.fleet)
    except (RegionError, NetworkError, FleetFileError) as exc:
        typer.echo(f"Fehler: {exc}", err=True)
        raise typer.Exit(1) from None
    m = network.meta
    typer.echo(f"Region {pack.name} ({pack.root})" + (" — APPROXIMATE network, not real roads" * pack.approximate))
    typer.echo(f"Network: {m.source}, {m.nodes} nodes, {m.edges} edges, {m.road_km} km of road, built {m.built_at}")
    typer.echo(f"Bounding box: lon {m.bbox[0]:.4f}–{m.bbox[2]:.4f}, lat {m.bbox[1]:.4f}–{m.bbox[3]:.4f}")
    typer.echo(f"Stops: {m.stops}; timezone {pack.timezone}; booking rules {pack.booking_rules}")
    depots = sorted({v.depot.name for v in spec.vehicles})
    typer.echo(f"Fleet: {len(spec.vehicles)} vehicles at {len(depots)} depots ({'; '.join(depots)})")
    typer.echo("Provenance and licences:")
    for p in pack.provenance:
        typer.echo(f"  {p.get('file', '?')}: {p.get('source', '?')} — {p.get('licence', '?')}")
    if pack.validation:
        typer.echo("Validation: " + ", ".join(f"{k} {v}" for k, v in pack.validation.items()))
