"""Stop candidates from the bundled district data: real stops of the 21 municipalities and meeting points.

A stop belongs to the municipality named after the last comma of its name ("Markt, Staßfurt");
names cut short in the source ("Bernburg (Saale") match by unique prefix. Railway stations carry no
town ("Bernburg Hbf"): they take the municipality of the nearest named stop within 2 km. Stops of
neighbouring towns are dropped. Settlements with no stop within 1 km get a meeting point.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mobility.domain.stops import StopKind
from routing.network.errors import NetworkFileError
from routing.network.projection import LocalProjection

STOPS_FILE = "stops_db_hafas.csv"
MUNICIPALITIES_FILE = "gemeinden_gv100ad_2023-11-30.csv"
PLACES_FILE = "places_geonames500.csv"
STATION_RADIUS_M = 2_000.0
MEETING_POINT_GAP_M = 1_000.0


@dataclass(frozen=True)
class StopCandidate:
    """A stop before it is snapped to a network (WGS84 position)."""

    id: str
    name: str
    municipality: str
    lon: float
    lat: float
    kind: StopKind = StopKind.STOP


@dataclass(frozen=True)
class Place:
    """A named point: a settlement or a municipality seat."""

    id: str
    name: str
    lon: float
    lat: float


def _read_csv(path: Path, required: Sequence[str]) -> list[dict[str, str]]:
    if not path.is_file():
        msg = f"district data file not found: {path}"
        raise NetworkFileError(msg)
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            msg = f"{path}: missing column(s) {', '.join(missing)}"
            raise NetworkFileError(msg)
        return list(reader)


def municipality_names(data_dir: Path) -> list[str]:
    """Short names of the district's municipalities ("Bernburg (Saale)", "Seeland" …)."""
    rows = _read_csv(data_dir / MUNICIPALITIES_FILE, ["name"])
    return [r["name"].removesuffix(", Stadt").strip() for r in rows]


def municipality_of(stop_name: str, municipalities: Sequence[str]) -> str | None:
    """The municipality after the last comma of ``stop_name`` if it is one of ``municipalities``."""
    if "," not in stop_name:
        return None
    town = stop_name.rsplit(",", 1)[1].strip()
    if town in municipalities:
        return town
    prefixed = [m for m in municipalities if len(town) >= 6 and m.startswith(town)]
    return prefixed[0] if len(prefixed) == 1 else None


def municipality_seats(data_dir: Path) -> list[Place]:
    """The seat of each municipality (GeoNames coordinates)."""
    rows = _read_csv(data_dir / MUNICIPALITIES_FILE, ["ags", "seat_geonames", "seat_lat", "seat_lon"])
    return [Place(f"ags-{r['ags']}", r["seat_geonames"], float(r["seat_lon"]), float(r["seat_lat"])) for r in rows]


def settlements(data_dir: Path) -> list[Place]:
    """Settlements with at least 500 inhabitants in and near the district (GeoNames)."""
    rows = _read_csv(data_dir / PLACES_FILE, ["geonameid", "name", "lat", "lon"])
    return [Place(r["geonameid"], r["name"], float(r["lon"]), float(r["lat"])) for r in rows]


def all_stop_rows(data_dir: Path) -> list[dict[str, str]]:
    """Every row of the bundled stop list, including stops of neighbouring towns."""
    return _read_csv(data_dir / STOPS_FILE, ["id", "name", "lat", "lon"])


def district_stop_candidates(data_dir: Path) -> list[StopCandidate]:
    """Real stops of the district's municipalities followed by meeting points at stop-less settlements."""
    municipalities = municipality_names(data_dir)
    rows = all_stop_rows(data_dir)
    named: list[StopCandidate] = []
    unnamed: list[dict[str, str]] = []
    for row in rows:
        town = municipality_of(row["name"], municipalities)
        if town is not None:
            named.append(StopCandidate(row["id"], row["name"], town, float(row["lon"]), float(row["lat"])))
        elif "," not in row["name"]:
            unnamed.append(row)
    lon = np.array([float(r["lon"]) for r in rows])
    lat = np.array([float(r["lat"]) for r in rows])
    proj = LocalProjection.around(lon, lat)
    stations = _assign_by_nearest(unnamed, named, proj)
    kept = named + stations
    return kept + _meeting_points(settlements(data_dir), rows, kept, proj)


def _nearest(
    proj: LocalProjection, lon: float, lat: float, among: Sequence[StopCandidate]
) -> tuple[StopCandidate, float]:
    xy = proj.xy(np.array([c.lon for c in among]), np.array([c.lat for c in among]))
    d = np.hypot(*(xy - proj.xy(np.array([lon]), np.array([lat]))).T)
    i = int(d.argmin())
    return among[i], float(d[i])


def _assign_by_nearest(
    rows: Sequence[dict[str, str]], named: Sequence[StopCandidate], proj: LocalProjection
) -> list[StopCandidate]:
    out: list[StopCandidate] = []
    for row in rows:
        lon, lat = float(row["lon"]), float(row["lat"])
        near, dist = _nearest(proj, lon, lat, named)
        if dist <= STATION_RADIUS_M:
            out.append(StopCandidate(row["id"], row["name"], near.municipality, lon, lat))
    return out


def _meeting_points(
    places: Sequence[Place],
    rows: Sequence[dict[str, str]],
    kept: Sequence[StopCandidate],
    proj: LocalProjection,
) -> list[StopCandidate]:
    every = [StopCandidate(r["id"], r["name"], "", float(r["lon"]), float(r["lat"])) for r in rows]
    out: list[StopCandidate] = []
    for place in places:
        _, gap = _nearest(proj, place.lon, place.lat, every)
        if gap <= MEETING_POINT_GAP_M:
            continue
        near, dist = _nearest(proj, place.lon, place.lat, kept)
        if dist <= STATION_RADIUS_M * 2:
            out.append(
                StopCandidate(
                    f"mp-{place.id}",
                    f"{place.name} (Treffpunkt)",
                    near.municipality,
                    place.lon,
                    place.lat,
                    StopKind.MEETING_POINT,
                )
            )
    return out
