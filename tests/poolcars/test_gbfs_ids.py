"""GBFS vehicle ids rotate after every trip (GBFS 3.0) and cannot be mapped back to cars without the service's
secret — neither by hashing the public car ids with the salt once written in the code, nor across a trip."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from pathlib import Path

import pytest

from booking.gbfs import feed
from booking.service.poolcar_admin import read_pool_files
from tests.poolcars.service_env import PoolEnv, at, build_env

OLD_PUBLIC_SALT = "salzland-mobility"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[PoolEnv]:
    """A fresh SQLite store with the default pool at Monday 07:00."""
    e = build_env(f"sqlite:///{tmp_path / 'pool.db'}")
    yield e
    e.client.close()
    e.engine.dispose()


def _ids(env: PoolEnv) -> dict[str, str]:
    """Published vehicle_id → station of every car in vehicle_status."""
    doc = env.client.get("/api/v1/gbfs/vehicle_status.json").json()
    return {v["vehicle_id"]: v["station_id"] for v in doc["data"]["vehicles"]}


def _guesses(car_ids: list[str], trips: int = 200) -> set[str]:
    """Every id an outsider can compute from the public car ids: the old salted SHA-256, HMACs under guessable keys."""
    out: set[str] = set()
    for car in car_ids:
        for n in range(trips):
            out.add("v-" + hashlib.sha256(f"{OLD_PUBLIC_SALT}:{car}:{n}".encode()).hexdigest()[:16])
            for key in ("", OLD_PUBLIC_SALT, car):
                out.add("v-" + hmac.new(key.encode(), f"{car}:{n}".encode(), hashlib.sha256).hexdigest()[:16])
    return out


def test_vehicle_ids_cannot_be_computed_from_the_public_car_ids(env: PoolEnv) -> None:
    """None of the published ids is the car id, its plate or name, or any id computable without the secret."""
    published = _ids(env)
    cars = env.client.get("/api/v1/poolcars/cars").json()
    assert len(published) == len(cars) > 20
    known = {c["id"] for c in cars} | {c["plate"] for c in cars} | {c["name"] for c in cars}
    assert not set(published) & known
    assert not set(published) & _guesses([c["id"] for c in cars])


def test_a_car_gets_a_new_id_after_every_trip(env: PoolEnv) -> None:
    """After a trip (picked up, returned) exactly one published id is new, and the old id is gone: the trip cannot
    be followed from one id to the next; the other cars keep theirs."""
    before = _ids(env)
    anna = env.user("anna")
    offers = env.client.post("/api/v1/poolcars/offers", headers=anna,
                             json={"start": at(3), "end": at(5), "station_id": "bbg-kreisverwaltung"}).json()
    rid = env.client.post("/api/v1/poolcars/reservations", json={"offer_id": offers[0]["id"]},
                          headers=anna).json()["id"]
    env.clock.advance(3 * 3600 - 600)
    assert env.client.post(f"/api/v1/poolcars/reservations/{rid}/pickup", headers=anna).status_code == 200
    during = _ids(env)
    assert len(during) == len(before) - 1  # a car on a trip is not published
    env.clock.advance(3600)
    assert env.client.post(f"/api/v1/poolcars/reservations/{rid}/return", headers=anna).status_code == 200
    after = _ids(env)
    gone, new = set(before) - set(after), set(after) - set(before)
    assert len(gone) == 1
    assert len(new) == 1
    assert before[next(iter(gone))] == after[next(iter(new))] == "bbg-kreisverwaltung"
    cars = [c["id"] for c in env.client.get("/api/v1/poolcars/cars").json()]
    assert not new & _guesses(cars)


def test_the_secret_decides_the_ids() -> None:
    """The same car and trip count under two secrets give unrelated ids; the default secret is random per system."""
    a, b = feed.GbfsSystem(), feed.GbfsSystem()
    assert a.pseudonym_salt != b.pseudonym_salt
    assert len(a.pseudonym_salt) >= 32
    assert "salt" not in repr(a)
    car = next(iter(build_pool_cars()))
    assert feed.vehicle_pseudonym(car, 3, a) != feed.vehicle_pseudonym(car, 3, b)
    assert feed.vehicle_pseudonym(car, 3, a) == feed.vehicle_pseudonym(car, 3, a)


def build_pool_cars() -> list[feed.Car]:
    """The configured pool's cars."""
    return list(read_pool_files()[0].cars)
