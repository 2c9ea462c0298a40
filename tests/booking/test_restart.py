"""A restart loses nothing: confirmed bookings, the plan and out-of-service vehicles come back from the store."""

from __future__ import annotations

from datetime import datetime

import pytest

from mobility.domain.fleet import Vehicle
from mobility.domain.plan import Plan
from tests.booking.conftest import (
    BERNBURG,
    BERNBURG_HBF,
    BERNBURG_KALISTR,
    MINIBUS,
    STASSFURT,
    STASSFURT_BF,
    Env,
    EnvFactory,
    ride,
    shift,
)


def _book_three(env: Env) -> list[str]:
    headers = env.user("erika")
    ids = []
    for origin, destination, minutes in ((BERNBURG_HBF, STASSFURT_BF, 20), (STASSFURT_BF, BERNBURG_HBF, 90),
                                         (BERNBURG_HBF, BERNBURG_KALISTR, 45)):
        offer = env.client.post("/api/v1/offers", json=ride(origin, destination, minutes), headers=headers)
        assert offer.status_code == 201, offer.text
        booking = env.client.post("/api/v1/bookings", json={"offer_id": offer.json()["id"]}, headers=headers)
        ids.append(booking.json()["id"])
    return ids


def _visits(plan: Plan) -> dict[str, list[tuple[str | None, str, str]]]:
    return {vid: [(v.booking_id, str(v.kind), v.stop.id) for v in tour.visits]
            for vid, tour in plan.tours.items() if tour.visits}


def _restart_keeps_everything(make: EnvFactory) -> None:
    first = make()
    ids = _book_three(first)
    cancelled = ids.pop()
    headers = first.login("erika")
    assert first.client.post(f"/api/v1/bookings/{cancelled}/cancel", headers=headers).status_code == 200
    before = _visits(first.parts.dispatcher.plan())
    first.stop()

    second = make(clock=first.clock)
    assert second.parts.restore_failures == []
    assert _visits(second.parts.dispatcher.plan()) == before
    assert set(second.parts.dispatcher.commitments()) == set(ids)
    headers = second.login("erika")
    states = {b["id"]: b["state"] for b in second.client.get("/api/v1/bookings", headers=headers).json()}
    assert states == {ids[0]: "CONFIRMED", ids[1]: "CONFIRMED", cancelled: "CANCELLED"}


def test_restart_on_sqlite_restores_bookings_and_plan(make_env: EnvFactory) -> None:
    """After a restart on the embedded SQLite store the plan and the confirmed bookings are back, unchanged."""
    _restart_keeps_everything(make_env)


@pytest.mark.postgis
def test_restart_on_postgis_restores_bookings_and_plan(make_pg_env: EnvFactory) -> None:
    """After a restart on PostGIS the plan and the confirmed bookings are back, unchanged."""
    _restart_keeps_everything(make_pg_env)


def test_out_of_service_survives_a_restart(any_env_factory: EnvFactory) -> None:
    """A vehicle taken out of service stays out of service after a restart."""
    first = any_env_factory()
    staff = first.user("leitstelle", "dispatcher")
    assert first.client.post("/api/v1/dispatch/vehicles/sft-1/out-of-service", headers=staff).status_code == 200
    first.stop()
    second = any_env_factory(clock=first.clock)
    flags = {v.id: v.in_service for v in second.parts.dispatcher.vehicles()}
    assert flags == {"bbg-1": True, "sft-1": False}


def test_plan_writer_stores_the_plan_in_the_background(any_env: Env) -> None:
    """Without an explicit flush the plan writer stores a booking's visits within a few seconds."""
    import time

    env = any_env
    headers = env.user("erika")
    offer = env.client.post("/api/v1/offers", json=ride(BERNBURG_HBF, STASSFURT_BF, 20), headers=headers).json()
    booking = env.client.post("/api/v1/bookings", json={"offer_id": offer["id"]}, headers=headers).json()
    deadline = time.monotonic() + 5
    stored = 0
    while time.monotonic() < deadline and stored != 2:
        stored = int(str(env.scalar(f"SELECT count(*) FROM plan_visits WHERE booking_id = '{booking['id']}'")))
        time.sleep(0.05)
    assert stored == 2


def _duties_survive(make: EnvFactory) -> None:
    fleet = [Vehicle("bbg-1", "Bernburg 1", MINIBUS, BERNBURG, "Bernburg", shift()),
             Vehicle("sft-1", "Staßfurt 1", MINIBUS, STASSFURT, "Staßfurt", shift(hours=1))]  # ends at 09:00
    first = make(fleet=fleet)
    driver = first.user("fahrer", "driver", vehicle_id="bbg-1")
    assert first.client.post("/api/v1/driver/events", json={"type": "duty_begin"}, headers=driver).status_code == 200
    other = first.user("fahrerin", "driver", vehicle_id="sft-1")
    first.clock.advance(60)
    r = first.client.post("/api/v1/driver/events", json={"type": "duty_begin"}, headers=other)
    assert r.status_code == 200, r.text
    end_from = datetime.fromisoformat(r.json()["manifest"]["duty"]["end_from"])
    first.clock.advance((end_from - first.clock.now()).total_seconds())
    r = first.client.post("/api/v1/driver/events", json={"type": "duty_end"}, headers=other)
    assert r.status_code == 200, r.text
    states = {d.vehicle_id: (d.status, d.began_at, d.ended_at) for d in first.parts.dispatcher.plan().duties.values()}
    first.stop()

    second = make(fleet=fleet, clock=first.clock)
    after = {d.vehicle_id: (d.status, d.began_at, d.ended_at) for d in second.parts.dispatcher.plan().duties.values()}
    assert after == states
    assert [str(s[0]) for _, s in sorted(after.items())] == ["under_way", "ended"]


def test_begun_and_ended_duties_survive_a_restart_on_sqlite(make_env: EnvFactory) -> None:
    """A duty begun stays under way, a duty ended stays ended across a restart (from the event log)."""
    _duties_survive(make_env)


@pytest.mark.postgis
def test_begun_and_ended_duties_survive_a_restart_on_postgis(make_pg_env: EnvFactory) -> None:
    """The same on PostGIS."""
    _duties_survive(make_pg_env)
