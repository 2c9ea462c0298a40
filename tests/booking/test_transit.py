"""Rail connections on both stores: the real Cairns feed imported, its departures at a Rufbus stop, offers that meet
a departure or an arrival, bookings that keep them through re-optimisation (tests/data/transit/README.md)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from booking.service.transit import TransitOptions, TransitService, import_feed
from booking.store import transit as transit_store
from booking.store.models import OfferRow
from mobility.app import Routing
from mobility.domain.transit import Direction
from tests.booking.conftest import Env, EnvFactory
from tests.booking.transit_helpers import (
    FEED,
    HIGHWAY,
    JCU,
    PALM_COVE,
    PIER,
    RAINTREES,
    SMITHFIELD,
    T_CAIRNS,
    cairns_clock,
    cairns_fleet,
    cairns_routing,
)

TRANSFER_S = 300
BOARDING_S = 60


@pytest.fixture(scope="module")
def routing_parts(tmp_path_factory: pytest.TempPathFactory) -> Routing:
    """The service in Cairns instead of the bundled district (overrides the booking tests' network)."""
    return cairns_routing(tmp_path_factory.mktemp("cairns-cache"))


def _env(factory: EnvFactory) -> Env:
    env = factory(fleet=cairns_fleet(), clock=cairns_clock())
    counts = import_feed(env.parts.services.ctx.sessions, FEED, "cairns", T_CAIRNS)
    assert (counts.stops, counts.trips, counts.stop_times) == (416, 1339, 37725)
    return env


def _connections(env: Env, stop_id: str, direction: str, at: datetime) -> list[dict[str, Any]]:
    r = env.client.get("/api/v1/transit/connections",
                       params={"stop_id": stop_id, "direction": direction, "time": at.isoformat()})
    assert r.status_code == 200, r.text
    result: list[dict[str, Any]] = r.json()
    return result


def _pick(env: Env, stop_id: str, direction: str, after: datetime) -> dict[str, Any]:
    """The first train at or after ``after``."""
    first = _connections(env, stop_id, direction, after)[0]
    assert datetime.fromisoformat(first["train_time"]) >= after
    return first


def _ref(c: dict[str, Any]) -> dict[str, Any]:
    return {k: c[k] for k in ("feed", "trip_id", "stop_sequence", "service_date", "direction")}


def _offer(env: Env, headers: dict[str, str], c: dict[str, Any], other: str) -> dict[str, Any]:
    body = {"station_stop_id": PIER, "place": {"stop_id": other}, "connection": _ref(c)}
    r = env.client.post("/api/v1/transit/offers", json=body, headers=headers)
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


def test_departures_at_the_terminus_follow_the_feed_calendar(any_env_factory: EnvFactory) -> None:
    """Departures near the Pier come from the feed's weekday timetable in Cairns time, labelled in German; on the
    Queen's Birthday holiday (calendar_dates) the Sunday timetable runs instead; a stop far from any feed stop has
    none, an unknown stop is a 404."""
    env = _env(any_env_factory)
    found = _connections(env, PIER, "to_train", T_CAIRNS)
    assert len(found) >= 10
    first = found[0]
    train = datetime.fromisoformat(first["train_time"])
    assert train >= T_CAIRNS
    assert [c["train_time"] for c in found] == sorted(c["train_time"] for c in found)
    assert first["label"].startswith(f"Anschluss an {first['line']} ")
    assert first["label"].endswith(f", {first['station']}")
    assert first["line"].startswith("Bus ")  # route_type 3 with a number as short name
    assert f"{train.astimezone(_brisbane()):%H:%M}" in first["label"]  # the station's local time
    assert datetime.fromisoformat(first["ride_time"]) == train - timedelta(seconds=TRANSFER_S)
    assert {c["service_date"] for c in found} == {"2014-06-10"}
    assert all("Weekday" in c["trip_id"] for c in found)
    # Monday 9 June 2014: weekday service removed, Sunday service added (calendar_dates.txt)
    holiday = _connections(env, PIER, "to_train", T_CAIRNS - timedelta(days=1))
    assert holiday
    assert all("Sunday" in c["trip_id"] for c in holiday)
    # after midnight in Cairns Saturday's late trips still run (GTFS times past 24:00) ...
    midnight = datetime.fromisoformat("2014-06-15T00:05:00+10:00")
    late = _connections(env, PIER, "to_train", midnight)
    assert late
    assert late[0]["service_date"] == "2014-06-14"
    assert "Saturday" in late[0]["trip_id"]
    assert datetime.fromisoformat(late[0]["train_time"]) >= midnight
    # ... and late in the evening a long look ahead reaches the next service day's first trips
    ahead = TransitService(env.parts.services.ctx, env.parts.services.bookings,
                           TransitOptions(horizon_s=9 * 3600, limit=1000))
    evening = ahead.connections(PIER, datetime.fromisoformat("2014-06-10T22:30:00+10:00"), Direction.TO_TRAIN)
    assert {c.call.service_date.isoformat() for c in evening} >= {"2014-06-11"}
    arrivals = _connections(env, PIER, "from_train", T_CAIRNS)
    assert arrivals
    assert all(c["label"].startswith("Ankunft ") for c in arrivals)
    assert _connections(env, HIGHWAY, "to_train", T_CAIRNS) == []  # no feed stop within 400 m
    r = env.client.get("/api/v1/transit/connections", params={"stop_id": "nope"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


def _brisbane() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Australia/Brisbane")


def test_offer_to_a_departure_arrives_before_it_minus_the_transfer(any_env_factory: EnvFactory) -> None:
    """A ride from Palm Cove to the Pier for a departure an hour and a half ahead: the offer's latest arrival is the
    departure minus the transfer time and its planned drop-off before that; the booking shows the connection."""
    env = _env(any_env_factory)
    headers = env.user("rider")
    c = _pick(env, PIER, "to_train", T_CAIRNS + timedelta(minutes=90))
    result = _offer(env, headers, c, PALM_COVE)
    offer, connection = result["offer"], result["connection"]
    departure = datetime.fromisoformat(c["train_time"])
    assert connection["label"] == c["label"]
    assert datetime.fromisoformat(offer["latest_arrival"]) == departure - timedelta(seconds=TRANSFER_S)
    assert datetime.fromisoformat(offer["planned_dropoff"]) <= departure - timedelta(seconds=TRANSFER_S)
    assert offer["dropoff_stop"]["id"] == PIER
    assert offer["pickup_stop"]["id"] == PALM_COVE
    r = env.client.post("/api/v1/bookings", json={"offer_id": offer["id"]}, headers=headers)
    assert r.status_code == 201, r.text
    booking_id = r.json()["id"]
    r = env.client.get(f"/api/v1/transit/bookings/{booking_id}/connection", headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["trip_id"] == c["trip_id"]
    other = env.user("other")
    assert env.client.get(f"/api/v1/transit/bookings/{booking_id}/connection", headers=other).status_code == 404
    mine = env.client.get("/api/v1/transit/bookings/connections", headers=headers)
    assert mine.json() == [{"booking_id": booking_id, "direction": "to_train", "label": c["label"]}]
    assert env.client.get("/api/v1/transit/bookings/connections", headers=other).json() == []


def test_offer_from_an_arrival_picks_up_after_it(any_env_factory: EnvFactory) -> None:
    """A ride from the Pier after an arrival: the pickup window opens at the arrival plus the transfer time."""
    env = _env(any_env_factory)
    headers = env.user("rider")
    c = _pick(env, PIER, "from_train", T_CAIRNS + timedelta(minutes=60))
    offer = _offer(env, headers, c, SMITHFIELD)["offer"]
    arrival = datetime.fromisoformat(c["train_time"])
    assert datetime.fromisoformat(offer["pickup_window"]["earliest"]) == arrival + timedelta(seconds=TRANSFER_S)
    assert datetime.fromisoformat(offer["planned_pickup"]) >= arrival + timedelta(seconds=TRANSFER_S)
    assert offer["pickup_stop"]["id"] == PIER
    # the privacy purge deletes unbooked offers after their retention; their connections go with the next offer
    env.flush()
    sessions = env.parts.services.ctx.sessions
    with sessions.begin() as session:
        assert transit_store.drop_orphans(session, T_CAIRNS + timedelta(days=3)) == 0
        session.execute(sa.delete(OfferRow).where(OfferRow.id == offer["id"]))
        assert transit_store.drop_orphans(session, T_CAIRNS) == 0  # younger than the cut-off: kept
        assert transit_store.drop_orphans(session, T_CAIRNS + timedelta(days=3)) == 1


def test_bad_connections_are_refused(any_env_factory: EnvFactory) -> None:
    """A train that does not run that day, one that does not stop near the stop, an unknown feed, a missed one."""
    env = _env(any_env_factory)
    headers = env.user("rider")
    c = _pick(env, PIER, "to_train", T_CAIRNS + timedelta(minutes=90))
    cases = [
        ({**_ref(c), "service_date": "2014-06-14"}, PIER, "connection.service_date"),  # a Saturday
        (_ref(c), SMITHFIELD, "connection.trip_id"),  # not at a station near Smithfield
        ({**_ref(c), "feed": "vbb"}, PIER, "connection.feed"),
    ]
    for ref, station, field in cases:
        body = {"station_stop_id": station, "place": {"stop_id": JCU}, "connection": ref}
        r = env.client.post("/api/v1/transit/offers", json=body, headers=headers)
        assert r.status_code == 422, r.text
        assert r.json()["field"] == field
        assert r.headers["content-type"].startswith("application/problem+json")
    night = _pick(env, PIER, "to_train", T_CAIRNS + timedelta(hours=16))  # after the last shift ends
    body = {"station_stop_id": PIER, "place": {"stop_id": JCU}, "connection": _ref(night)}
    r = env.client.post("/api/v1/transit/offers", json=body, headers=headers)
    assert r.status_code == 422, r.text
    assert r.json()["alternatives"] == []  # other times would miss the train
    assert "bitte einen anderen Zug wählen" in r.json()["detail"]
    early = _connections(env, PIER, "to_train", T_CAIRNS)[0]
    body = {"station_stop_id": PIER, "place": {"stop_id": JCU}, "connection": _ref(early)}
    env.clock.advance(3600)
    r = env.client.post("/api/v1/transit/offers", json=body, headers=headers)
    assert r.status_code == 422
    assert "nicht mehr erreichbar" in r.json()["detail"]


def test_out_of_range_references_are_422_on_both_stores(any_env_factory: EnvFactory) -> None:
    """A stop sequence beyond any GTFS feed's (SQLite cannot even store 2**63) and a service day outside 2000–2099
    are refused as input, the same on both stores (found by the fuzz run: a 500 on SQLite before)."""
    env = _env(any_env_factory)
    headers = env.user("rider")
    c = _pick(env, PIER, "to_train", T_CAIRNS + timedelta(minutes=90))
    changes = (({"stop_sequence": 2**63}, "stop_sequence"), ({"service_date": "0001-01-01"}, "service_date"))
    for change, field in changes:
        body = {"station_stop_id": PIER, "place": {"stop_id": JCU}, "connection": {**_ref(c), **change}}
        r = env.client.post("/api/v1/transit/offers", json=body, headers=headers)
        assert r.status_code == 422, r.text
        assert field in r.text
        assert r.headers["content-type"].startswith("application/problem+json")


def _visits(env: Env, booking_id: str) -> tuple[datetime, datetime]:
    plan = env.parts.dispatcher.plan()
    mine = [v for t in plan.tours.values() for v in t.visits if v.booking_id == booking_id]
    assert len(mine) == 2
    pickup, dropoff = sorted(mine, key=lambda v: v.planned_arrival)
    return pickup.planned_departure, dropoff.planned_arrival


def test_reoptimisation_keeps_the_promised_connections(any_env_factory: EnvFactory) -> None:
    """Two connection rides among ordinary rides; the solver re-plans; the drop-off still reaches the station before
    the departure minus the transfer, the pickup after the train's arrival plus the transfer (stored booking too)."""
    env = _env(any_env_factory)
    headers = env.user("rider")
    to = _pick(env, PIER, "to_train", T_CAIRNS + timedelta(minutes=80))
    back = _pick(env, PIER, "from_train", T_CAIRNS + timedelta(minutes=70))
    to_id = _book(env, headers, _offer(env, headers, to, PALM_COVE)["offer"]["id"])
    back_id = _book(env, headers, _offer(env, headers, back, JCU)["offer"]["id"])
    for k, (a, b) in enumerate([(SMITHFIELD, PIER), (RAINTREES, JCU), (JCU, RAINTREES), (PALM_COVE, SMITHFIELD)]):
        body = {"origin": {"stop_id": a}, "destination": {"stop_id": b},
                "departure": (T_CAIRNS + timedelta(minutes=40 + 10 * k)).isoformat()}
        r = env.client.post("/api/v1/offers", json=body, headers=headers)
        if r.status_code == 201:
            _book(env, headers, r.json()["id"])
    deadline = datetime.fromisoformat(to["train_time"]) - timedelta(seconds=TRANSFER_S)
    earliest = datetime.fromisoformat(back["train_time"]) + timedelta(seconds=TRANSFER_S)
    before = (_visits(env, to_id), _visits(env, back_id))
    assert env.parts.services.operations.reoptimise(time_limit_s=2.0)  # the solver's plan replaced the insertions
    after = (_visits(env, to_id), _visits(env, back_id))
    for (_, dropoff), (pickup, _) in (before, after):
        assert dropoff <= deadline
        assert pickup - timedelta(seconds=BOARDING_S) >= earliest  # planned departure = begin + boarding
    env.flush()
    rows = {r["id"]: r for r in env.client.get("/api/v1/bookings", headers=headers).json()}
    assert datetime.fromisoformat(rows[to_id]["planned_dropoff"]) <= deadline
    assert datetime.fromisoformat(rows[to_id]["latest_arrival"]) == deadline
    assert datetime.fromisoformat(rows[back_id]["pickup_window"]["earliest"]) == earliest


def _book(env: Env, headers: dict[str, str], offer_id: str) -> str:
    r = env.client.post("/api/v1/bookings", json={"offer_id": offer_id}, headers=headers)
    assert r.status_code == 201, r.text
    booking_id: str = r.json()["id"]
    return booking_id

