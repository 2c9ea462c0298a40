"""Real concurrency against PostGIS: the race for the last seat and concurrent idempotent retries."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.booking.conftest import BERNBURG_HBF, STASSFURT_BF, EnvFactory, LiveServer, one_small_car, ride

pytestmark = pytest.mark.postgis


def _race(url: str, attempts: list[tuple[dict[str, str], str, str | None]]) -> list[httpx.Response]:
    barrier = threading.Barrier(len(attempts))

    def go(attempt: tuple[dict[str, str], str, str | None]) -> httpx.Response:
        headers, offer_id, key = attempt
        if key:
            headers = {**headers, "Idempotency-Key": key}
        with httpx.Client(base_url=url, timeout=30) as client:
            barrier.wait()
            return client.post("/api/v1/bookings", json={"offer_id": offer_id}, headers=headers)

    with ThreadPoolExecutor(len(attempts)) as pool:
        return list(pool.map(go, attempts))


def test_exactly_one_of_racing_residents_gets_the_last_seats(make_pg_env: EnvFactory) -> None:
    """Six residents hold offers for the same two seats of a three-seat car; exactly one booking confirms.

    The others get a 409 problem+json ``seat_taken`` (with a fresh offer when one exists) and nothing is stored
    for them.
    """
    env = make_pg_env(fleet=one_small_car())
    residents = [env.user(f"bewohner{i}") for i in range(6)]
    offers = []
    for headers in residents:
        r = env.client.post("/api/v1/offers", json=ride(BERNBURG_HBF, STASSFURT_BF, 30, passengers=2),
                            headers=headers)
        assert r.status_code == 201, r.text
        offers.append(r.json()["id"])
    with LiveServer(env.app) as url:
        results = _race(url, [(h, o, None) for h, o in zip(residents, offers, strict=True)])
    codes = sorted(r.status_code for r in results)
    assert codes == [201] + [409] * 5, [r.text for r in results]
    for r in results:
        if r.status_code == 409:
            body: dict[str, Any] = r.json()
            assert r.headers["content-type"].startswith("application/problem+json")
            assert body["type"].endswith("seat_taken")
            assert "vergeben" in body["detail"]
            assert "fresh_offer_id" in body or "fresh_offer" not in body
    assert env.scalar("SELECT count(*) FROM bookings") == 1
    assert env.scalar("SELECT count(*) FROM bookings WHERE state = 'CONFIRMED'") == 1
    booked = [v.booking_id for t in env.parts.dispatcher.plan().tours.values() for v in t.visits if v.booking_id]
    assert len(set(booked)) == 1


def test_concurrent_retries_with_one_key_make_one_booking(make_pg_env: EnvFactory) -> None:
    """Eight simultaneous POSTs with the same Idempotency-Key all return the same single booking."""
    env = make_pg_env()
    headers = env.user("erika")
    r = env.client.post("/api/v1/offers", json=ride(BERNBURG_HBF, STASSFURT_BF, 30), headers=headers)
    offer_id = r.json()["id"]
    with LiveServer(env.app) as url:
        results = _race(url, [(headers, offer_id, "retry-key-1")] * 8)
    assert {r.status_code for r in results} == {201}
    assert len({r.json()["id"] for r in results}) == 1
    assert env.scalar("SELECT count(*) FROM bookings") == 1
    assert env.scalar("SELECT count(*) FROM events WHERE type = 'booking_confirmed'") == 1
