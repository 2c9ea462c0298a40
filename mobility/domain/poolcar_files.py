"""Read the pool from parsed TOML documents (stations, car types, cars) with errors that name file and field.

Pure: the caller reads the files (``tomllib``) and passes the documents with their names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from typing import Any

from mobility.domain.geo import Point
from mobility.domain.poolcars import Car, CarType, Propulsion, Station, StationKind, WeeklyHours

_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_RULE = re.compile(r"^(?P<days>[A-Za-z,\-]+)\s+(?P<times>\d\d:\d\d-\d\d:\d\d(?:,\d\d:\d\d-\d\d:\d\d)*)$")


@dataclass(frozen=True, slots=True)
class Pool:
    """The configured pool: stations, car types and cars."""

    stations: tuple[Station, ...]
    car_types: tuple[CarType, ...]
    cars: tuple[Car, ...]


def parse_weekly_hours(text: str, *, where: str = "availability") -> WeeklyHours | None:
    """Parse a subset of OSM ``opening_hours`` (``"24/7"`` or ``"Mo-Fr 07:00-19:00; Sa 08:00-12:00"``).

    Returns ``None`` for ``24/7`` (always open). ``24:00`` may end a period.
    """
    text = text.strip()
    if text == "24/7":
        return None
    periods: list[tuple[int, time, time]] = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        m = _RULE.match(part)
        if m is None:
            msg = f"{where}: cannot read opening hours {part!r} (expected e.g. 'Mo-Fr 07:00-19:00')"
            raise ValueError(msg)
        for day in _days(m["days"], where):
            for span in m["times"].split(","):
                a, b = span.split("-")
                periods.append((day, _clock(a, where), _clock(b, where)))
    if not periods:
        msg = f"{where}: empty opening hours"
        raise ValueError(msg)
    try:
        return WeeklyHours(tuple(periods))
    except ValueError as exc:
        msg = f"{where}: {exc}"
        raise ValueError(msg) from exc


def _days(spec: str, where: str) -> list[int]:
    days: list[int] = []
    for item in spec.split(","):
        ends = item.split("-")
        if any(e not in _DAYS for e in ends) or len(ends) > 2:
            msg = f"{where}: unknown weekday range {item!r} (use Mo Tu We Th Fr Sa Su)"
            raise ValueError(msg)
        first, last = _DAYS.index(ends[0]), _DAYS.index(ends[-1])
        days.extend(range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)])
    return days


def _clock(text: str, where: str) -> time:
    hh, mm = (int(x) for x in text.split(":"))
    if (hh, mm) == (24, 0):
        return time(0)
    if not (0 <= hh < 24 and 0 <= mm < 60):
        msg = f"{where}: invalid time {text!r}"
        raise ValueError(msg)
    return time(hh, mm)


def _field(table: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in table:
        msg = f"{where}: missing field {key!r}"
        raise ValueError(msg)
    value = table[key]
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value, ok = float(value), True
    if not ok:
        msg = f"{where}: field {key!r} must be {kind.__name__}, got {value!r}"
        raise ValueError(msg)
    return value


def _tables(doc: Mapping[str, Any], key: str, source: str) -> Sequence[Mapping[str, Any]]:
    items = doc.get(key, [])
    if not isinstance(items, list) or not all(isinstance(t, dict) for t in items):
        msg = f"{source}: [[{key}]] must be an array of tables"
        raise ValueError(msg)
    return items


def _station(t: Mapping[str, Any], where: str) -> Station:
    kind = _field(t, "kind", str, where)
    if kind not in set(StationKind):
        msg = f"{where}: field 'kind' must be one of {sorted(StationKind)}, got {kind!r}"
        raise ValueError(msg)
    try:
        point = Point(_field(t, "lon", float, where), _field(t, "lat", float, where))
        return Station(
            id=_field(t, "id", str, where),
            name=_field(t, "name", str, where),
            municipality=_field(t, "municipality", str, where),
            point=point,
            kind=StationKind(kind),
            capacity=_field(t, "capacity", int, where),
            stop_id=str(t.get("stop_id", "")),
            address=str(t.get("address", "")),
        )
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}" if not str(exc).startswith(where) else str(exc)) from exc


def _car_type(t: Mapping[str, Any], where: str) -> CarType:
    propulsion = _field(t, "propulsion", str, where)
    if propulsion not in set(Propulsion):
        msg = f"{where}: field 'propulsion' must be one of {sorted(Propulsion)}, got {propulsion!r}"
        raise ValueError(msg)
    try:
        return CarType(
            id=_field(t, "id", str, where),
            name=_field(t, "name", str, where),
            seats=_field(t, "seats", int, where),
            wheelchair_accessible=bool(t.get("wheelchair_accessible", False)),
            propulsion=Propulsion(propulsion),
            max_range_m=_field(t, "max_range_km", int, where) * 1000,
            make=str(t.get("make", "")),
            model=str(t.get("model", "")),
        )
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}" if not str(exc).startswith(where) else str(exc)) from exc


def _unique(ids: Sequence[str], what: str, source: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            msg = f"{source}: duplicate {what} id {i!r}"
            raise ValueError(msg)
        seen.add(i)


def pool_from_documents(
    stations_doc: Mapping[str, Any],
    cars_doc: Mapping[str, Any],
    *,
    stations_source: str = "stations.toml",
    cars_source: str = "cars.toml",
) -> Pool:
    """Build the pool from a stations document (``[[station]]``) and a cars document (``[[car_type]]``, ``[[car]]``)."""
    stations = tuple(
        _station(t, f"{stations_source}: station #{i + 1}")
        for i, t in enumerate(_tables(stations_doc, "station", stations_source))
    )
    types = tuple(
        _car_type(t, f"{cars_source}: car_type #{i + 1}")
        for i, t in enumerate(_tables(cars_doc, "car_type", cars_source))
    )
    _unique([s.id for s in stations], "station", stations_source)
    _unique([t.id for t in types], "car_type", cars_source)
    by_type = {t.id: t for t in types}
    station_ids = {s.id for s in stations}
    cars: list[Car] = []
    for i, t in enumerate(_tables(cars_doc, "car", cars_source)):
        where = f"{cars_source}: car #{i + 1}"
        type_id, station_id = _field(t, "type", str, where), _field(t, "station", str, where)
        if type_id not in by_type:
            msg = f"{where}: unknown car type {type_id!r}"
            raise ValueError(msg)
        if station_id not in station_ids:
            msg = f"{where}: unknown station {station_id!r}"
            raise ValueError(msg)
        hours = str(t.get("availability", "24/7"))
        cars.append(
            Car(
                id=_field(t, "id", str, where),
                name=_field(t, "name", str, where),
                type=by_type[type_id],
                station_id=station_id,
                plate=str(t.get("plate", "")),
                availability=parse_weekly_hours(hours, where=f"{where}: availability"),
            )
        )
    _unique([c.id for c in cars], "car", cars_source)
    return Pool(stations, types, tuple(cars))
