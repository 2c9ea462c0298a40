"""The GBFS 3.0 feed validates against the official MobilityData schemas and tells the truth about the pool."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from jsonschema import Draft7Validator, FormatChecker

from booking.gbfs import feed
from mobility.domain.poolcar_files import Pool
from mobility.domain.poolcars import Reservation, ReservationState, Slot
from tests.poolcars.conftest import MONDAY, REPO

SCHEMAS = REPO / "tests/data/gbfs-v3.0"
SYSTEM = feed.GbfsSystem()
NOW = MONDAY.replace(hour=10)


def validate(name: str, document: dict[str, Any]) -> None:
    """Raise if ``document`` breaks the official schema ``name``.json (formats checked too)."""
    schema = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    errors = sorted(Draft7Validator(schema, format_checker=FormatChecker()).iter_errors(document), key=str)
    assert not errors, f"{name}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def _reservations(pool: Pool) -> list[Reservation]:
    c0, c1, c2 = pool.cars[0], pool.cars[1], pool.cars[2]
    now_slot = Slot(NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    later = Slot(NOW + timedelta(hours=3), NOW + timedelta(hours=5))
    return [
        Reservation("on-trip", "a", c0.id, c0.station_id, now_slot, ReservationState.STARTED, NOW),
        Reservation("due", "b", c1.id, c1.station_id, now_slot, ReservationState.CONFIRMED, NOW),
        Reservation("later", "c", c2.id, c2.station_id, later, ReservationState.CONFIRMED, NOW),
    ]


def _documents(pool: Pool) -> dict[str, dict[str, Any]]:
    res = _reservations(pool)
    return {
        "gbfs": feed.gbfs_discovery("https://mobil.example.org/api/v1/gbfs", NOW, SYSTEM),
        "system_information": feed.system_information(NOW, SYSTEM),
        "vehicle_types": feed.vehicle_types(pool.car_types, NOW, SYSTEM),
        "station_information": feed.station_information(pool.stations, pool.cars, NOW, SYSTEM),
        "station_status": feed.station_status(pool.stations, pool.cars, res, NOW, SYSTEM),
        "vehicle_status": feed.vehicle_status(pool.cars, res, {}, NOW, SYSTEM),
    }


@pytest.mark.parametrize(
    "name",
    ["gbfs", "system_information", "vehicle_types", "station_information", "station_status", "vehicle_status"],
)
def test_feed_file_validates_against_official_schema(default_pool: Pool, name: str) -> None:
    """Each published file of the default pool is valid GBFS 3.0."""
    validate(name, _documents(default_pool)[name])


def test_schema_check_catches_a_broken_file(default_pool: Pool) -> None:
    """The validation is real: an electric car type without its range is refused by the official schema."""
    doc = feed.vehicle_types(default_pool.car_types, NOW, SYSTEM)
    del doc["data"]["vehicle_types"][0]["max_range_meters"]
    with pytest.raises(AssertionError, match="max_range_meters"):
        validate("vehicle_types", doc)


def test_status_reflects_trips_and_reservations(default_pool: Pool) -> None:
    """A car on a trip is not published, a car due now is reserved, a car booked later shows available_until."""
    docs = _documents(default_pool)
    vehicles = docs["vehicle_status"]["data"]["vehicles"]
    assert len(vehicles) == len(default_pool.cars) - 1
    by_type_station = [(v["station_id"], v["is_reserved"], v.get("available_until")) for v in vehicles]
    c1, c2 = default_pool.cars[1], default_pool.cars[2]
    assert (c1.station_id, True, None) in by_type_station
    assert (c2.station_id, False, "2026-03-02T12:00:00Z") in by_type_station
    station = next(s for s in docs["station_status"]["data"]["stations"] if s["station_id"] == c1.station_id)
    at_station = sum(c.station_id == c1.station_id for c in default_pool.cars)
    assert station["num_vehicles_available"] == at_station - 2  # one on a trip, one reserved now


def test_vehicle_ids_rotate_after_a_trip(default_pool: Pool) -> None:
    """The published vehicle id changes after each finished trip and does not reveal the car id."""
    car = default_pool.cars[5]
    first = feed.vehicle_pseudonym(car, 0, SYSTEM)
    assert first != feed.vehicle_pseudonym(car, 1, SYSTEM)
    assert car.id not in first


def test_discovery_lists_every_file_once() -> None:
    """gbfs.json names all six files with absolute URLs."""
    doc = feed.gbfs_discovery("https://mobil.example.org/api/v1/gbfs/", NOW, SYSTEM)
    names = [f["name"] for f in doc["data"]["feeds"]]
    assert sorted(names) == sorted(["gbfs", *feed.FEEDS])
    assert all(f["url"].startswith("https://mobil.example.org/api/v1/gbfs/") for f in doc["data"]["feeds"])
