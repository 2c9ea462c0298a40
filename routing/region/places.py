"""Named places (``place=*`` nodes with their ``population`` tags) of an OSM extract, for laying out a region."""

from __future__ import annotations

from pathlib import Path

from routing.region.layout import Place

PLACE_KINDS = frozenset({"city", "town", "village", "suburb", "hamlet", "quarter"})


def _population(raw: str | None) -> int | None:
    digits = "".join(ch for ch in (raw or "") if ch.isdigit())
    return int(digits) if digits and int(digits) > 0 else None


def read_places(path: Path) -> list[Place]:
    """Every named place node of the extract (one pass with pyosmium over the nodes)."""
    import osmium

    places = []
    for obj in osmium.FileProcessor(str(path), osmium.osm.NODE).with_filter(osmium.filter.KeyFilter("place")):
        if not isinstance(obj, osmium.osm.Node):
            continue
        tags = dict(obj.tags)
        if tags.get("place") in PLACE_KINDS and tags.get("name") and obj.location.valid():
            places.append(Place(tags["name"], tags["place"], obj.location.lon, obj.location.lat,
                                _population(tags.get("population"))))
    return places
