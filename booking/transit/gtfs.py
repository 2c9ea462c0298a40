"""Read the scheduled services of a GTFS feed (zip), checking every row; errors name file, line and field.

Read: ``agency.txt`` (time zone), ``stops.txt``, ``routes.txt``, ``trips.txt``, ``stop_times.txt`` and at least one of
``calendar.txt`` / ``calendar_dates.txt``. ``frequencies.txt`` (headway-based trips) is not read: such trips appear
with the times of their template only. Stop times without any time (untimed stops between time points) are skipped;
a call can only be promised at a published time. ``bbox`` keeps the stops inside it (a statewide or Germany-wide feed
for one district) and the stop times at them; every row is still checked.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mobility.domain.transit import ServicePattern, line_name, parse_gtfs_time

REQUIRED_FILES = ("agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
CALENDAR_FILES = ("calendar.txt", "calendar_dates.txt")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class GtfsError(ValueError):
    """A feed that cannot be read: the file, the line (1 = header) and the field, and what is wrong (German)."""

    def __init__(self, file: str, problem: str, *, line: int | None = None, field: str | None = None) -> None:
        self.file, self.line, self.field, self.problem = file, line, field, problem
        where = file if line is None else f"{file}, Zeile {line}"
        if field is not None:
            where += f", Feld {field}"
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True, slots=True)
class FeedStop:
    """A stop or station of the feed; ``station`` is the name riders know (the parent station's, if any)."""

    id: str
    name: str
    station: str
    lat: float
    lon: float
    parent: str | None


@dataclass(frozen=True, slots=True)
class FeedTrip:
    """A trip with its line as riders say it."""

    id: str
    service_id: str
    line: str
    route_type: int
    headsign: str


@dataclass(frozen=True, slots=True)
class FeedCall:
    """One checked row of ``stop_times.txt``; ``boarding``/``alighting``: whether riders may board or alight."""

    trip_id: str
    stop_sequence: int
    stop_id: str
    arrival_s: int
    departure_s: int
    boarding: bool
    alighting: bool


@dataclass
class FeedTables:
    """The small tables of a feed, checked."""

    timezone: str
    stops: dict[str, FeedStop] = field(default_factory=dict)
    trips: dict[str, FeedTrip] = field(default_factory=dict)
    patterns: dict[str, ServicePattern] = field(default_factory=dict)
    exceptions: dict[str, dict[date, int]] = field(default_factory=dict)


Row = dict[str, str]


class GtfsFeed:
    """An open GTFS zip: :meth:`tables` first, then :meth:`calls` streams the stop times."""

    def __init__(self, path: Path, *, bbox: tuple[float, float, float, float] | None = None) -> None:
        self.path = path
        self.bbox = bbox
        try:
            self.zip = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as exc:
            raise GtfsError(path.name, f"keine lesbare ZIP-Datei ({exc})") from None
        names = {Path(n).name: n for n in self.zip.namelist() if not n.endswith("/")}
        self.members = names
        missing = [f for f in REQUIRED_FILES if f not in names]
        if missing:
            raise GtfsError(missing[0], "fehlt im Feed (Pflichtdatei)")
        if not any(f in names for f in CALENDAR_FILES):
            raise GtfsError("calendar.txt", "fehlt im Feed (calendar.txt oder calendar_dates.txt ist Pflicht)")
        self._tables: FeedTables | None = None

    def close(self) -> None:
        """Close the zip file."""
        self.zip.close()

    def __enter__(self) -> GtfsFeed:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def rows(self, name: str, required: tuple[str, ...]) -> Iterator[tuple[int, Row]]:
        """The rows of ``name`` with their line numbers; a missing required column is an error on line 1."""
        with self.zip.open(self.members[name]) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            reader = csv.DictReader(text)
            header = [h.strip() for h in reader.fieldnames or []]
            reader.fieldnames = header
            for col in required:
                if col not in header:
                    raise GtfsError(name, "Spalte fehlt in der Kopfzeile", line=1, field=col)
            try:
                for row in reader:
                    yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k is not None}
            except (csv.Error, UnicodeDecodeError) as exc:
                raise GtfsError(name, f"nicht lesbar ({exc})", line=reader.line_num + 1) from None

    def tables(self) -> FeedTables:
        """Agency time zone, stops, trips and the service calendar, checked."""
        if self._tables is None:
            tables = FeedTables(timezone=self._timezone())
            self._read_stops(tables)
            routes = self._read_routes()
            self._read_calendar(tables)
            self._read_trips(tables, routes)
            self._tables = tables
        return self._tables

    def _timezone(self) -> str:
        for line, row in self.rows("agency.txt", ("agency_timezone",)):
            tz = row["agency_timezone"]
            try:
                ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError):
                raise GtfsError("agency.txt", f"unbekannte Zeitzone „{tz}“", line=line,
                                field="agency_timezone") from None
            return tz
        raise GtfsError("agency.txt", "enthält keinen Verkehrsbetrieb", line=2)

    def _read_stops(self, tables: FeedTables) -> None:
        raw: dict[str, tuple[int, Row]] = {}
        for line, row in self.rows("stops.txt", ("stop_id",)):
            sid = _need(row, "stop_id", "stops.txt", line)
            if sid in raw:
                raise GtfsError("stops.txt", f"stop_id „{sid}“ kommt doppelt vor", line=line, field="stop_id")
            raw[sid] = (line, row)
        for sid, (line, row) in raw.items():
            if row.get("location_type", "") not in {"", "0", "1", "2"}:
                continue  # generic nodes and boarding areas: no calls
            lat = _coordinate(row, "stop_lat", line, -90.0, 90.0)
            lon = _coordinate(row, "stop_lon", line, -180.0, 180.0)
            parent = row.get("parent_station") or None
            if parent is not None and parent not in raw:
                raise GtfsError("stops.txt", f"unbekannte Station „{parent}“", line=line, field="parent_station")
            name = row.get("stop_name", "") or sid
            station = raw[parent][1].get("stop_name", "") or name if parent is not None else name
            if self._inside(lat, lon, raw[parent][1] if parent is not None else None):
                tables.stops[sid] = FeedStop(sid, name, station, lat, lon, parent)
        self.known_stops = frozenset(raw)

    def _inside(self, lat: float, lon: float, parent: Row | None) -> bool:
        if self.bbox is None:
            return True
        west, south, east, north = self.bbox
        if west <= lon <= east and south <= lat <= north:
            return True
        if parent is None:
            return False
        try:
            plat, plon = float(parent.get("stop_lat", "")), float(parent.get("stop_lon", ""))
        except ValueError:
            return False
        return west <= plon <= east and south <= plat <= north

    def _read_routes(self) -> dict[str, tuple[str, int]]:
        routes: dict[str, tuple[str, int]] = {}
        for line, row in self.rows("routes.txt", ("route_id", "route_type")):
            rid = _need(row, "route_id", "routes.txt", line)
            route_type = _integer(row, "route_type", "routes.txt", line)
            short, long = row.get("route_short_name", ""), row.get("route_long_name", "")
            if not short and not long:
                raise GtfsError("routes.txt", "route_short_name oder route_long_name muss angegeben sein",
                                line=line, field="route_short_name")
            routes[rid] = (line_name(short, long, route_type), route_type)
        return routes

    def _read_calendar(self, tables: FeedTables) -> None:
        if "calendar.txt" in self.members:
            for line, row in self.rows("calendar.txt", ("service_id", *WEEKDAYS, "start_date", "end_date")):
                sid = _need(row, "service_id", "calendar.txt", line)
                flags = tuple(_flag(row, day, line) for day in WEEKDAYS)
                start = _date(row, "start_date", "calendar.txt", line)
                end = _date(row, "end_date", "calendar.txt", line)
                tables.patterns[sid] = ServicePattern(flags, start, end)  # type: ignore[arg-type]
        if "calendar_dates.txt" in self.members:
            for line, row in self.rows("calendar_dates.txt", ("service_id", "date", "exception_type")):
                sid = _need(row, "service_id", "calendar_dates.txt", line)
                day = _date(row, "date", "calendar_dates.txt", line)
                kind = _integer(row, "exception_type", "calendar_dates.txt", line)
                if kind not in (1, 2):
                    raise GtfsError("calendar_dates.txt", f"exception_type muss 1 oder 2 sein, nicht {kind}",
                                    line=line, field="exception_type")
                tables.exceptions.setdefault(sid, {})[day] = kind

    def _read_trips(self, tables: FeedTables, routes: dict[str, tuple[str, int]]) -> None:
        services = set(tables.patterns) | set(tables.exceptions)
        for line, row in self.rows("trips.txt", ("route_id", "service_id", "trip_id")):
            tid = _need(row, "trip_id", "trips.txt", line)
            route = routes.get(row["route_id"])
            if route is None:
                raise GtfsError("trips.txt", f"unbekannte Linie „{row['route_id']}“", line=line, field="route_id")
            if row["service_id"] not in services:
                raise GtfsError("trips.txt", f"service_id „{row['service_id']}“ steht in keinem Kalender",
                                line=line, field="service_id")
            if tid in tables.trips:
                raise GtfsError("trips.txt", f"trip_id „{tid}“ kommt doppelt vor", line=line, field="trip_id")
            tables.trips[tid] = FeedTrip(tid, row["service_id"], route[0], route[1], row.get("trip_headsign", ""))

    def calls(self) -> Iterator[FeedCall]:
        """The checked stop times at the kept stops (timed rows only), in file order."""
        tables = self.tables()
        required = ("trip_id", "stop_sequence", "arrival_time", "departure_time", "stop_id")
        seen: set[tuple[str, int]] = set()
        for line, row in self.rows("stop_times.txt", required):
            call = _call(row, line, tables, self.known_stops)
            if call is None or call.stop_id not in tables.stops:
                continue
            key = (call.trip_id, call.stop_sequence)
            if key in seen:
                raise GtfsError("stop_times.txt", f"stop_sequence {call.stop_sequence} kommt in Fahrt "
                                f"„{call.trip_id}“ doppelt vor", line=line, field="stop_sequence")
            seen.add(key)
            yield call


def _call(row: Row, line: int, tables: FeedTables, known_stops: frozenset[str]) -> FeedCall | None:
    name = "stop_times.txt"
    tid = _need(row, "trip_id", name, line)
    if tid not in tables.trips:
        raise GtfsError(name, f"unbekannte Fahrt „{tid}“", line=line, field="trip_id")
    sid = _need(row, "stop_id", name, line)
    if sid not in known_stops:
        raise GtfsError(name, f"unbekannte Haltestelle „{sid}“", line=line, field="stop_id")
    seq = _integer(row, "stop_sequence", name, line)
    if seq < 0:
        raise GtfsError(name, "stop_sequence darf nicht negativ sein", line=line, field="stop_sequence")
    times: dict[str, int | None] = {}
    for col in ("arrival_time", "departure_time"):
        try:
            times[col] = parse_gtfs_time(row[col]) if row[col] else None
        except ValueError as exc:
            raise GtfsError(name, str(exc), line=line, field=col) from None
    arrival, departure = times["arrival_time"], times["departure_time"]
    if arrival is None and departure is None:
        return None
    arrival = departure if arrival is None else arrival
    departure = arrival if departure is None else departure
    assert arrival is not None
    assert departure is not None
    if departure < arrival:
        raise GtfsError(name, "Abfahrt liegt vor der Ankunft", line=line, field="departure_time")
    return FeedCall(tid, seq, sid, arrival, departure, row.get("pickup_type", "") != "1",
                    row.get("drop_off_type", "") != "1")


def _need(row: Row, col: str, name: str, line: int) -> str:
    value = row.get(col, "")
    if not value:
        raise GtfsError(name, "Pflichtfeld ist leer", line=line, field=col)
    return value


def _integer(row: Row, col: str, name: str, line: int) -> int:
    value = _need(row, col, name, line)
    try:
        return int(value)
    except ValueError:
        raise GtfsError(name, f"„{value}“ ist keine ganze Zahl", line=line, field=col) from None


def _flag(row: Row, col: str, line: int) -> bool:
    value = row.get(col, "")
    if value not in {"0", "1"}:
        raise GtfsError("calendar.txt", f"muss 0 oder 1 sein, nicht „{value}“", line=line, field=col)
    return value == "1"


def _date(row: Row, col: str, name: str, line: int) -> date:
    value = _need(row, col, name, line)
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8])) if len(value) == 8 and value.isdigit() \
            else date.fromisoformat("invalid")
    except ValueError:
        raise GtfsError(name, f"„{value}“ ist kein Datum der Form JJJJMMTT", line=line, field=col) from None


def _coordinate(row: Row, col: str, line: int, low: float, high: float) -> float:
    value = _need(row, col, "stops.txt", line)
    try:
        number = float(value)
    except ValueError:
        raise GtfsError("stops.txt", f"„{value}“ ist keine Zahl", line=line, field=col) from None
    if not low <= number <= high:
        raise GtfsError("stops.txt", f"{number} liegt außerhalb von {low} bis {high}", line=line, field=col)
    return number
