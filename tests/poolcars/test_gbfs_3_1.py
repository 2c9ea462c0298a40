"""GBFS 3.1 (release candidate 3) beside 3.0: every file validates against the official 3.1 schemas
(tests/data/gbfs-v3.1), stations carry their ``city``, and ``vehicle_availability`` tells when each car can still be
reserved — from the reservations, the buffer, the cars' booking hours; pure and over HTTP on both stores."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from jsonschema import Draft7Validator, FormatChecker

from booking.gbfs import feed
from booking.gbfs.availability import free_slots, vehicle_availability
from mobility.domain.poolcar_files import Pool
from mobility.domain.poolcars import PoolRules, Reservation, ReservationState, Slot, WeeklyHours
from tests.poolcars.conftest import KREIS, MONDAY, REPO, car
from tests.poolcars.service_env import T0, PoolEnv, at
from tests.poolcars.test_poolcar_api import offer, reserve
from tests.poolcars.test_poolcar_gbfs import _reservations  # the same reservations at the same time

SCHEMAS = REPO / "tests/data/gbfs-v3.1"
SYSTEM = replace(feed.GbfsSystem(), version=feed.GBFS_3_1)
NOW = MONDAY.replace(hour=10)
RULES = PoolRules()
BASES = {"3.0": "https://mobil.example.org/api/v1/gbfs", "3.1-RC3": "https://mobil.example.org/api/v1/gbfs/v3.1"}


def problems(name: str, document: dict[str, Any]) -> list[str]:
    """What the official 3.1 schema ``name``.json finds wrong with ``document`` (formats checked too)."""
    schema = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    errors = sorted(Draft7Validator(schema, format_checker=FormatChecker()).iter_errors(document), key=str)
    return [f"{list(e.path)}: {e.message}" for e in errors]


def _documents(pool: Pool) -> dict[str, dict[str, Any]]:
    res = _reservations(pool)
    return {
        "gbfs": feed.gbfs_discovery(BASES[feed.GBFS_3_1], NOW, SYSTEM),
        "gbfs_versions": feed.gbfs_versions(BASES, NOW, SYSTEM),
        "system_information": feed.system_information(NOW, SYSTEM),
        "vehicle_types": feed.vehicle_types(pool.car_types, NOW, SYSTEM),
        "station_information": feed.station_information(pool.stations, pool.cars, NOW, SYSTEM),
        "station_status": feed.station_status(pool.stations, pool.cars, res, NOW, SYSTEM),
        "vehicle_status": feed.vehicle_status(pool.cars, res, {}, NOW, SYSTEM),
        "vehicle_availability": vehicle_availability(pool.cars, res, {}, NOW, rules=RULES, system=SYSTEM),
    }


@pytest.mark.parametrize("name", ["gbfs", *feed.FEEDS_3_1])
def test_every_3_1_file_validates_against_the_official_schema(default_pool: Pool, name: str) -> None:
    """Each file of the default pool is valid GBFS 3.1-RC3 (the 3.0 files stay valid 3.0: test_poolcar_gbfs)."""
    assert problems(name, _documents(default_pool)[name]) == []


def test_the_schema_check_catches_what_3_1_forbids(default_pool: Pool) -> None:
    """The check is real: a 3.0 version string, an availability without ``from``, and a ``city`` in a 3.0 file
    (where the schema does not know it) are refused."""
    docs = _documents(default_pool)
    assert any("'3.1-RC3' was expected" in p for p in problems("system_information", {
        **docs["system_information"], "version": "3.0"}))
    broken = json.loads(json.dumps(docs["vehicle_availability"]))
    del broken["data"]["vehicles"][-1]["availabilities"][0]["from"]
    assert any("'from' is a required property" in p for p in problems("vehicle_availability", broken))
    old = feed.station_information(default_pool.stations, default_pool.cars, NOW, feed.GbfsSystem())
    assert all("city" not in s for s in old["data"]["stations"])
    assert {s["city"] for s in docs["station_information"]["data"]["stations"]} >= {"Bernburg (Saale)", "Staßfurt"}


def test_availability_follows_reservations_buffer_and_hours() -> None:
    """A car booked 13–15 h is free until 12:45 (the next reservation needs the 15-minute buffer before it) and
    again from 15:15 without end; a car reserved now is free from the reservation's end plus the buffer; a car
    with booking hours Mon–Fri 06–22 h is free in those hours only (each piece with its end); a car out of
    service has no availability; a car on a trip is not published; a gap shorter than the shortest reservation
    (30 min) is no availability."""
    free, busy, hours, broken, away = (car(f"c{k}", KREIS) for k in range(5))
    hours = replace(hours, availability=WeeklyHours(tuple((d, datetime.min.time().replace(hour=6),
                                                             datetime.min.time().replace(hour=22)) for d in range(5))))
    broken = replace(broken, in_service=False)

    def booked(c_id: str, start_h: float, end_h: float, state: ReservationState = ReservationState.CONFIRMED) -> \
            Reservation:
        slot = Slot(NOW + timedelta(hours=start_h), NOW + timedelta(hours=end_h))
        return Reservation(f"r-{c_id}-{start_h}", "x", c_id, KREIS.id, slot, state, NOW)

    reservations = [booked("c0", 3, 5), booked("c0", 5.75, 7), booked("c1", -1, 0.5),
                    booked("c4", -1, 1, ReservationState.STARTED)]
    doc = vehicle_availability([free, busy, hours, broken, away], reservations, {}, NOW, rules=RULES, system=SYSTEM)
    assert problems("vehicle_availability", doc) == []
    by_car = {v["vehicle_id"]: v["availabilities"] for v in doc["data"]["vehicles"]}
    ids = {c.id: feed.vehicle_pseudonym(c, 0, SYSTEM) for c in (free, busy, hours, broken, away)}
    assert ids["c4"] not in by_car
    assert by_car[ids["c0"]] == [{"from": "2026-03-02T09:00:00Z", "until": "2026-03-02T11:45:00Z"},
                                 {"from": "2026-03-02T16:15:00Z"}]  # 14:15–14:30 (local 15:15–15:30) too short
    assert by_car[ids["c1"]] == [{"from": "2026-03-02T09:45:00Z"}]
    assert by_car[ids["c3"]] == []
    pieces = by_car[ids["c2"]]
    assert pieces[0] == {"from": "2026-03-02T09:00:00Z", "until": "2026-03-02T21:00:00Z"}  # Monday until 22 h
    assert pieces[1] == {"from": "2026-03-03T05:00:00Z", "until": "2026-03-03T21:00:00Z"}
    assert all("until" in p for p in pieces)
    assert len(free_slots(hours, [], NOW, RULES)) == len(pieces)


def test_the_3_1_feed_over_http_on_both_stores(pool_env: PoolEnv) -> None:
    """With a reservation in place, every /gbfs/v3.1 file validates; gbfs.json names its files under /v3.1 with
    vehicle_availability, its gbfs_versions lists 3.0 and 3.1-RC3 (3.0 has none); the reserved car is available up to
    the buffer before its reservation and again after it; unknown files are 404, and 3.0 has no
    vehicle_availability."""
    env = pool_env
    anna = env.user("anna")
    chosen = offer(env, anna, start=at(3), end=at(5)).json()[0]
    assert reserve(env, anna, chosen["id"]).status_code == 201
    docs = {}
    for name in ("gbfs", *feed.FEEDS_3_1):
        r = env.client.get(f"/api/v1/gbfs/v3.1/{name}.json")
        assert r.status_code == 200, (name, r.text)
        assert problems(name, r.json()) == [], name
        docs[name] = r.json()
    feeds = {f["name"]: f["url"] for f in docs["gbfs"]["data"]["feeds"]}
    assert feeds["vehicle_availability"] == "http://testserver/api/v1/gbfs/v3.1/vehicle_availability.json"
    versions = [(v["version"], v["url"]) for v in docs["gbfs_versions"]["data"]["versions"]]
    assert versions == [("3.0", "http://testserver/api/v1/gbfs/gbfs.json"),
                        ("3.1-RC3", "http://testserver/api/v1/gbfs/v3.1/gbfs.json")]
    old = {f["name"] for f in env.client.get("/api/v1/gbfs/gbfs.json").json()["data"]["feeds"]}
    assert "gbfs_versions" not in old  # the 3.0 schema cannot name 3.1-RC3
    assert env.client.get("/api/v1/gbfs/gbfs_versions.json").status_code == 404
    start = T0 + timedelta(hours=3) - timedelta(minutes=15)
    until = [a.get("until") for v in docs["vehicle_availability"]["data"]["vehicles"] for a in v["availabilities"]]
    assert feed._stamp(start) in until  # the reserved car, whichever it is
    assert env.client.get("/api/v1/gbfs/v3.1/nope.json").status_code == 404
    assert env.client.get("/api/v1/gbfs/vehicle_availability.json").status_code == 404
