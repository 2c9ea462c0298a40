"""Build the GBFS files of the pool-car system from domain objects: pure functions returning JSON dicts.

Two versions side by side: 3.0 and 3.1 (release candidate 3, ``3.1-RC3``, the version string of its official
schemas); a :class:`GbfsSystem` carries the version its files declare. Files: ``gbfs``, ``system_information``,
``vehicle_types``, ``station_information``, ``station_status``, ``vehicle_status``, and in 3.1 ``gbfs_versions``
(both versions), ``vehicle_availability`` (booking.gbfs.availability) and the stations' ``city``. Cars on a trip are
left out of ``vehicle_status`` (GBFS: vehicles in an active rental are not published) and their ``vehicle_id`` is a
pseudonym that changes after every trip, so trips cannot be followed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mobility.domain.poolcars import Car, CarType, Reservation, ReservationState, Station

GBFS_VERSION = "3.0"
GBFS_3_1 = "3.1-RC3"  # GBFS 3.1, release candidate 3 (2026-05): the version string its schemas require
VERSIONS = (GBFS_VERSION, GBFS_3_1)
FEEDS = (
    "system_information",
    "vehicle_types",
    "station_information",
    "station_status",
    "vehicle_status",
)
# gbfs_versions only in 3.1: the 3.0 schema's version list stops at 3.0, so a 3.0 file cannot name 3.1-RC3
FEEDS_3_1 = ("gbfs_versions", *FEEDS, "vehicle_availability")


def feeds_of(version: str) -> tuple[str, ...]:
    """The files (besides ``gbfs``) published in ``version``."""
    return FEEDS_3_1 if version == GBFS_3_1 else FEEDS


@dataclass(frozen=True, slots=True)
class GbfsSystem:
    """Static facts about the pool-car system published in ``system_information``."""

    system_id: str = "salzlandkreis-auto-pool"
    name: str = "Auto-Pool Salzlandkreis"
    operator: str = "Salzlandkreis und Städte des Salzlandkreises"
    feed_contact_email: str = "mobilitaet@kreis-slk.de"
    timezone: str = "Europe/Berlin"
    language: str = "de"
    opening_hours: str = "24/7"
    ttl_s: int = 60
    version: str = GBFS_VERSION  # which GBFS version the files declare (GBFS_VERSION or GBFS_3_1)
    #: secret of the vehicle_id pseudonyms (the service derives it from its signing key); random when not given
    pseudonym_salt: str = field(default_factory=lambda: secrets.token_hex(32), repr=False)


def _text(text: str, language: str) -> list[dict[str, str]]:
    return [{"text": text, "language": language}]


def _stamp(t: datetime) -> str:
    """RFC 3339 with seconds and offset, as GBFS asks for."""
    return t.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def envelope(data: Mapping[str, Any], now: datetime, system: GbfsSystem) -> dict[str, Any]:
    """The common GBFS wrapper: ``last_updated``, ``ttl``, ``version``, ``data``."""
    return {"last_updated": _stamp(now), "ttl": system.ttl_s, "version": system.version, "data": dict(data)}


def gbfs_discovery(base_url: str, now: datetime, system: GbfsSystem) -> dict[str, Any]:
    """``gbfs.json``: the list of published files with absolute URLs under ``base_url``."""
    base = base_url.rstrip("/")
    feeds = [{"name": "gbfs", "url": f"{base}/gbfs.json"}]
    feeds += [{"name": name, "url": f"{base}/{name}.json"} for name in feeds_of(system.version)]
    return envelope({"feeds": feeds}, now, system)


def gbfs_versions(bases: Mapping[str, str], now: datetime, system: GbfsSystem) -> dict[str, Any]:
    """``gbfs_versions.json``: every published version with the URL of its ``gbfs.json`` (``bases``: version →
    base URL of its files)."""
    versions = [{"version": v, "url": f"{bases[v].rstrip('/')}/gbfs.json"} for v in VERSIONS if v in bases]
    return envelope({"versions": versions}, now, system)


def system_information(now: datetime, system: GbfsSystem) -> dict[str, Any]:
    """``system_information.json``."""
    lang = system.language
    data = {
        "system_id": system.system_id,
        "languages": [lang],
        "name": _text(system.name, lang),
        "operator": _text(system.operator, lang),
        "opening_hours": system.opening_hours,
        "feed_contact_email": system.feed_contact_email,
        "timezone": system.timezone,
    }
    return envelope(data, now, system)


def vehicle_types(types: Sequence[CarType], now: datetime, system: GbfsSystem) -> dict[str, Any]:
    """``vehicle_types.json``: one entry per car type (form factor car, propulsion, range, seats)."""
    lang = system.language
    out = []
    for t in types:
        entry: dict[str, Any] = {
            "vehicle_type_id": t.id,
            "form_factor": "car",
            "propulsion_type": str(t.propulsion),
            "max_range_meters": t.max_range_m,
            "name": _text(t.name, lang),
            "rider_capacity": t.seats,
            "wheel_count": 4,
        }
        if t.wheelchair_accessible:
            entry["description"] = _text("Mit Rollstuhlrampe und Rollstuhlplatz.", lang)
        if t.make:
            entry["make"] = _text(t.make, lang)
        if t.model:
            entry["model"] = _text(t.model, lang)
        out.append(entry)
    return envelope({"vehicle_types": out}, now, system)


def station_information(
    stations: Sequence[Station], cars: Sequence[Car], now: datetime, system: GbfsSystem
) -> dict[str, Any]:
    """``station_information.json``: name, position, capacity and which car types park there."""
    lang = system.language
    out = []
    for s in stations:
        type_ids = sorted({c.type.id for c in cars if c.station_id == s.id})
        entry: dict[str, Any] = {
            "station_id": s.id,
            "name": _text(s.name, lang),
            "lat": s.point.lat,
            "lon": s.point.lon,
            "capacity": s.capacity,
            "is_virtual_station": False,
            "parking_type": "parking_lot",
        }
        if s.address:
            entry["address"] = s.address
        if system.version != GBFS_VERSION and s.municipality:
            entry["city"] = s.municipality  # added in 3.1
        if type_ids:
            entry["vehicle_types_capacity"] = [{"vehicle_type_ids": type_ids, "count": s.capacity}]
        out.append(entry)
    return envelope({"stations": out}, now, system)


def _state_of(car: Car, reservations: Sequence[Reservation], now: datetime) -> tuple[bool, bool, datetime | None]:
    """(on a trip, reserved now, next reservation start) of ``car``."""
    mine = [r for r in reservations if r.car_id == car.id and r.active]
    on_trip = any(r.state is ReservationState.STARTED for r in mine)
    reserved = any(r.slot.start <= now < r.slot.end for r in mine)
    upcoming = [r.slot.start for r in mine if r.slot.start > now]
    return on_trip, reserved, min(upcoming) if upcoming else None


def station_status(
    stations: Sequence[Station],
    cars: Sequence[Car],
    reservations: Sequence[Reservation],
    now: datetime,
    system: GbfsSystem,
) -> dict[str, Any]:
    """``station_status.json``: cars free to rent now, disabled cars and free parking spaces per station."""
    out = []
    for s in stations:
        here = [c for c in cars if c.station_id == s.id]
        states = {c.id: _state_of(c, reservations, now) for c in here}
        present = [c for c in here if not states[c.id][0]]
        available = [c for c in present if c.in_service and not states[c.id][1]]
        counts: dict[str, int] = {}
        for c in available:
            counts[c.type.id] = counts.get(c.type.id, 0) + 1
        out.append(
            {
                "station_id": s.id,
                "num_vehicles_available": len(available),
                "vehicle_types_available": [{"vehicle_type_id": k, "count": n} for k, n in sorted(counts.items())],
                "num_vehicles_disabled": sum(not c.in_service for c in present),
                "num_docks_available": max(0, s.capacity - len(present)),
                "is_installed": True,
                "is_renting": any(c.in_service for c in here),
                "is_returning": True,
                "last_reported": _stamp(now),
            }
        )
    return envelope({"stations": out}, now, system)


def vehicle_pseudonym(car: Car, trips: int, system: GbfsSystem) -> str:
    """A ``vehicle_id`` that changes after every trip of the car (``trips``: finished trips so far).

    An HMAC under the system's secret: without it, no one can compute a car's id for a trip count and so map the
    published ids back to cars (as a plain hash of the public car id could be)."""
    digest = hmac.new(system.pseudonym_salt.encode(), f"{car.id}:{trips}".encode(), hashlib.sha256).hexdigest()
    return f"v-{digest[:16]}"


def vehicle_status(
    cars: Sequence[Car],
    reservations: Sequence[Reservation],
    trips: Mapping[str, int],
    now: datetime,
    system: GbfsSystem,
) -> dict[str, Any]:
    """``vehicle_status.json``: every parked car with its station, reservation state and range."""
    out = []
    for c in cars:
        on_trip, reserved, next_start = _state_of(c, reservations, now)
        if on_trip:
            continue
        entry: dict[str, Any] = {
            "vehicle_id": vehicle_pseudonym(c, trips.get(c.id, 0), system),
            "station_id": c.station_id,
            "home_station_id": c.station_id,
            "vehicle_type_id": c.type.id,
            "is_reserved": reserved,
            "is_disabled": not c.in_service,
            "current_range_meters": c.range_m,
            "last_reported": _stamp(now),
        }
        if next_start is not None and not reserved:
            entry["available_until"] = _stamp(next_start)
        out.append(entry)
    return envelope({"vehicles": out}, now, system)
