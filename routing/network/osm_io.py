"""Reading OSM input: drivable ways of a local extract (pyosmium) and boundary polygons (GeoJSON).

pyosmium is a pip-installable binding of libosmium: it reads ``.osm``, ``.osm.gz``, ``.osm.bz2`` and
``.osm.pbf`` alike, so CI needs no system tool. The drivable filter mirrors osmnx's ``drive``
network type, so an extract and an Overpass download yield the same roads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from routing.network.errors import NetworkFileError, NoDrivableRoads

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

OSM_SUFFIXES = (".osm", ".osm.gz", ".osm.bz2", ".osm.pbf", ".pbf", ".osm.xml")

#: osmnx's ``drive`` filter (Overpass regexes, unanchored): tag → pattern a way must NOT match.
_EXCLUDE: dict[str, re.Pattern[str]] = {
    "area": re.compile("yes"),
    "access": re.compile("private"),
    "highway": re.compile(
        "abandoned|bridleway|bus_guideway|construction|corridor|cycleway|elevator|escalator|footway|no|"
        "path|pedestrian|planned|platform|proposed|raceway|razed|rest_area|service|services|steps|track"
    ),
    "motor_vehicle": re.compile("no"),
    "motorcar": re.compile("no"),
    "service": re.compile("alley|driveway|emergency_access|parking|parking_aisle|private"),
}


def is_drivable(tags: dict[str, str]) -> bool:
    """Whether a way with these tags belongs to osmnx's ``drive`` network."""
    if "highway" not in tags:
        return False
    return not any(key in tags and pattern.search(tags[key]) for key, pattern in _EXCLUDE.items())


@dataclass(frozen=True)
class DrivableData:
    """The drivable ways of an extract and the nodes they use (Overpass JSON element shapes)."""

    nodes: list[dict[str, Any]]
    ways: list[dict[str, Any]]

    def overpass_json(self) -> dict[str, Any]:
        """The data as an Overpass API ``out body`` response."""
        return {"version": 0.6, "generator": "salzland-mobility", "elements": [*self.nodes, *self.ways]}


def check_osm_file(path: Path) -> None:
    """Raise :class:`NetworkFileError` unless ``path`` is an existing file with an OSM suffix."""
    if not path.is_file():
        msg = f"OSM extract not found: {path}"
        raise NetworkFileError(msg)
    if not path.name.lower().endswith(OSM_SUFFIXES):
        msg = f"{path} is not an OSM file: expected one of {', '.join(OSM_SUFFIXES)}"
        raise NetworkFileError(msg)


def _objects(path: Path, kind: Any) -> Iterator[Any]:
    import osmium

    try:
        yield from osmium.FileProcessor(str(path), kind)
    except RuntimeError as exc:
        msg = f"{path} is not a readable OSM file: {exc}"
        raise NetworkFileError(msg) from exc


def read_drivable(path: Path) -> DrivableData:
    """Drivable ways and their nodes from a local extract (two passes with pyosmium)."""
    import osmium

    check_osm_file(path)
    ways = [
        {"type": "way", "id": w.id, "nodes": [n.ref for n in w.nodes], "tags": dict(w.tags)}
        for w in _objects(path, osmium.osm.WAY)
        if is_drivable(dict(w.tags))
    ]
    if not ways:
        msg = f"{path} contains no drivable road (no way matches the 'drive' filter)"
        raise NoDrivableRoads(msg)
    wanted = {ref for w in ways for ref in w["nodes"]}
    nodes = [
        {"type": "node", "id": n.id, "lat": n.location.lat, "lon": n.location.lon, "tags": dict(n.tags)}
        for n in _objects(path, osmium.osm.NODE)
        if n.id in wanted and n.location.valid()
    ]
    found = {n["id"] for n in nodes}
    for way in ways:
        way["nodes"] = [ref for ref in way["nodes"] if ref in found]
    ways = [w for w in ways if len(w["nodes"]) >= 2]
    if not ways:
        msg = f"{path}: the drivable ways reference no nodes with coordinates (cut-off extract?)"
        raise NoDrivableRoads(msg)
    return DrivableData(nodes=nodes, ways=ways)


def read_polygon(path: Path) -> BaseGeometry:
    """The (multi)polygon of a GeoJSON file: a geometry, a Feature or a FeatureCollection (unioned)."""
    import shapely
    from shapely.geometry import shape

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        msg = f"cannot read boundary polygon {path}: {exc}"
        raise NetworkFileError(msg) from exc
    features = raw.get("features", [raw]) if isinstance(raw, dict) else []
    geoms = [shape(f.get("geometry", f)) for f in features if isinstance(f, dict)]
    polys = [g for g in geoms if g.geom_type in {"Polygon", "MultiPolygon"}]
    if not polys:
        msg = f"{path} holds no Polygon or MultiPolygon geometry"
        raise NetworkFileError(msg)
    return shapely.union_all(polys)
