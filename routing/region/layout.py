"""The default fleet, pool-car stations and demand data of a new region, laid out from its stops and places.

How (documented in docs/regions.md):

* **Towns.** Stops are grouped by their municipality (the town after the last comma of the stop name).
* **Inhabitants.** A town's inhabitants are the ``population`` tags of the OSM place nodes (city, town, village,
  suburb, hamlet) of that name or lying nearest to its stops; where OSM has no figure, ``INHABITANTS_PER_STOP``
  per stop (186,420 inhabitants / 693 stops of the Salzlandkreis) — an estimate, marked so in the manifest.
* **Vehicles.** One minibus per ``INHABITANTS_PER_VEHICLE`` inhabitants (the Salzlandkreis default fleet: 36 buses
  for 186,420), at least 2, at most ``MAX_VEHICLES``.
* **Depots.** One depot per ``VEHICLES_PER_DEPOT`` vehicles (at least one), at the largest towns; the depot is the
  town's central stop (a bus station, station, market or town hall by name, else the stop nearest the middle of the
  town's stops). Vehicles go to depots in proportion to their towns' inhabitants; one per depot carries a wheelchair.
* **Shifts.** Early 06–14 h and late 14–22 h every day, breaks as in the Salzlandkreis fleet.
* **Pool cars.** One station with two cars at each depot town's central stop.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mobility.domain.stops import Stop
from routing.network.projection import LocalProjection

INHABITANTS_PER_STOP = 270
INHABITANTS_PER_VEHICLE = 5_200
VEHICLES_PER_DEPOT = 9
MAX_VEHICLES = 60
_CENTRAL = re.compile(r"ZOB|Busbahnhof|Bahnhof|Hbf|Markt|Rathaus|Ortsmitte|Zentrum|Mitte\b", re.IGNORECASE)


@dataclass(frozen=True)
class Place:
    """A named OSM place node (``place=*``), with its ``population`` tag if it has one."""

    name: str
    kind: str
    lon: float
    lat: float
    population: int | None


@dataclass(frozen=True)
class Town:
    """A municipality of the region: its stops, inhabitants (and whether counted or estimated), central stop."""

    name: str
    stops: tuple[Stop, ...]
    inhabitants: int
    counted: bool
    centre: Stop


def towns_of(stops: Sequence[Stop], places: Sequence[Place]) -> list[Town]:
    """The towns of the stops, largest first (inhabitants, then stops)."""
    by_town: dict[str, list[Stop]] = {}
    for stop in stops:
        by_town.setdefault(stop.municipality or "Region", []).append(stop)
    counted = _counted_inhabitants(by_town, places)
    towns = []
    for name, members in by_town.items():
        people = counted.get(name)
        towns.append(Town(name, tuple(members), people or len(members) * INHABITANTS_PER_STOP, people is not None,
                          _central_stop(members)))
    return sorted(towns, key=lambda t: (-t.inhabitants, -len(t.stops), t.name))


def _counted_inhabitants(by_town: dict[str, list[Stop]], places: Sequence[Place]) -> dict[str, int]:
    """Population tags summed per town: a place named like the town, else places whose nearest stop is the town's."""
    tagged = [p for p in places if p.population]
    if not tagged or not by_town:
        return {}
    out: dict[str, int] = {}
    for town in by_town:
        same = [p.population or 0 for p in tagged if p.name == town]
        if same:
            out[town] = max(same)
    every = [(s, town) for town, members in by_town.items() for s in members]
    lon = np.array([s.point.lon for s, _ in every])
    lat = np.array([s.point.lat for s, _ in every])
    proj = LocalProjection.around(lon, lat)
    xy = proj.xy(lon, lat)
    for p in tagged:
        if any(p.name == t for t in by_town):
            continue
        d = np.hypot(*(xy - proj.xy(np.array([p.lon]), np.array([p.lat]))).T)
        k = int(d.argmin())
        if d[k] <= 3_000 and every[k][1] not in {t for t in by_town if any(q.name == t for q in tagged)}:
            out[every[k][1]] = out.get(every[k][1], 0) + (p.population or 0)
    return out


def _central_stop(stops: Sequence[Stop]) -> Stop:
    lon = np.array([s.point.lon for s in stops])
    lat = np.array([s.point.lat for s in stops])
    proj = LocalProjection.around(lon, lat)
    d = np.hypot(*(proj.xy(lon, lat) - proj.xy(np.array([lon.mean()]), np.array([lat.mean()]))).T)
    central = [i for i, s in enumerate(stops) if _CENTRAL.search(s.name.rsplit(",", 1)[0])]
    pool = central or list(range(len(stops)))
    return stops[min(pool, key=lambda i: (d[i], stops[i].id))]


def _shares(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` split in proportion to ``weights``, each at least 1 (largest remainder)."""
    base = [1] * len(weights)
    rest = total - len(weights)
    exact = [rest * w / sum(weights) for w in weights]
    counts = [int(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: rest - sum(counts)]:
        counts[i] += 1
    return [b + c for b, c in zip(base, counts, strict=True)]


def _slug(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower().translate(str.maketrans("äöüß", "aous"))).strip("-") or "depot"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def default_fleet(towns: Sequence[Town], timezone: str) -> dict[str, object]:
    """The fleet document (routing.fleet's TOML format) laid out at the largest towns."""
    people = sum(t.inhabitants for t in towns)
    vehicles = min(MAX_VEHICLES, max(2, math.ceil(people / INHABITANTS_PER_VEHICLE)))
    hosts = list(towns[: max(1, min(len(towns), math.ceil(vehicles / VEHICLES_PER_DEPOT)))])
    counts = _shares(vehicles, [t.inhabitants for t in hosts]) if vehicles >= len(hosts) else [1] * len(hosts)
    taken: set[str] = set()
    depots, groups = [], []
    for town, count in zip(hosts, counts, strict=True):
        slug = _slug(town.name, taken)
        depots.append({"id": slug, "stop_id": town.centre.id, "name": town.centre.name,
                       "lon": round(town.centre.point.lon, 6), "lat": round(town.centre.point.lat, 6)})
        prefix = slug[:3].upper()
        groups.append({"depot": slug, "type": "minibus-rollstuhl", "count": 1, "prefix": f"{prefix}-R",
                       "shifts": ["early", "late"]})
        if count > 1:
            groups.append({"depot": slug, "type": "minibus", "count": count - 1, "prefix": f"{prefix}-",
                           "shifts": ["early", "late"]})
    return {
        "timezone": timezone,
        "vehicle_types": {
            "minibus": {"name": "Kleinbus (8 Sitze)", "kind": "minibus", "seats": 8, "wheelchairs": 0,
                        "strollers": 2, "co2_g_per_km": 230},
            "minibus-rollstuhl": {"name": "Kleinbus mit Rollstuhlplatz (6 Sitze, 1 Rollstuhl)", "kind": "minibus",
                                  "seats": 6, "wheelchairs": 1, "strollers": 1, "co2_g_per_km": 240},
        },
        "shift_patterns": {
            "early": {"days": "Mo-So", "start": "06:00", "end": "14:00",
                      "break": {"earliest": "09:30", "latest": "11:00", "minutes": 30}},
            "late": {"days": "Mo-So", "start": "14:00", "end": "22:00",
                     "break": {"earliest": "17:30", "latest": "19:00", "minutes": 30}},
        },
        "depots": depots,
        "groups": groups,
    }


def pool_documents(fleet: dict[str, object], towns: Sequence[Town]) -> tuple[dict[str, object], dict[str, object]]:
    """Pool-car stations (one per depot town, at its central stop) and two cars each."""
    by_stop = {t.centre.id: t for t in towns}
    stations, cars = [], []
    for depot in fleet["depots"]:  # type: ignore[attr-defined]
        town = by_stop[depot["stop_id"]]
        sid = f"{depot['id']}-pool"
        stations.append({"id": sid, "name": f"Pool-Station {town.name}", "municipality": town.name,
                         "kind": "town_centre", "stop_id": town.centre.id, "stop_name": town.centre.name,
                         "lat": depot["lat"], "lon": depot["lon"], "capacity": 2})
        for k in (1, 2):
            cars.append({"id": f"{sid}-{k}", "name": f"E-Kleinwagen {town.name} {k}", "type": "kleinwagen-ev",
                         "station": sid, "availability": "Mo-Fr 06:00-22:00; Sa,Su 08:00-20:00"})
    car_types = [{"id": "kleinwagen-ev", "name": "Kleinwagen elektrisch", "seats": 5,
                  "wheelchair_accessible": False, "propulsion": "electric", "max_range_km": 300}]
    return {"station": stations}, {"car_type": car_types, "car": cars}


def demand_tables(towns: Sequence[Town], places: Sequence[Place]) -> dict[str, list[dict[str, object]]]:
    """Rows of the demand model's three files: municipalities, settlements (≥ 1 inhabitant known) and stops."""
    municipalities: list[dict[str, object]] = []
    for k, town in enumerate(towns, start=1):
        lon = float(np.mean([s.point.lon for s in town.stops]))
        lat = float(np.mean([s.point.lat for s in town.stops]))
        municipalities.append({"ags": f"R{k:04d}", "name": town.name, "population": town.inhabitants,
                               "seat_lat": round(lat, 6), "seat_lon": round(lon, 6), "counted": town.counted})
    tagged = [p for p in places if p.population]
    settlements: list[dict[str, object]] = [
        {"geonameid": f"osm-{k}", "name": p.name, "lat": p.lat, "lon": p.lon, "population": p.population}
        for k, p in enumerate(tagged, start=1)]
    if not settlements:  # no population tags: the towns' centres carry their (estimated) inhabitants
        settlements = [{"geonameid": m["ags"], "name": m["name"], "lat": m["seat_lat"], "lon": m["seat_lon"],
                        "population": m["population"]} for m in municipalities]
    stops: list[dict[str, object]] = [
        {"id": s.id, "name": s.name, "type": "stop", "lat": s.point.lat, "lon": s.point.lon, "weight": 1.0,
         "bus": True, "regional": False} for t in towns for s in t.stops]
    return {"municipalities": municipalities, "settlements": settlements, "stops": stops}
