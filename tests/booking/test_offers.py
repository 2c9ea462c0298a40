"""Offers: a real quote on the bundled network, and every kind of bad input as a 4xx problem in German — on SQLite
and on PostGIS."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.booking.conftest import (
    BERNBURG_HBF,
    BERNBURG_KALISTR,
    STASSFURT_BF,
    T0,
    Env,
    EnvFactory,
    one_small_car,
    ride,
)


@pytest.fixture
def env(any_env: Env) -> Env:
    """Two minibuses at T0, on SQLite and then on PostGIS."""
    return any_env


def problem(r: Any, status: int) -> dict[str, Any]:
    """The problem body of ``r`` after checking status and media type."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:salzland-mobility:problem:")
    return body


def test_offer_between_real_stops_has_window_price_and_network_source(env: Env) -> None:
    """An offer names real stops, a 15-minute pickup window, a price in cents and the network source."""
    headers = env.user("erika")
    r = env.client.post("/api/v1/offers", json=ride(BERNBURG_HBF, STASSFURT_BF), headers=headers)
    assert r.status_code == 201, r.text
    offer = r.json()
    assert offer["pickup_stop"]["name"] == "Bernburg Hbf"
    assert offer["dropoff_stop"]["id"] == STASSFURT_BF
    window = offer["pickup_window"]
    width = datetime.fromisoformat(window["latest"]) - datetime.fromisoformat(window["earliest"])
    assert width == timedelta(minutes=15)
    assert offer["price_cents"] > 0
    assert offer["network_source"] == "approximate"
    assert datetime.fromisoformat(offer["planned_dropoff"]) > datetime.fromisoformat(offer["planned_pickup"])
    env.flush()
    assert env.scalar("SELECT count(*) FROM offers") == 1


def test_a_ride_for_now_asked_half_a_minute_late_gets_an_offer(env: Env) -> None:
    """A resident who asks for "now" and sends the form 30 s later gets an offer, not a refusal to book "at least 0
    minutes ahead" (the rule set without notice allows up to a minute in the past)."""
    body = ride(BERNBURG_HBF, STASSFURT_BF)
    body["departure"] = (T0 - timedelta(seconds=30)).isoformat()
    r = env.client.post("/api/v1/offers", json=body, headers=env.user("erika"))
    assert r.status_code == 201, r.text
    assert datetime.fromisoformat(r.json()["planned_pickup"]) >= T0


def test_offer_from_coordinates_snaps_to_a_stop_within_walking_distance(env: Env) -> None:
    """GeoJSON-ordered coordinates near Bernburg Hbf are served from a stop with the walk in metres."""
    headers = env.user("erika")
    body = ride(BERNBURG_HBF, STASSFURT_BF)
    body["origin"] = {"coordinates": [11.7525, 51.7955]}
    r = env.client.post("/api/v1/offers", json=body, headers=headers)
    assert r.status_code == 201, r.text
    assert 0 <= r.json()["walk_to_pickup_m"] <= 500


BAD_INPUTS: list[tuple[str, dict[str, Any], int, str]] = [
    ("outside the area (Leipzig)", {"origin": {"coordinates": [12.3731, 51.3397]}}, 422, "outside_service_area"),
    ("lat/lon swapped", {"origin": {"coordinates": [51.79, 11.74]}}, 422, "outside_service_area"),
    ("pickup in the past", {"departure": (T0 - timedelta(hours=2)).isoformat()}, 422, "in_the_past"),
    ("beyond the horizon", {"departure": (T0 + timedelta(days=60)).isoformat()}, 422, "beyond_horizon"),
    ("identical from/to", {"destination": {"stop_id": BERNBURG_HBF}}, 422, "same_origin_destination"),
    ("unknown stop id", {"destination": {"stop_id": "does-not-exist"}}, 404, "unknown_stop"),
    ("too many passengers", {"passengers": 12}, 422, "no_suitable_vehicle"),
    ("three wheelchairs", {"passengers": 3, "wheelchairs": 3}, 422, "no_suitable_vehicle"),
    ("more wheelchairs than riders", {"passengers": 1, "wheelchairs": 2}, 422, "validation_error"),
    ("both departure and arrival", {"arrival": (T0 + timedelta(hours=1)).isoformat()}, 422, "validation_error"),
    ("zero passengers", {"passengers": 0}, 422, "validation_error"),
    ("stop id and coordinates", {"origin": {"stop_id": BERNBURG_HBF, "coordinates": [11.7, 51.8]}}, 422,
     "validation_error"),
    ("unknown field", {"luggage": 3}, 422, "validation_error"),
    ("time not ISO 8601", {"departure": "morgen früh"}, 422, "validation_error"),
]


@pytest.mark.parametrize(("case", "change", "status", "code"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_requests_get_a_problem_and_write_nothing(env: Env, case: str, change: dict[str, Any], status: int,
                                                      code: str) -> None:
    """Each bad request is a 4xx problem+json with a stable type and a German detail; no offer is stored."""
    headers = env.user("erika")
    body = ride(BERNBURG_HBF, BERNBURG_KALISTR)
    body.update(change)
    p = problem(env.client.post("/api/v1/offers", json=body, headers=headers), status)
    assert p["type"].endswith(":" + code), p
    assert p["detail"]
    assert any(ch in p["detail"] for ch in "äöüßÄÖÜ") or any(
        w in p["detail"] for w in ("Ungültige", "Eingabe", "gibt", "liegt", "Fahrzeug", "Start", "Pflichtfeld"))
    env.flush()
    assert env.scalar("SELECT count(*) FROM offers") == 0
    assert env.scalar("SELECT count(*) FROM bookings") == 0


def test_validation_problem_names_the_field(env: Env) -> None:
    """A missing field is reported with its name."""
    headers = env.user("erika")
    body = ride(BERNBURG_HBF, BERNBURG_KALISTR)
    del body["destination"]
    p = problem(env.client.post("/api/v1/offers", json=body, headers=headers), 422)
    assert p["errors"][0]["field"] == "destination"
    assert "destination" in p["detail"]
    assert "Pflichtfeld fehlt" in p["detail"]


def test_malformed_json_is_a_problem(env: Env) -> None:
    """A body that is not JSON gets 422 problem+json saying so in German."""
    headers = {**env.user("erika"), "content-type": "application/json"}
    p = problem(env.client.post("/api/v1/offers", content=b'{"origin": {', headers=headers), 422)
    assert "kein gültiges JSON" in p["detail"]


def test_full_vehicle_gives_no_capacity_with_alternatives(any_env_factory: EnvFactory) -> None:
    """When the only car is booked at the asked time, the 422 says no capacity and names other times — each one
    really bookable (an offer at that time), none the asked time."""
    env = any_env_factory(fleet=one_small_car())
    headers = env.user("erika")
    first = env.client.post("/api/v1/offers", json=ride(BERNBURG_HBF, STASSFURT_BF, 30, passengers=3),
                            headers=headers)
    assert first.status_code == 201, first.text
    booked = env.client.post("/api/v1/bookings", json={"offer_id": first.json()["id"]}, headers=headers)
    assert booked.status_code == 201
    p = problem(env.client.post("/api/v1/offers", json=ride(BERNBURG_HBF, STASSFURT_BF, 30, passengers=3),
                                headers=headers), 422)
    assert p["reason"] == "no_capacity"
    asked = T0 + timedelta(minutes=30)
    times = [datetime.fromisoformat(t) for t in p["alternatives"]]
    assert times, "the car is free again later in the morning"
    assert times == sorted(times)
    assert asked not in times
    for when in times:
        body = {**ride(BERNBURG_HBF, STASSFURT_BF, passengers=3), "departure": when.isoformat()}
        again = env.client.post("/api/v1/offers", json=body, headers=headers)
        assert again.status_code == 201, (when, again.text)
        assert datetime.fromisoformat(again.json()["pickup_window"]["earliest"]) == when
    env.flush()
    assert env.scalar("SELECT count(*) FROM events WHERE type = 'booking_rejected'") == 1


def test_unknown_route_and_method_are_problems(env: Env) -> None:
    """Unknown paths and wrong methods answer problem+json too."""
    problem(env.client.get("/api/v1/nirgendwo"), 404)
    problem(env.client.delete("/api/v1/stops"), 405)
