"""Dispatcher and admin functions of the pool-car API, availability, and the live GBFS endpoints (both stores)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft7Validator, FormatChecker

from tests.poolcars.service_env import PoolEnv, at
from tests.poolcars.test_poolcar_api import offer, reserve

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "gbfs-v3.0"


@pytest.fixture
def env(pool_env: PoolEnv) -> PoolEnv:
    """The default pool at Monday 07:00, on SQLite and then on PostGIS."""
    return pool_env


def test_breakdown_moves_reservation_to_the_twin_car(env: PoolEnv) -> None:
    """The Kreisverwaltung has two e-cars: when one breaks down, its reservation moves to the other."""
    anna, disp = env.user("anna"), env.user("disp", "dispatcher")
    first = offer(env, anna, car_type_id="kleinwagen-ev").json()[0]
    rid = reserve(env, anna, first["id"]).json()["id"]
    r = env.client.post(f"/api/v1/poolcars/cars/{first['car_id']}/out-of-service", headers=disp)
    assert r.status_code == 200, r.text
    assert r.json()["unkept"] == []
    twin = r.json()["moved"][rid]
    assert twin != first["car_id"]
    assert env.client.get(f"/api/v1/poolcars/reservations/{rid}", headers=anna).json()["car_id"] == twin
    again = offer(env, env.user("bert"), car_type_id="kleinwagen-ev")
    assert first["car_id"] not in {o["car_id"] for o in again.json()}  # broken car is not offered


def test_breakdown_reports_what_cannot_be_kept(env: PoolEnv) -> None:
    """The only wheelchair bus of the station breaks down: its reservation is REJECTED and reported."""
    anna, disp = env.user("anna"), env.user("disp", "dispatcher")
    bus = offer(env, anna, wheelchair=True).json()[0]
    rid = reserve(env, anna, bus["id"]).json()["id"]
    r = env.client.post(f"/api/v1/poolcars/cars/{bus['car_id']}/out-of-service", headers=disp).json()
    assert r["unkept"] == [rid]
    mine = env.client.get(f"/api/v1/poolcars/reservations/{rid}", headers=anna).json()
    assert (mine["state"], mine["state_reason"]) == ("REJECTED", "car_out_of_service")
    back = env.client.post(f"/api/v1/poolcars/cars/{bus['car_id']}/in-service", headers=disp)
    assert back.json()["in_service"] is True


def test_occupancy_calendar_and_availability(env: PoolEnv) -> None:
    """The dispatcher sees the reservation in the calendar; availability leaves out the slot plus buffer."""
    anna, disp = env.user("anna"), env.user("disp", "dispatcher")
    o = offer(env, anna).json()[0]
    reserve(env, anna, o["id"])
    cal = env.client.get("/api/v1/poolcars/occupancy", params={"from": at(0), "to": at(24)}, headers=disp).json()
    row = next(c for c in cal if c["car"]["id"] == o["car_id"])
    assert [r["start"] for r in row["reservations"]] == [o["start"]]
    free = env.client.get(
        "/api/v1/poolcars/availability", params={"from": at(0), "to": at(12), "car_id": o["car_id"]}, headers=anna
    ).json()
    periods = [(p["start"], p["end"]) for p in free[0]["free"]]
    assert ("2026-03-02T09:00:00Z" in [e for _, e in periods])
    assert ("2026-03-02T11:15:00Z" in [s for s, _ in periods])
    bad = env.client.get("/api/v1/poolcars/availability", params={"from": at(5), "to": at(1)}, headers=anna)
    assert bad.status_code == 422


def test_admin_manages_cars_and_stations(env: PoolEnv) -> None:
    """Admins add stations and cars; bad references are 4xx; dispatchers may not add cars."""
    admin, disp = env.user("root", "admin"), env.user("disp", "dispatcher")
    station = {
        "name": "Rathaus Hecklingen",
        "municipality": "Hecklingen",
        "kind": "town_centre",
        "coordinates": [11.535922, 51.849988],
        "capacity": 2,
    }
    assert env.client.put("/api/v1/poolcars/stations/hkl-rathaus", json=station, headers=admin).status_code == 200
    car = {"id": "car-900", "name": "Neuer E-Wagen", "type_id": "kleinwagen-ev", "station_id": "hkl-rathaus"}
    assert env.client.post("/api/v1/poolcars/cars", json=car, headers=disp).status_code == 403
    made = env.client.post("/api/v1/poolcars/cars", json=car, headers=admin)
    assert made.status_code == 201, made.text
    assert env.client.post("/api/v1/poolcars/cars", json=car, headers=admin).status_code == 409
    bad = {**car, "id": "car-901", "station_id": "mond"}
    assert env.client.post("/api/v1/poolcars/cars", json=bad, headers=admin).json()["type"].endswith("unknown_station")
    hours = env.client.patch("/api/v1/poolcars/cars/car-900", json={"availability": "Mo-Fr 7 bis 9"}, headers=admin)
    assert hours.status_code == 422
    assert env.client.patch("/api/v1/poolcars/cars/car-999", json={"name": "x"}, headers=admin).status_code == 404


@pytest.mark.parametrize(
    "name", ["gbfs", "system_information", "vehicle_types", "station_information", "station_status", "vehicle_status"]
)
def test_gbfs_endpoints_validate(env: PoolEnv, name: str) -> None:
    """Each GBFS endpoint serves a file valid against the official 3.0 schema, with a reservation in place."""
    anna = env.user("anna")
    reserve(env, anna, offer(env, anna, start=at(0.5), end=at(2)).json()[0]["id"])
    r = env.client.get(f"/api/v1/gbfs/{name}.json")
    assert r.status_code == 200
    schema = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    errors = list(Draft7Validator(schema, format_checker=FormatChecker()).iter_errors(r.json()))
    assert not errors, errors[0].message
    if name == "gbfs":
        assert all(f["url"].startswith("http://testserver/api/v1/gbfs/") for f in r.json()["data"]["feeds"])
    assert env.client.get("/api/v1/gbfs/nope.json").status_code == 404
