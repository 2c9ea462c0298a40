"""Building the network from OSM: a local extract (pyosmium filter → osmnx) or an Overpass download (osmnx)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from routing.network.errors import NoDrivableRoads

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

    from routing.network.speeds import SpeedProfile


def time_edges(graph: Any, profile: SpeedProfile | None = None) -> None:
    """Set ``travel_time`` (seconds, float) on every edge of an unsimplified graph from its class and ``maxspeed``.

    Timed before simplification, so a merged edge's time is the sum of its parts' times (not its length at the
    lowest speed of its parts).
    """
    from routing.network.speeds import class_index, edge_speed_kmh, parse_maxspeed

    for _, _, data in graph.edges(data=True):
        speed = edge_speed_kmh(class_index(data.get("highway")), parse_maxspeed(data.get("maxspeed")), profile)
        data["travel_time"] = max(0.0, float(data.get("length", 0.0))) / (speed / 3.6)


def simplify_timed(graph: Any, profile: SpeedProfile | None = None) -> Any:
    """Time the edges of an unsimplified graph, then merge chains: lengths and times of the parts are summed."""
    import osmnx as ox

    time_edges(graph, profile)
    return ox.simplify_graph(graph, edge_attr_aggs={"length": sum, "travel_time": sum})


def _write_osm_xml(data: Any, path: Path) -> None:
    """Write filtered nodes and ways as OSM XML, the input osmnx's ``graph_from_xml`` reads."""
    from xml.sax.saxutils import quoteattr

    def tags(t: dict[str, str]) -> str:
        return "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in t.items())

    with path.open("w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="salzland-mobility">\n')
        for n in data.nodes:
            fh.write(f'<node id="{n["id"]}" lat="{n["lat"]:.7f}" lon="{n["lon"]:.7f}">{tags(n["tags"])}</node>\n')
        for w in data.ways:
            refs = "".join(f'<nd ref="{r}"/>' for r in w["nodes"])
            fh.write(f'<way id="{w["id"]}">{refs}{tags(w["tags"])}</way>\n')
        fh.write("</osm>\n")


def graph_from_extract(path: Path, polygon: BaseGeometry | None, profile: SpeedProfile | None = None) -> Any:
    """osmnx ``MultiDiGraph`` of the drivable roads of a local extract, clipped to ``polygon`` if given."""
    import osmnx as ox

    from routing.network.osm_io import read_drivable

    data = read_drivable(path)
    with tempfile.TemporaryDirectory(prefix="mobility-osm-") as tmp:
        xml = Path(tmp) / "drivable.osm"
        _write_osm_xml(data, xml)
        graph = ox.graph_from_xml(xml, bidirectional=False, simplify=False, retain_all=True)
    if polygon is not None:
        try:
            graph = ox.truncate.truncate_graph_polygon(graph, polygon, truncate_by_edge=False)
        except ValueError as exc:
            msg = f"{path}: no drivable road lies inside the boundary polygon"
            raise NoDrivableRoads(msg) from exc
    if graph.number_of_edges() == 0:
        msg = f"{path}: no drivable road lies inside the boundary polygon"
        raise NoDrivableRoads(msg)
    return simplify_timed(graph, profile)


def graph_from_overpass(polygon: BaseGeometry, profile: SpeedProfile | None = None) -> Any:
    """osmnx ``MultiDiGraph`` of the drive network inside ``polygon``, downloaded from Overpass."""
    import osmnx as ox

    try:
        graph = ox.graph_from_polygon(polygon, network_type="drive", simplify=False, retain_all=False)
    except ox._errors.InsufficientResponseError as exc:
        msg = f"Overpass returned no drivable road inside the polygon: {exc}"
        raise NoDrivableRoads(msg) from exc
    return simplify_timed(graph, profile)


def relation_polygon(relation_id: int) -> BaseGeometry:
    """The boundary (Multi)Polygon of the OSM relation ``relation_id`` (e.g. a Landkreis), from Nominatim."""
    import osmnx as ox

    try:
        gdf = ox.geocode_to_gdf(f"R{relation_id}", by_osmid=True)
    except (ox._errors.InsufficientResponseError, TypeError, ValueError) as exc:
        msg = f"no boundary polygon found for OSM relation {relation_id}: {exc}"
        raise NoDrivableRoads(msg) from exc
    return gdf.geometry.union_all()


def place_polygon(place: str) -> BaseGeometry:
    """The boundary (Multi)Polygon of a named place from Nominatim (e.g. "Salzlandkreis, Sachsen-Anhalt")."""
    import osmnx as ox

    try:
        gdf = ox.geocode_to_gdf(place)
    except (ox._errors.InsufficientResponseError, TypeError) as exc:
        msg = f"no boundary polygon found for place {place!r}: {exc}"
        raise NoDrivableRoads(msg) from exc
    return gdf.geometry.union_all()
