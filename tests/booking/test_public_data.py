"""Public feeds carry no rider-level data: no needs, no loads per stop, no exact time of a single rider's pickup;
the detailed trips feed needs a staff role."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from tests.booking.conftest import BERNBURG_HBF, STASSFURT_BF, Env, EnvFactory
from tests.booking.test_dispatch import _book

RIDER_KEYS = ("load_seats", "load_wheelchairs", "load_strollers", "window_earliest", "window_latest",
              "planned_arrival", "planned_departure", "booking_id", "kind")


def _keys(value: Any) -> set[str]:
    """Every key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _trips(env: Env, headers: dict[str, str] | None = None) -> dict[str, Any]:
    r = env.client.get("/api/v1/feeds/trips.geojson", headers=headers or {})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_a_wheelchair_ride_is_invisible_in_the_public_feed(any_env_factory: EnvFactory) -> None:
    """Just after a wheelchair ride is booked, the public feed (also with a resident's or a driver's token) shows the
    stops with 15-minute slots only: no load, need, window, kind or the exact pickup time; a dispatcher's token gets
    the detail."""
    env = any_env_factory()
    booking = _book(env, env.user("erika"), BERNBURG_HBF, STASSFURT_BF, 20, wheelchairs=1)
    pickup = datetime.fromisoformat(booking["planned_pickup"])
    for headers in ({}, env.user("otto"), env.user("fahrer", "driver", vehicle_id="bbg-1")):
        public = _trips(env, headers)
        assert public["detail"] == "public"
        assert not _keys(public) & set(RIDER_KEYS)
        text = json.dumps(public)
        assert pickup.isoformat() not in text
        assert booking["pickup_window"]["earliest"] not in text
        stops = [s for f in public["features"] for s in f["properties"]["stops"]]
        assert BERNBURG_HBF in {s["stop_id"] for s in stops}
        for s in stops:
            start = datetime.fromisoformat(s["slot_start"])
            assert start.minute % 15 == 0
            assert start.second == 0
        assert all(f["properties"]["feature_type"] == "tour" for f in public["features"])  # no visit points
    staff = _trips(env, env.user("leitstelle", "dispatcher"))
    assert staff["detail"] == "staff"
    visits = [v for f in staff["features"] if f["properties"]["feature_type"] == "tour"
              for v in f["properties"]["visits"]]
    assert max(v["load_wheelchairs"] for v in visits) == 1
    assert booking["id"] not in json.dumps(staff)  # never booking ids, not even for staff, in the feed


def test_a_broken_token_gets_the_public_feed_not_an_error(env: Env) -> None:
    """The feed stays public: a wrong token is treated as none (no 401, no detail)."""
    r = env.client.get("/api/v1/feeds/trips.geojson", headers={"Authorization": "Bearer kaputt"})
    assert r.status_code == 200
    assert r.json()["detail"] == "public"
