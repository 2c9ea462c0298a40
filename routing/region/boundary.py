"""Boundaries from an OSM extract: the (multi)polygon of a boundary relation, found by its id or by a tag.

Offline and exact: Geofabrik's extract of a Land holds the relations of its Landkreise, so a district's service area
can come from the same file as its roads (``--osm-relation ID`` or ``--osm-boundary de:amtlicher_gemeindeschluessel=
15089``). pyosmium assembles the relation's ways into areas; a relation cut by the extract's edge cannot be
assembled and is not found.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from routing.region.errors import RegionError

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry


def parse_tag(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` as a pair; :class:`RegionError` otherwise."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        msg = f"--osm-boundary {text!r}: give a tag as KEY=VALUE, e.g. de:amtlicher_gemeindeschluessel=15089"
        raise RegionError(msg)
    return key.strip(), value.strip()


def boundary_from_extract(path: Path, *, relation: int | None = None,
                          tag: tuple[str, str] | None = None) -> BaseGeometry | None:
    """The polygon of the boundary relation ``relation`` or of the relations tagged ``tag`` in the extract (their
    union); None when the extract holds no such complete relation."""
    import osmium
    import shapely

    factory = osmium.geom.WKBFactory()
    found = []
    areas = osmium.FileProcessor(str(path)).with_areas(osmium.filter.KeyFilter("boundary"))
    for obj in areas:
        if not isinstance(obj, osmium.osm.Area) or obj.from_way():
            continue
        tags = dict(obj.tags)
        if (relation is not None and obj.orig_id() == relation) or (tag is not None and tags.get(tag[0]) == tag[1]):
            try:
                found.append(shapely.from_wkb(factory.create_multipolygon(obj)))
            except RuntimeError:  # an incomplete ring: the relation is cut by the extract's edge
                continue
    return shapely.union_all(found) if found else None
