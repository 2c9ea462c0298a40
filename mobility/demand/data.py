"""Reading the bundled real district data: municipalities (Destatis), settlements (GeoNames) and stops (DB HAFAS).

All readers take the folder explicitly; :func:`default_data_dir` names the bundled copy under ``data/salzlandkreis``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from mobility.domain.geo import Point

MUNICIPALITIES_FILE = "gemeinden_gv100ad_2023-11-30.csv"
SETTLEMENTS_FILE = "places_geonames500.csv"
STOPS_FILE = "stops_db_hafas.csv"
#: The same three files under neutral names, as a region pack's demand folder holds them (``mobility region build``).
PACK_FILES = {MUNICIPALITIES_FILE: "municipalities.csv", SETTLEMENTS_FILE: "settlements.csv", STOPS_FILE: "stops.csv"}


class DemandDataError(ValueError):
    """A bundled data file is missing or malformed; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Municipality:
    """One of the 21 municipalities of the district (Destatis GV100AD)."""

    ags: str
    name: str  # official name, e.g. "Bernburg (Saale), Stadt"
    population: int
    seat: Point

    @property
    def short_name(self) -> str:
        """The name without the ``, Stadt`` suffix, as it appears in stop names ("Bernburg (Saale)")."""
        return self.name.split(",")[0].strip()


@dataclass(frozen=True, slots=True)
class Settlement:
    """A settlement with at least 500 inhabitants (GeoNames)."""

    name: str
    point: Point
    population: int


@dataclass(frozen=True, slots=True)
class RawStop:
    """A real public-transport stop as listed in the DB HAFAS station file."""

    id: str
    name: str
    point: Point
    weight: float  # importance (HAFAS weight; large for rail stations)
    bus: bool
    regional: bool

    @property
    def town(self) -> str:
        """The town after the last comma of the name ("" when the name has no comma)."""
        return self.name.rsplit(",", 1)[1].strip() if "," in self.name else ""


def default_data_dir() -> Path:
    """The bundled ``data/salzlandkreis`` folder of the repository."""
    return Path(__file__).resolve().parents[2] / "data" / "salzlandkreis"


def _file(data_dir: Path, name: str) -> Path:
    """``data_dir/name``, or the neutral name of a region pack's demand folder when only that exists."""
    path = data_dir / name
    pack = data_dir / PACK_FILES[name]
    return pack if not path.is_file() and pack.is_file() else path


def _rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    if not path.is_file():
        msg = f"{path}: file not found"
        raise DemandDataError(msg)
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            msg = f"{path}: missing column(s) {', '.join(missing)}"
            raise DemandDataError(msg)
        return [(line, row) for line, row in enumerate(reader, start=2)]


def _number(path: Path, line: int, what: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError as exc:
        msg = f"{path}, line {line}: bad {what} {raw!r} ({exc})"
        raise DemandDataError(msg) from exc


def _point(path: Path, line: int, lon: str, lat: str) -> Point:
    try:
        return Point(float(lon), float(lat))
    except ValueError as exc:
        msg = f"{path}, line {line}: bad coordinates ({exc})"
        raise DemandDataError(msg) from exc


def read_municipalities(data_dir: Path) -> list[Municipality]:
    """The municipalities with their population and seat."""
    path = _file(data_dir, MUNICIPALITIES_FILE)
    out = []
    for line, row in _rows(path, ("ags", "name", "population", "seat_lat", "seat_lon")):
        pop = int(_number(path, line, "population", row["population"]))
        out.append(Municipality(row["ags"], row["name"], pop, _point(path, line, row["seat_lon"], row["seat_lat"])))
    return out


def read_settlements(data_dir: Path) -> list[Settlement]:
    """Settlements with at least 500 inhabitants."""
    path = _file(data_dir, SETTLEMENTS_FILE)
    out = []
    for line, row in _rows(path, ("name", "lat", "lon", "population")):
        pop = int(_number(path, line, "population", row["population"]))
        out.append(Settlement(row["name"], _point(path, line, row["lon"], row["lat"]), pop))
    return out


def read_stops(data_dir: Path) -> list[RawStop]:
    """The real stops with their importance weights."""
    path = _file(data_dir, STOPS_FILE)
    out = []
    for line, row in _rows(path, ("id", "name", "lat", "lon", "weight", "bus", "regional")):
        weight = _number(path, line, "weight", row["weight"])
        out.append(
            RawStop(
                row["id"],
                row["name"],
                _point(path, line, row["lon"], row["lat"]),
                weight,
                row["bus"] == "True",
                row["regional"] == "True",
            )
        )
    return out
