"""The pool-car API on SQLite and on PostGIS: offers, reservations, changes, bad input, staff functions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.poolcars.service_env import PoolEnv, at

PROBLEM = "application/problem+json"


@pytest.fixture
def env(pool_env: PoolEnv) -> PoolEnv:
    """The default pool at Monday 07:00, on SQLite and then on PostGIS."""
    return pool_env


def offer(env: PoolEnv, headers: dict[str, str], **body: Any) -> Any:
    """POST /offers with a station request at the Kreisverwaltung, 09–11 UTC, unless overridden."""
    payload = {"start": at(3), "end": at(5), "station_id": "bbg-kreisverwaltung", **body}
    return env.client.post("/api/v1/poolcars/offers", json=payload, headers=headers)


def reserve(env: PoolEnv, headers: dict[str, str], offer_id: str, key: str | None = None) -> Any:
    """POST /reservations."""
    h = {**headers, **({"Idempotency-Key": key} if key else {})}
    return env.client.post("/api/v1/poolcars/reservations", json={"offer_id": offer_id}, headers=h)


def test_stations_and_cars_are_listed(env: PoolEnv) -> None:
    """The default stations and cars are served with coordinates and car types."""
    stations = env.client.get("/api/v1/poolcars/stations").json()
    assert len(stations) == 20
    kreis = next(s for s in stations if s["id"] == "bbg-kreisverwaltung")
    assert kreis["coordinates"] == [11.742556, 51.794806]
    cars = env.client.get("/api/v1/poolcars/cars").json()
    assert {c["station_id"] for c in cars} == {s["id"] for s in stations}


def test_offer_reserve_pickup_return(env: PoolEnv) -> None:
    """The full flow: offers, confirm (idempotent), pick up, return early; the car is free again after."""
    anna = env.user("anna")
    r = offer(env, anna)
    assert r.status_code == 201, r.text
    first = r.json()[0]
    assert first["station_id"] == "bbg-kreisverwaltung"
    assert first["walk_m"] == 0
    made = reserve(env, anna, first["id"], key="k-1")
    assert made.status_code == 201, made.text
    again = reserve(env, anna, first["id"], key="k-1")
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == made.json()["id"]
    rid = made.json()["id"]
    env.clock.advance(3 * 3600 - 600)  # ten minutes before the start
    assert env.client.post(f"/api/v1/poolcars/reservations/{rid}/pickup", headers=anna).json()["state"] == "STARTED"
    env.clock.advance(3600)
    back = env.client.post(f"/api/v1/poolcars/reservations/{rid}/return", headers=anna).json()
    assert back["state"] == "FINISHED"
    assert back["end"].startswith("2026-03-02T09:50")
    assert env.scalar("SELECT count(*) FROM poolcar_reservations") == 1


def test_the_same_car_is_never_given_twice(env: PoolEnv) -> None:
    """Two people holding offers for the same car and slot: the second confirmation is a 409 problem."""
    anna, bert = env.user("anna"), env.user("bert")
    a = offer(env, anna).json()[0]
    b = next(o for o in offer(env, bert).json() if o["car_id"] == a["car_id"])
    assert reserve(env, anna, a["id"]).status_code == 201
    lost = reserve(env, bert, b["id"])
    assert lost.status_code == 409
    assert lost.headers["content-type"].startswith(PROBLEM)
    assert lost.json()["type"].endswith("car_taken")
    assert env.scalar("SELECT count(*) FROM poolcar_reservations") == 1


def test_buffer_keeps_the_next_offer_away(env: PoolEnv) -> None:
    """After a reservation until 11:00 UTC the same car is offered again only from 11:15 UTC (cleaning buffer)."""
    anna, bert = env.user("anna"), env.user("bert")
    taken = offer(env, anna, car_type_id="bus-rollstuhl").json()[0]
    assert reserve(env, anna, taken["id"]).status_code == 201
    r = offer(env, bert, start=at(5), end=at(6), car_type_id="bus-rollstuhl", flex_min=30)
    assert r.status_code == 201, r.text
    same = [o for o in r.json() if o["car_id"] == taken["car_id"]]
    assert same
    assert all(o["start"] >= "2026-03-02T11:15" for o in same)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"start": at(-1), "end": at(1)}, 422, "in_the_past"),
        ({"start": at(5), "end": at(3)}, 422, "end_before_start"),
        ({"start": at(3), "end": at(3 + 100)}, 422, "too_long"),
        ({"station_id": "nirgendwo"}, 422, "unknown_station"),
        ({"car_type_id": "raumschiff"}, 422, "unknown_car_type"),
        ({"station_id": None, "coordinates": [11.74, 51.79], "walk_radius_m": 9_000}, 422, "walk_too_far"),
        ({"station_id": None}, 422, "validation_error"),
        ({"start": "morgen"}, 422, "validation_error"),
    ],
)
def test_bad_offer_requests_get_clear_problems(env: PoolEnv, body: dict[str, Any], status: int, code: str) -> None:
    """Bad input gets a 4xx problem+json with a German detail; nothing is written."""
    r = offer(env, env.user("anna"), **body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["type"].endswith(code)
    assert r.json()["detail"]
    assert env.scalar("SELECT count(*) FROM poolcar_offers") == 0


def test_overlapping_own_reservation_is_refused(env: PoolEnv) -> None:
    """A person with a reservation 09–11 (UTC) gets 409 when asking for 10–12 elsewhere."""
    anna = env.user("anna")
    assert reserve(env, anna, offer(env, anna).json()[0]["id"]).status_code == 201
    r = offer(env, anna, start=at(4), end=at(6), station_id="sft-bahnhof")
    assert r.status_code == 409
    assert r.json()["type"].endswith("overlaps_own_reservation")


def test_unknown_reservation_and_others_reservations_are_404(env: PoolEnv) -> None:
    """Residents cannot see or cancel someone else's reservation."""
    anna, bert = env.user("anna"), env.user("bert")
    rid = reserve(env, anna, offer(env, anna).json()[0]["id"]).json()["id"]
    assert env.client.get(f"/api/v1/poolcars/reservations/{rid}", headers=bert).status_code == 404
    assert env.client.post(f"/api/v1/poolcars/reservations/{rid}/cancel", headers=bert).status_code == 404
    assert env.client.get("/api/v1/poolcars/reservations/nope", headers=anna).status_code == 404


def test_extend_shorten_and_cancel(env: PoolEnv) -> None:
    """Extending into the next person's slot is a 409; shortening and cancelling work."""
    anna, bert = env.user("anna"), env.user("bert")
    a = offer(env, anna, car_type_id="bus-rollstuhl").json()[0]
    rid = reserve(env, anna, a["id"]).json()["id"]
    b = next(
        o
        for o in offer(env, bert, start=at(6), end=at(7), car_type_id="bus-rollstuhl").json()
        if o["car_id"] == a["car_id"]
    )
    assert reserve(env, bert, b["id"]).status_code == 201
    clash = env.client.post(f"/api/v1/poolcars/reservations/{rid}/extend", json={"end": at(5.8)}, headers=anna)
    assert clash.status_code == 409
    ok = env.client.post(f"/api/v1/poolcars/reservations/{rid}/extend", json={"end": at(5.75)}, headers=anna)
    assert ok.status_code == 200, ok.text
    wrong = env.client.post(f"/api/v1/poolcars/reservations/{rid}/shorten", json={"end": at(6)}, headers=anna)
    assert wrong.status_code == 422
    short = env.client.post(f"/api/v1/poolcars/reservations/{rid}/shorten", json={"end": at(4)}, headers=anna)
    assert short.json()["end"].startswith("2026-03-02T10:00")
    gone = env.client.post(f"/api/v1/poolcars/reservations/{rid}/cancel", headers=anna)
    assert gone.json()["state"] == "CANCELLED"
    twice = env.client.post(f"/api/v1/poolcars/reservations/{rid}/cancel", headers=anna)
    assert twice.status_code == 409


def test_not_picked_up_is_released(env: PoolEnv) -> None:
    """A reservation not picked up 30 minutes after its start is released and the car is free again."""
    anna = env.user("anna")
    rid = reserve(env, anna, offer(env, anna).json()[0]["id"]).json()["id"]
    env.clock.advance(3 * 3600 + 31 * 60)
    r = env.client.get(f"/api/v1/poolcars/reservations/{rid}", headers=anna).json()
    assert r["state"] == "RELEASED"
    late = env.client.post(f"/api/v1/poolcars/reservations/{rid}/pickup", headers=anna)
    assert late.status_code == 409


def test_residents_cannot_use_staff_functions(env: PoolEnv) -> None:
    """Occupancy, breakdowns and car management need dispatcher or admin roles; no token is a 401."""
    anna = env.user("anna")
    assert (
        env.client.get("/api/v1/poolcars/occupancy", params={"from": at(0), "to": at(24)}, headers=anna).status_code
        == 403
    )
    assert env.client.post("/api/v1/poolcars/cars/car-101/out-of-service", headers=anna).status_code == 403
    assert env.client.post("/api/v1/poolcars/offers", json={}).status_code == 401


def test_sqlite_serialises_concurrent_confirmations(env: PoolEnv) -> None:
    """On SQLite, 30 threads confirming offers for one car at once (BEGIN IMMEDIATE) yield one reservation."""
    import threading
    from collections import Counter
    from concurrent.futures import ThreadPoolExecutor

    from booking.service.errors import ServiceError
    from booking.service.poolcars import Caller
    from tests.poolcars.service_env import seed_offers_for_one_car

    svc = env.api.service
    seed_offers_for_one_car(env, 30, "p")
    gate = threading.Barrier(30)

    def attempt(k: int) -> str:
        gate.wait()
        try:
            svc.reserve(Caller(f"p{k}"), f"offer-{k}")
        except ServiceError as exc:
            return exc.code
        return "confirmed"

    with ThreadPoolExecutor(max_workers=30) as pool:
        assert Counter(pool.map(attempt, range(30))) == {"confirmed": 1, "car_taken": 29}
    assert env.scalar("SELECT count(*) FROM poolcar_reservations") == 1
