"""Standing orders of regular callers on SQLite and PostGIS: today's and tomorrow's rides booked at once, later days
by the nightly batch (once per order and day), refusals explained in German, the migration matches the models."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from booking.service.background import BatchSchedule, Reoptimiser
from booking.service.bookings import BookingService
from booking.service.standing import StandingOrders
from booking.store.control import CONTROL_TABLES
from booking.store.engine import include_object, make_engine, upgrade
from booking.store.models import Base
from tests.booking.conftest import BERNBURG_HBF, BERNBURG_KALISTR, STASSFURT_BF, Env, EnvFactory
from tests.booking.control_helpers import headers_of, problem_json, week_minibuses

ORDERS = "/api/v1/dispatch/standing-orders"
BERLIN = ZoneInfo("Europe/Berlin")


def _order(**extra: object) -> dict[str, object]:
    body: dict[str, object] = {"caller_name": "Helga Meier", "caller_phone": "03925 98765",
                               "origin_stop_id": BERNBURG_HBF, "destination_stop_id": STASSFURT_BF,
                               "weekdays": [2], "time": "09:00"}  # every Tuesday 09:00
    body.update(extra)
    return body


def _runs(env: Env, staff: dict[str, str], day: str) -> list[dict[str, Any]]:
    r = env.client.get(f"{ORDERS}/runs", params={"day": day}, headers=staff)
    assert r.status_code == 200, r.text
    runs: list[dict[str, Any]] = r.json()
    return runs


def test_a_new_order_books_tomorrow_at_once(any_env_factory: EnvFactory) -> None:
    """Created on Monday for every Tuesday 09:00: Tuesday's ride is booked at once for the caller (name, phone,
    'phone' rider), listed in the order's runs and in the day's runs; the order is listed with its weekday label."""
    env = any_env_factory(fleet=week_minibuses())
    staff = headers_of(env, "leitstelle", "dispatcher")
    r = env.client.post(ORDERS, json=_order(), headers=staff)
    assert r.status_code == 201, r.text
    order = r.json()
    assert (order["weekdays"], order["weekdays_label"], order["time"]) == ([2], "Di", "09:00")
    assert order["first_day"] == "2026-11-23"
    [run] = order["runs"]
    assert (run["day"], run["outcome"]) == ("2026-11-24", "booked")
    booking = env.client.get(f"/api/v1/bookings/{run['booking_id']}", headers=staff).json()
    assert booking["state"] == "CONFIRMED"
    assert (booking["caller_name"], booking["caller_phone"]) == ("Helga Meier", "03925 98765")
    assert booking["pickup_window"]["earliest"] >= "2026-11-24T09:00:00+01:00"
    found = env.client.get("/api/v1/dispatch/bookings", params={"q": "Meier"}, headers=staff).json()
    assert [b["id"] for b in found["items"]] == [run["booking_id"]]
    assert [(x["caller_name"], x["outcome"]) for x in _runs(env, staff, "2026-11-24")] == [("Helga Meier", "booked")]
    assert [o["id"] for o in env.client.get(ORDERS, headers=staff).json()] == [order["id"]]


def test_the_nightly_batch_books_the_next_service_day_once(any_env_factory: EnvFactory) -> None:
    """An order for Wednesdays is not booked on Monday; the background loop's batch at 01:00 on Wednesday books it
    (the dispatcher sees the run); a second batch run of the same day books nothing more."""
    env = any_env_factory(fleet=week_minibuses())
    staff = headers_of(env, "leitstelle", "dispatcher")
    order = env.client.post(ORDERS, json=_order(weekdays=[3], time="10:30"), headers=staff).json()
    assert order["runs"] == []
    env.clock.advance((datetime(2026, 11, 25, 1, 5, tzinfo=BERLIN) - env.clock.now()).total_seconds())
    services = env.parts.services
    loop = Reoptimiser(services.operations, 60, 1.0, BatchSchedule(time(1, 0), 2.0, "Europe/Berlin"))
    assert loop.run_batch_if_due() is not None
    [run] = _runs(env, staff, "2026-11-25")
    assert run["outcome"] == "booked"
    assert env.client.get(f"/api/v1/bookings/{run['booking_id']}", headers=staff).json()["state"] == "CONFIRMED"
    loop.last_batch_day = None  # as after a restart: the same day's batch runs again
    assert loop.run_batch_if_due() is not None
    assert len(_runs(env, staff, "2026-11-25")) == 1
    meier = env.client.get("/api/v1/dispatch/bookings", params={"q": "Meier"}, headers=staff).json()
    assert meier["total"] == 1


def test_a_refused_day_says_why_and_can_be_tried_again(any_env_factory: EnvFactory) -> None:
    """Three wheelchairs fit no vehicle: the run is refused with the reason in German; trying again replaces the
    refused run (still refused); a booked day cannot be booked twice (409); an ended order books nothing more."""
    env = any_env_factory(fleet=week_minibuses())
    staff = headers_of(env, "leitstelle", "dispatcher")
    heavy = env.client.post(ORDERS, json=_order(passengers=3, wheelchairs=3), headers=staff).json()
    [run] = heavy["runs"]
    assert run["outcome"] == "refused"
    assert run["detail"] == "Kein Fahrzeug der Flotte hat Platz für diese Gruppe und ihren Bedarf."
    again = env.client.post(f"{ORDERS}/{heavy['id']}/book", params={"day": "2026-11-24"}, headers=staff)
    assert again.status_code == 200, again.text
    assert again.json()["outcome"] == "refused"
    assert len(env.client.get(ORDERS, headers=staff).json()[0]["runs"]) == 1
    problem_json(env.client.post(f"{ORDERS}/{heavy['id']}/book", params={"day": "2026-11-25"}, headers=staff), 422)

    fine = env.client.post(ORDERS, json=_order(caller_name="Karl Busch", origin_stop_id=BERNBURG_KALISTR),
                           headers=staff).json()
    problem_json(env.client.post(f"{ORDERS}/{fine['id']}/book", params={"day": "2026-11-24"}, headers=staff), 409)
    ended = env.client.post(f"{ORDERS}/{fine['id']}/end", headers=staff).json()
    assert ended["active"] is False
    assert [o["caller_name"] for o in env.client.get(ORDERS, headers=staff).json()] == ["Helga Meier"]
    tuesday = date(2026, 12, 1)
    runs = StandingOrders(env.parts.services.ctx, BookingService(env.parts.services.ctx)).book_day(tuesday)
    assert [r.order_id for r in runs] == [heavy["id"]]


def test_bad_orders_are_refused_in_german(any_env_factory: EnvFactory) -> None:
    """No weekday, weekday 8, a wrong time, an unknown stop, the same stop twice, an end before the start: 4xx
    problems in German, nothing stored."""
    env = any_env_factory()
    staff = headers_of(env, "leitstelle", "dispatcher")
    for body, status in ((_order(weekdays=[]), 422), (_order(weekdays=[8]), 422), (_order(time="25:00"), 422),
                         (_order(origin_stop_id="nirgendwo"), 404), (_order(destination_stop_id=BERNBURG_HBF), 422),
                         (_order(first_day="2026-12-01", last_day="2026-11-30"), 422)):
        problem_json(env.client.post(ORDERS, json=body, headers=staff), status)
    assert env.client.get(ORDERS, headers=staff).json() == []
    problem_json(env.client.post(ORDERS, json=_order(), headers=headers_of(env, "erika")), 403)


def _matches_the_models(engine: sa.Engine) -> None:
    upgrade(engine)

    def ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table in CONTROL_TABLES and include_object(obj, name, type_, reflected, compare_to)

    try:
        assert set(sa.inspect(engine).get_table_names()) >= CONTROL_TABLES
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": False, "include_object": ours})
            assert list(compare_metadata(ctx, Base.metadata)) == []
    finally:
        engine.dispose()


def test_the_migration_builds_the_control_room_tables_on_sqlite(tmp_path: Path) -> None:
    """Migration 0006 creates exactly the tables, columns and indexes the control-room models describe (SQLite)."""
    _matches_the_models(make_engine(f"sqlite:///{tmp_path / 'control.db'}"))


@pytest.mark.postgis
def test_the_migration_builds_the_control_room_tables_on_postgis(postgis_url: str, pg_schema: str) -> None:
    """The same on PostGIS."""
    _matches_the_models(make_engine(postgis_url, schema=pg_schema))
