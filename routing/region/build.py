"""``mobility region build``: a region pack from an OSM extract (or Overpass) and a GTFS stops file.

Steps (for progress bars, :data:`BUILD_STEPS`): read the stops; the service area (boundary or the stops' hull); the
road network (roads kept within ``ROAD_MARGIN_M`` around the area, timed per road class, stops snapped onto their
nearest road position); places and towns; the fleet (given or laid out) checked against the network; the files.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from routing.region.errors import RegionError
from routing.region.pack import MANIFEST
from routing.region.toml_out import dumps

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

    from routing.network import RoadNetwork
    from routing.network.build import DroppedStop
    from routing.region.layout import Place
    from routing.region.stops_input import StopRows

BUILD_STEPS = ("stops", "service area", "roads and network", "places and towns", "fleet", "files")
#: Roads are kept this far beyond the service area, so routes between stops near its edge are not cut.
ROAD_MARGIN_M = 2_000.0
#: The service area drawn around the stops when no boundary is given.
STOP_AREA_BUFFER_M = 1_000.0
#: A stop farther than this from every drivable road is not served.
SNAP_LIMIT_M = 400.0
DEFAULT_FARES = Path(__file__).resolve().parents[2] / "data" / "fares" / "default.toml"
STOPS_LICENCE = "as given with the stops file (for DB stop data: DB InfraGO AG, CC-BY 4.0)"


@dataclass(frozen=True)
class BuildOptions:
    """What ``mobility region build`` was asked for."""

    stops: Path
    out: Path
    extract: Path | None = None
    overpass: bool = False
    boundary: Path | None = None
    relation: int | None = None
    boundary_tag: tuple[str, str] | None = None
    fleet: Path | None = None
    speeds: Path | None = None
    name: str = ""
    service_name: str = ""  # as riders know the service (default: "Rufbus" and the region's name)
    timezone: str = "Europe/Berlin"
    booking_rules: str = "instant"
    stops_licence: str = STOPS_LICENCE


@dataclass
class BuildReport:
    """What the build did: counts, stops dropped with reasons, depots, components, timings."""

    name: str
    stops_read: int = 0
    stops_served: int = 0
    skipped_rows: list[tuple[str, str]] = field(default_factory=list)
    dropped: list[DroppedStop] = field(default_factory=list)
    depots: list[dict[str, Any]] = field(default_factory=list)
    components: int = 0
    vehicles: int = 0
    towns: list[dict[str, Any]] = field(default_factory=list)
    estimated_inhabitants: bool = False
    largest_share: float = 1.0  # share of road nodes in the largest strongly connected component (the rest dropped)
    snap_m: dict[str, float] = field(default_factory=dict)  # stop → its road position: p50, p95, max (metres)
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "name": self.name, "stops_read": self.stops_read, "stops_served": self.stops_served,
            "rows_left_out": [{"row": r, "reason": why} for r, why in self.skipped_rows],
            "stops_dropped": [{"id": d.id, "name": d.name, "lon": d.lon, "lat": d.lat, "reason": d.reason}
                              for d in self.dropped],
            "depots": self.depots, "strongly_connected_components": self.components,
            "road_nodes_in_largest_component": round(self.largest_share, 4),
            "snap_distance_m": self.snap_m, "vehicles": self.vehicles,
            "towns": self.towns, "inhabitants_estimated": self.estimated_inhabitants, "seconds": self.seconds,
        }


def _area(options: BuildOptions, rows: StopRows) -> BaseGeometry:
    from routing.network.osm_io import read_polygon
    from routing.network.service_area import hull_area

    if options.boundary is not None:
        return read_polygon(options.boundary)
    if options.relation is not None or options.boundary_tag is not None:
        return _osm_boundary(options)
    lon = np.array([c.lon for c in rows.candidates])
    lat = np.array([c.lat for c in rows.candidates])
    if len(rows.candidates) < 3:
        from shapely.geometry import MultiPoint

        from routing.network.service_area import grow

        return grow(MultiPoint(list(zip(lon, lat, strict=True))), STOP_AREA_BUFFER_M)
    return hull_area(lon, lat, buffer_m=STOP_AREA_BUFFER_M)


def _osm_boundary(options: BuildOptions) -> BaseGeometry:
    """The boundary relation from the extract (offline), else — a relation id only — from Nominatim (online)."""
    from routing.network.osm_build import relation_polygon
    from routing.region.boundary import boundary_from_extract

    wanted = (f"boundary relation {options.relation}" if options.relation is not None
              else "boundary relation tagged {}={}".format(*options.boundary_tag or ("", "")))
    if options.extract is not None:
        found = boundary_from_extract(options.extract, relation=options.relation, tag=options.boundary_tag)
        if found is not None:
            return found
    if options.relation is not None:
        return relation_polygon(options.relation)
    if options.extract is None:
        msg = "--osm-boundary KEY=VALUE looks the boundary up in the extract: give --extract too"
        raise RegionError(msg)
    msg = f"{options.extract}: holds no complete {wanted} (cut by the extract's edge, or another tag?)"
    raise RegionError(msg)


def _network(options: BuildOptions, rows: StopRows, area: BaseGeometry,
             report: BuildReport, tell: Callable[[str], None]) -> RoadNetwork:
    from routing.network.build import build_osm_report
    from routing.network.service_area import grow
    from routing.network.speeds import read_speed_profile

    profile = read_speed_profile(options.speeds) if options.speeds is not None else None
    mode: Literal["extract", "overpass"] = "overpass" if options.overpass else "extract"
    network, dropped, report.largest_share = build_osm_report(
        mode, extract=options.extract, polygon=grow(area, ROAD_MARGIN_M), service_area=area,
        candidates=rows.candidates, profile=profile, snap_limit_m=SNAP_LIMIT_M,
        step=lambda name: tell(f"{BUILD_STEPS[2]}: {name}"))
    report.dropped = dropped
    report.stops_served = len(network.stops)
    report.snap_m = _snap_distances(network)
    if len(network.stops) < 2:
        reasons = "; ".join(f"{d.name} [{d.id}]: {d.reason}" for d in dropped[:5])
        msg = (f"{rows.source}: only {len(network.stops)} of {len(rows.candidates)} stops lie in the service area "
               f"within {SNAP_LIMIT_M:.0f} m of a drivable road — a region needs at least two ({reasons})")
        raise RegionError(msg)
    return network


def _snap_distances(network: RoadNetwork) -> dict[str, float]:
    """How far the served stops lie from their positions on the road (p50, p95, max in metres)."""
    from mobility.domain.geo import Point, haversine_m

    a = network.arrays
    gaps = sorted(haversine_m(s.point, Point(float(a.node_lon[n]), float(a.node_lat[n])))
                  for s, n in zip(network.stops, network.stop_nodes.tolist(), strict=True))
    if not gaps:
        return {}
    return {"p50": round(gaps[len(gaps) // 2], 1), "p95": round(gaps[int(0.95 * (len(gaps) - 1))], 1),
            "max": round(gaps[-1], 1)}


def build_pack(options: BuildOptions, *, step: Callable[[str], None] | None = None) -> tuple[Path, BuildReport]:
    """Build the pack ``options`` ask for into ``options.out``; returns the folder and the build's report."""
    import time

    from routing.region.layout import towns_of
    from routing.region.places import read_places
    from routing.region.stops_input import read_stops
    from routing.region.validate import components

    tell = step or (lambda _name: None)  # a step of BUILD_STEPS, or "step: sub-step" within one
    if (options.extract is None) == (not options.overpass):
        msg = "give either an OSM extract (--extract FILE) or --overpass"
        raise RegionError(msg)
    if options.overpass and options.boundary is None and options.relation is None:
        msg = "--overpass needs the area to download: --boundary GEOJSON or --osm-relation ID"
        raise RegionError(msg)
    name = options.name or options.out.resolve().name
    report = BuildReport(name)
    clock = time.perf_counter()

    def lap(label: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report.seconds[label] = round(now - clock, 3)
        clock = now

    tell(BUILD_STEPS[0])
    rows = read_stops(options.stops, region_name=name)
    report.stops_read, report.skipped_rows = len(rows.candidates), rows.skipped
    lap("stops")
    tell(BUILD_STEPS[1])
    area = _area(options, rows)
    lap("service area")
    tell(BUILD_STEPS[2])
    network = _network(options, rows, area, report, tell)
    report.components = components(network)
    lap("network")
    tell(BUILD_STEPS[3])
    places: list[Place] = read_places(options.extract) if options.extract is not None else []
    towns = towns_of(network.stops, places)
    report.towns = [{"name": t.name, "stops": len(t.stops), "inhabitants": t.inhabitants, "counted": t.counted}
                    for t in towns]
    report.estimated_inhabitants = not all(t.counted for t in towns)
    lap("places")
    tell(BUILD_STEPS[4])
    fleet_doc, fleet_source = _fleet(options, towns)
    report.depots, report.vehicles = _checked_fleet(network, fleet_doc, fleet_source)
    lap("fleet")
    tell(BUILD_STEPS[5])
    _write(options, name, network, towns=towns, places=places, fleet_doc=fleet_doc, report=report)
    lap("files")
    return options.out, report


def _fleet(options: BuildOptions, towns: list[Any]) -> tuple[dict[str, Any], str]:
    from mobility.domain.tomlfile import read_toml
    from routing.region.layout import default_fleet

    if options.fleet is None:
        return default_fleet(towns, options.timezone), "the default fleet laid out at the largest towns"
    return read_toml(options.fleet, "fleet file", RegionError), str(options.fleet)


def _checked_fleet(network: RoadNetwork, doc: dict[str, Any], source: str) -> tuple[list[dict[str, Any]], int]:
    from routing.fleet import FleetFileError, parse_fleet
    from routing.region.validate import check_fleet

    try:
        spec = parse_fleet(doc, source=source)
    except FleetFileError as exc:
        raise RegionError(str(exc)) from None
    return check_fleet(network, spec, source), len(spec.vehicles)


def _write(options: BuildOptions, name: str, network: RoadNetwork, *, towns: list[Any], places: list[Place],
           fleet_doc: dict[str, Any], report: BuildReport) -> None:
    from shapely.geometry import mapping

    from routing.network import save_network
    from routing.region.layout import demand_tables, pool_documents

    out = options.out
    (out / "poolcars").mkdir(parents=True, exist_ok=True)
    (out / "demand").mkdir(parents=True, exist_ok=True)
    save_network(network, out / "network.npz")
    _csv(out / "stops.csv", [{"stop_id": s.id, "stop_name": s.name, "municipality": s.municipality,
                              "stop_lat": s.point.lat, "stop_lon": s.point.lon} for s in network.stops])
    area = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": mapping(network.service_area),
                                                        "properties": {"name": f"Bediengebiet {name}"}}]}
    (out / "service_area.geojson").write_text(json.dumps(area), encoding="utf-8")
    header = "Fleet of the region pack (routing.fleet format); edit freely and rebuild or copy it back."
    if options.fleet is not None:
        shutil.copyfile(options.fleet, out / "fleet.toml")
    else:
        (out / "fleet.toml").write_text(dumps(fleet_doc, header + "\nLaid out by `mobility region build`: "
                                              "depots at the largest towns (docs/regions.md)."), encoding="utf-8")
    stations, cars = pool_documents(fleet_doc, towns) if options.fleet is None else _pool_at_depots(fleet_doc, towns)
    (out / "poolcars" / "stations.toml").write_text(dumps(stations, "Pool-car stations at the depot towns."),
                                                    encoding="utf-8")
    (out / "poolcars" / "cars.toml").write_text(dumps(cars, "Pool cars, two per station."), encoding="utf-8")
    shutil.copyfile(DEFAULT_FARES, out / "fares.toml")
    tables = demand_tables(towns, places)
    for key, rows in tables.items():
        _csv(out / "demand" / f"{key}.csv", rows)
    (out / "report.json").write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    (out / MANIFEST).write_text(dumps(_manifest(options, name, network, report),
                                      "Region pack manifest (mobility region build); see docs/regions.md."),
                                encoding="utf-8")


def _pool_at_depots(fleet_doc: dict[str, Any], towns: list[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Pool stations for a given fleet file: at the central stops of the towns of its depots."""
    from routing.region.layout import pool_documents

    by_stop = {t.centre.id for t in towns}
    depots = [d for d in fleet_doc.get("depots", []) if str(d.get("stop_id")) in by_stop]
    if not depots:  # the fleet's depots are not town centres: stations at the largest towns' centres
        depots = [{"id": f"t{k}", "stop_id": t.centre.id, "lon": t.centre.point.lon, "lat": t.centre.point.lat}
                  for k, t in enumerate(towns[:2])]
    return pool_documents({"depots": depots}, towns)


def _csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["id"])
        writer.writeheader()
        writer.writerows(rows)


def _area_source(options: BuildOptions) -> str:
    if options.boundary is not None:
        return options.boundary.name
    if options.relation is not None:
        return f"OSM boundary relation {options.relation}"
    if options.boundary_tag is not None:
        return "OSM boundary relation tagged {}={}".format(*options.boundary_tag)
    return "buffered hull of the stops"


def default_service_name(name: str) -> str:
    """``north-bayreuth`` → ``Rufbus North Bayreuth``."""
    return "Rufbus " + " ".join(part.capitalize() for part in name.replace("_", "-").split("-") if part)


def _manifest(options: BuildOptions, name: str, network: RoadNetwork, report: BuildReport) -> dict[str, Any]:
    meta = network.meta
    roads = (f"OpenStreetMap extract {options.extract.name}" if options.extract is not None
             else "OpenStreetMap via the Overpass API")
    estimated = " (inhabitants estimated from stops where OSM has no population)" * report.estimated_inhabitants
    return {
        "region": {"name": name, "title": name, "service_name": options.service_name or default_service_name(name),
                   "timezone": options.timezone, "approximate": False,
                   "booking_rules": options.booking_rules,
                   "built_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
                   "builder": "mobility region build", "network_hash": meta.hash},
        "files": {"network": "network.npz", "stops": "stops.csv", "service_area": "service_area.geojson",
                  "fleet": "fleet.toml", "poolcars": "poolcars", "fares": "fares.toml", "demand": "demand",
                  "report": "report.json"},
        "provenance": [
            {"file": "network.npz", "source": roads, "licence": "ODbL 1.0",
             "attribution": "© OpenStreetMap contributors"},
            {"file": "stops.csv", "source": options.stops.name, "licence": options.stops_licence,
             "attribution": options.stops_licence},
            {"file": "service_area.geojson",
             "source": _area_source(options),
             "licence": "ODbL 1.0" if options.relation or options.boundary_tag else "as given / derived"},
            {"file": "fleet.toml", "source": options.fleet.name if options.fleet else "laid out by the builder",
             "licence": "project data"},
            {"file": "poolcars", "source": "laid out by the builder at the depot towns", "licence": "project data"},
            {"file": "fares.toml", "source": "data/fares/default.toml", "licence": "project data"},
            {"file": "demand", "source": f"stops and OSM place nodes{estimated}",
             "licence": "ODbL 1.0 (places), stops as above"},
        ],
        "validation": {"stops_read": report.stops_read, "stops_served": report.stops_served,
                       "stops_dropped": len(report.dropped), "rows_left_out": len(report.skipped_rows),
                       "strongly_connected_components": report.components,
                       "road_nodes_in_largest_component": round(report.largest_share, 4), "vehicles": report.vehicles,
                       "depots": len(report.depots), "nodes": meta.nodes, "edges": meta.edges,
                       "road_km": meta.road_km},
    }
