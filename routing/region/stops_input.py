"""Reading the stops of a region: a GTFS ``stops.txt`` or a whole GTFS zip (its ``stops.txt``).

Rows that are not places to board (entrances, generic nodes, boarding areas; stations that have platforms listed)
and rows without usable coordinates are left out with a reason; a file without coordinate columns, or with no usable
row at all, is an error naming the file. A stop's municipality is the town after the last comma of its name
("Ortsmitte, Harsdorf", the convention of German timetables); a name without a comma takes the town of the nearest
named stop within 2 km, else the region's name.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from routing.network.projection import LocalProjection
from routing.region.errors import RegionError
from routing.stops.sources import StopCandidate

NAMELESS_TOWN_RADIUS_M = 2_000.0
#: A DB stop list (id, name, lat, lon — data/salzlandkreis/stops_db_hafas.csv) is read as a GTFS stops.txt.
_ALIASES = {"id": "stop_id", "name": "stop_name", "lat": "stop_lat", "lon": "stop_lon"}
_NOT_A_STOP = {"2": "an entrance/exit", "3": "a generic node", "4": "a boarding area"}


@dataclass(frozen=True)
class StopRows:
    """The usable stops of a stops file and the rows left out, each with its reason."""

    source: str
    candidates: list[StopCandidate]
    skipped: list[tuple[str, str]]  # (row reference, reason)


def _text(path: Path) -> tuple[str, str]:
    """The stops.txt text and how to name it in messages."""
    if not path.is_file():
        msg = f"stops file not found: {path}"
        raise RegionError(msg)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.rsplit("/", 1)[-1] == "stops.txt"]
            if not names:
                msg = f"{path}: the GTFS zip holds no stops.txt"
                raise RegionError(msg)
            return archive.read(names[0]).decode("utf-8-sig"), f"{path}:{names[0]}"
    try:
        return path.read_text(encoding="utf-8-sig"), str(path)
    except UnicodeDecodeError as exc:
        msg = f"{path}: not a UTF-8 text file (a GTFS stops.txt or zip is expected): {exc}"
        raise RegionError(msg) from None


def read_stops(path: Path, *, region_name: str = "") -> StopRows:
    """The stops of a GTFS stops file or zip; :class:`RegionError` names the file when nothing can be used."""
    text, where = _text(path)
    reader = csv.DictReader(io.StringIO(text))
    fields = [_ALIASES.get(f.strip(), f.strip()) if _is_stop_list(reader.fieldnames) else f.strip()
              for f in reader.fieldnames or []]
    reader.fieldnames = fields
    if not fields:
        msg = f"{where}: the stops file is empty (a GTFS stops.txt with a header row and stops is expected)"
        raise RegionError(msg)
    missing = [c for c in ("stop_id", "stop_lat", "stop_lon") if c not in fields]
    if missing:
        msg = (f"{where}: column(s) {', '.join(missing)} missing — a stops file needs stop_id, stop_lat and "
               f"stop_lon (found: {', '.join(fields)})")
        raise RegionError(msg)
    rows = [(line, {k.strip(): (v or "").strip() for k, v in row.items() if k}) for line, row in
            enumerate(reader, start=2)]
    if not rows:
        msg = f"{where}: the stops file lists no stop (only a header row)"
        raise RegionError(msg)
    parents = {r.get("parent_station", "") for _, r in rows} - {""}
    candidates: list[StopCandidate] = []
    skipped: list[tuple[str, str]] = []
    seen: set[str] = set()
    for line, row in rows:
        ref = f"{where} line {line} (stop_id {row.get('stop_id') or '?'})"
        reason = _skip_reason(row, parents, seen)
        if reason:
            skipped.append((ref, reason))
            continue
        seen.add(row["stop_id"])
        name = row.get("stop_name") or row["stop_id"]
        town = name.rsplit(",", 1)[1].strip() if "," in name else ""
        candidates.append(StopCandidate(row["stop_id"], name, town, float(row["stop_lon"]), float(row["stop_lat"])))
    if not candidates:
        msg = f"{where}: no row has a usable stop with coordinates ({len(skipped)} rows left out, e.g. " \
              f"{skipped[0][0]}: {skipped[0][1]})"
        raise RegionError(msg)
    return StopRows(where, _with_towns(candidates, region_name), skipped)


def _is_stop_list(fields: Sequence[str] | None) -> bool:
    names = {f.strip() for f in fields or []}
    return "stop_id" not in names and {"id", "lat", "lon"} <= names


def _skip_reason(row: dict[str, str], parents: set[str], seen: set[str]) -> str:
    stop_id = row.get("stop_id", "")
    if not stop_id:
        return "no stop_id"
    if stop_id in seen:
        return "stop_id appears twice (first row kept)"
    kind = row.get("location_type", "") or "0"
    if kind in _NOT_A_STOP:
        return f"location_type {kind}: {_NOT_A_STOP[kind]}, not a stop"
    if kind == "1" and stop_id in parents:
        return "a station whose platforms are listed (the platforms are kept)"
    try:
        lat, lon = float(row.get("stop_lat", "")), float(row.get("stop_lon", ""))
    except ValueError:
        return f"stop_lat/stop_lon missing or not numbers ({row.get('stop_lat')!r}, {row.get('stop_lon')!r})"
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return f"coordinates out of range ({lat}, {lon})"
    return ""


def _with_towns(candidates: Sequence[StopCandidate], region_name: str) -> list[StopCandidate]:
    named = [c for c in candidates if c.municipality]
    if not named:
        return [StopCandidate(c.id, c.name, region_name or "Region", c.lon, c.lat, c.kind) for c in candidates]
    proj = LocalProjection.around(np.array([c.lon for c in candidates]), np.array([c.lat for c in candidates]))
    xy_named = proj.xy(np.array([c.lon for c in named]), np.array([c.lat for c in named]))
    out = []
    for c in candidates:
        if c.municipality:
            out.append(c)
            continue
        d = np.hypot(*(xy_named - proj.xy(np.array([c.lon]), np.array([c.lat]))).T)
        k = int(d.argmin())
        town = named[k].municipality if d[k] <= NAMELESS_TOWN_RADIUS_M else (region_name or "Region")
        out.append(StopCandidate(c.id, c.name, town, c.lon, c.lat, c.kind))
    return out
