"""The TOMP-API 2.0 door: offers, two-phase purchase, rollback, release, cancel, legs moved by the driver — every
request and response checked against the official modules — on SQLite and on PostGIS."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from mobility.domain.fleet import Vehicle
from tests.booking.conftest import (
    BERNBURG,
    BERNBURG_HBF,
    MINIBUS,
    STASSFURT_BF,
    T0,
    Env,
    EnvFactory,
    one_small_car,
    shift,
)
from tests.booking.test_driver import _advance_to, _event
from tests.booking.tomp_client import Tomp, error, outside_the_spec

START = (T0 + timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
FROM, TO = f"stop:{BERNBURG_HBF}", f"stop:{STASSFURT_BF}"


@pytest.fixture
def env(any_env: Env) -> Env:
    """Two minibuses at T0, on SQLite and then on PostGIS."""
    return any_env


def maas(env: Env, name: str = "maas-eins") -> Tomp:
    """A MaaS operator signed in with its own account."""
    return Tomp(env, env.user(name))


def offer_of(tomp: Tomp, **inputs: Any) -> dict[str, Any]:
    found = tomp.search(FROM, TO, START, **inputs)
    assert found["numberReturned"] == 1, found
    feature: dict[str, Any] = found["features"][0]
    return feature


def booked(tomp: Tomp) -> dict[str, Any]:
    """Search, purchase and confirm: a CONFIRMED package."""
    offer = offer_of(tomp)
    tomp.post("purchase-offers", {"offer": offer["id"]})
    return tomp.post("confirm-purchase", {"package": offer["id"]})


def test_search_offers_answers_an_offer_collection_with_gps_places_and_a_purchase_link(env: Env) -> None:
    """An offer: GeoJSON Feature (road line, [lon, lat]), summary with GPS:{lon},{lat} places, price in EUR, the
    purchase link with its body; headers Version, Content-Language and Expires (the offer's hold)."""
    tomp = maas(env)
    found = tomp.search(FROM, TO, START, travellers=[{"type": "traveller", "id": "t1", "groupSize": 2}])
    assert found["properties"]["type"] == "OfferCollection"
    offer = found["features"][0]
    props = offer["properties"]
    assert props["type"] == "offer"
    assert props["specification"]["from"].startswith("GPS:11.7")  # Bernburg: longitude first
    lon, lat = (float(x) for x in props["specification"]["from"][4:].split(","))
    assert 11.6 < lon < 11.8
    assert 51.7 < lat < 51.9
    assert offer["geometry"]["type"] == "LineString"
    assert offer["geometry"]["coordinates"][0][0] > 11
    assert props["price"]["currencyCode"] == "EUR"
    assert props["price"]["amount"] > 0
    purchase = next(link for link in offer["links"] if link["rel"] == "purchase-offers")
    assert purchase["body"] == {"inputs": {"offer": offer["id"]}}
    assert purchase["href"].endswith("/tomp/v2/processes/purchase-offers/execution")
    headers = found["_headers"]
    assert headers["content-language"] == "de-DE"
    assert headers["content-type"] == "application/geo+json"
    assert "GMT" in headers["expires"]
    env.flush()
    assert env.scalar("SELECT count(*) FROM offers") == 1  # stored like an offer of our own API
    sources = tomp.get("datasources", {})["items"]
    assert [(d["rel"], d["href"].endswith("/api/v1/stops")) for d in sources] == [("stop", True)]
    details = tomp.get("offers", {"offerId": offer["id"]})
    assert (details["properties"]["type"], details["properties"]["status"]) == ("offer", "OFFERED")


def test_purchase_pending_then_confirm_books_and_the_driver_moves_the_leg(env: Env) -> None:
    """OFFERED → PENDING (nothing booked) → CONFIRMED (booked in the service); the driver's arrival makes the leg
    READY_TO_USE, boarding STARTED/IN_USE, the drop-off ENDED/ENDED."""
    tomp = maas(env)
    offer = offer_of(tomp, requirements={"prmNeeds": [{"mobilityNeed": "wheelchair"}]})
    pending = tomp.post("purchase-offers", {"offer": offer["id"]})
    assert pending["properties"]["status"] == "PENDING"
    assert {link["rel"] for link in pending["links"]} >= {"confirm-purchase", "rollback-purchase"}
    assert "GMT" in pending["_headers"]["expires"]
    assert tomp.post("purchase-offers", {"offer": offer["id"]})["properties"]["status"] == "PENDING"  # a retry
    assert env.scalar("SELECT count(*) FROM bookings") == 0
    confirmed = tomp.post("confirm-purchase", {"package": offer["id"]})
    assert confirmed["properties"]["status"] == "CONFIRMED"
    assert "expires" not in confirmed["_headers"]
    leg = confirmed["properties"]["legs"][0]
    assert (leg["id"], leg["status"]) == (offer["id"], "NOT_STARTED")
    assert tomp.post("confirm-purchase", {"package": offer["id"]})["properties"]["status"] == "CONFIRMED"
    ours = env.client.get("/api/v1/bookings", headers=tomp.auth).json()
    assert [(b["offer_id"], b["state"]) for b in ours] == [(offer["id"], "CONFIRMED")]
    booking = ours[0]
    assert (booking["passengers"], booking["wheelchairs"]) == (1, 1)
    driver = env.user("fahrer", "driver", vehicle_id=booking["vehicle_id"])
    _advance_to(env, booking["pickup_window"]["earliest"])
    assert _event(env, driver, "arrived", booking["id"]).status_code == 200
    assert _state(tomp, offer["id"]) == ("CONFIRMED", "READY_TO_USE")
    assert _event(env, driver, "boarded", booking["id"]).status_code == 200
    assert _state(tomp, offer["id"]) == ("STARTED", "IN_USE")
    env.clock.advance(20 * 60)
    assert _event(env, driver, "dropped_off", booking["id"]).status_code == 200
    assert _state(tomp, offer["id"]) == ("ENDED", "ENDED")


def _state(tomp: Tomp, package_id: str) -> tuple[str, str]:
    doc = tomp.get("packages", {"packageId": package_id})
    return doc["properties"]["status"], doc["properties"]["legs"][0]["status"]


def test_rollback_of_a_pending_purchase_books_nothing_and_is_final(env: Env) -> None:
    """PENDING → ROLLBACK; a confirm afterwards is an illegal operation (3004); no booking exists."""
    tomp = maas(env)
    offer = offer_of(tomp)
    tomp.post("purchase-offers", {"offer": offer["id"]})
    rolled_back = tomp.post("rollback-purchase", {"package": offer["id"]})
    assert rolled_back["properties"]["status"] == "ROLLBACK"
    assert "GMT" in rolled_back["_headers"]["expires"]  # never purchased: Expires stays
    refused = error(tomp.post("confirm-purchase", {"package": offer["id"]}, 409))
    assert refused["errorcode"] == 3004
    assert "ROLLBACK" in refused["detail"]
    assert _state(tomp, offer["id"]) == ("ROLLBACK", "CANCELLED")
    assert env.scalar("SELECT count(*) FROM bookings") == 0


def test_a_pending_purchase_expires_with_the_offer_hold(env: Env) -> None:
    """A PENDING package past the offer's hold is EXPIRED; confirming it is 3202 (expired)."""
    tomp = maas(env)
    offer = offer_of(tomp)
    pending = tomp.post("purchase-offers", {"offer": offer["id"]})
    expires = datetime.strptime(pending["_headers"]["expires"], "%a, %d %b %Y %H:%M:%S GMT")
    assert expires > T0.replace(tzinfo=None)
    env.clock.advance(10 * 60)
    assert _state(tomp, offer["id"])[0] == "EXPIRED"
    assert error(tomp.post("confirm-purchase", {"package": offer["id"]}, 409))["errorcode"] == 3202
    assert error(tomp.post("purchase-offers", {"offer": offer["id"]}, 409))["errorcode"] == 3202


def test_release_of_an_offer_and_what_cannot_follow(env: Env) -> None:
    """OFFERED → RELEASED; purchasing it then is 3004; confirming an unpurchased offer is 3004 with a hint."""
    tomp = maas(env)
    first, second = offer_of(tomp), offer_of(tomp)
    assert tomp.post("release-package", {"package": first["id"]})["properties"]["status"] == "RELEASED"
    assert error(tomp.post("purchase-offers", {"offer": first["id"]}, 409))["errorcode"] == 3004
    hint = error(tomp.post("confirm-purchase", {"package": second["id"]}, 409))
    assert hint["errorcode"] == 3004
    assert "purchase-offers" in hint["detail"]


def test_cancel_package_cancels_the_booking_and_the_leg(env: Env) -> None:
    """CONFIRMED → CANCELLED through cancel-package: the booking is cancelled in the service, the leg CANCELLED;
    a PENDING package is rolled back, not cancelled (3004)."""
    tomp = maas(env)
    package = booked(tomp)
    package_id = package["properties"]["id"]
    cancelled = tomp.post("cancel-package", {"package": package_id})
    assert (cancelled["properties"]["status"], cancelled["properties"]["legs"][0]["status"]) == ("CANCELLED",
                                                                                                 "CANCELLED")
    assert env.client.get("/api/v1/bookings", headers=tomp.auth).json()[0]["state"] == "CANCELLED"
    assert tomp.post("cancel-package", {"package": package_id})["properties"]["status"] == "CANCELLED"
    offer = offer_of(tomp)
    tomp.post("purchase-offers", {"offer": offer["id"]})
    assert error(tomp.post("cancel-package", {"package": offer["id"]}, 409))["errorcode"] == 3004


def test_a_no_show_abends_the_leg(env: Env) -> None:
    """The driver's no-show (after the wait) cancels the package and ABENDs its leg."""
    tomp = maas(env)
    package_id = booked(tomp)["properties"]["id"]
    booking = env.client.get("/api/v1/bookings", headers=tomp.auth).json()[0]
    driver = env.user("fahrer", "driver", vehicle_id=booking["vehicle_id"])
    _advance_to(env, booking["pickup_window"]["earliest"])
    _event(env, driver, "arrived", booking["id"])
    env.clock.advance(env.parts.services.ctx.options.no_show_wait_s + 60)
    assert _event(env, driver, "no_show", booking["id"]).status_code == 200
    assert _state(tomp, package_id) == ("CANCELLED", "ABENDED")


def test_leg_operations_of_the_maas_operator_are_refused_for_a_driven_ride(env: Env) -> None:
    """start/end of a leg: 4004 (the driver reports); an unknown operation 4002 (outside the spec); an unknown
    leg 4204."""
    tomp = maas(env)
    package_id = booked(tomp)["properties"]["id"]
    refused = error(tomp.post("start-leg", {"leg": package_id}, 409))
    assert refused["errorcode"] == 4004
    assert "Fahrer" in refused["detail"]
    assert error(tomp.post("jump-leg", {"leg": package_id}, 400, conforming=False))["errorcode"] == 4002
    assert error(tomp.post("end-leg", {"leg": "nope"}, 404))["errorcode"] == 4204


def test_a_seat_taken_before_the_confirm_expires_the_package(any_env_factory: EnvFactory) -> None:
    """One three-seat car, two MaaS operators with parties of two: the second confirm finds the seat gone — 3202,
    the package EXPIRED."""
    env = any_env_factory(fleet=one_small_car())
    first, second = maas(env, "maas-eins"), maas(env, "maas-zwei")
    party = [{"type": "traveller", "id": "t1", "groupSize": 2}]
    a, b = offer_of(first, travellers=party), offer_of(second, travellers=party)
    first.post("purchase-offers", {"offer": a["id"]})
    second.post("purchase-offers", {"offer": b["id"]})
    assert second.post("confirm-purchase", {"package": b["id"]})["properties"]["status"] == "CONFIRMED"
    gone = error(first.post("confirm-purchase", {"package": a["id"]}, 409))
    assert gone["errorcode"] == 3202
    assert all(link["href"].startswith("http") for link in gone.get("links", []))
    assert _state(first, a["id"])[0] == "EXPIRED"
    assert error(second.get("packages", {"packageId": a["id"]}, 404))["errorcode"] == 3204  # not theirs


def test_no_vehicle_or_another_mode_is_an_empty_collection_with_the_reason(env: Env) -> None:
    """A ride no vehicle can take and a mode this service does not run: 200 with no offers and the reason."""
    tomp = maas(env)
    night = (T0 + timedelta(hours=16)).strftime("%Y-%m-%dT%H:%M:%SZ")
    none = tomp.search(FROM, TO, night)
    assert none["numberReturned"] == 0
    assert none["properties"]["reason"] in ("outside_service_hours", "no_capacity")
    assert none["properties"]["detail"]
    rail = tomp.search(FROM, TO, START, requirements={"mode": "RAIL"})
    assert (rail["numberReturned"], rail["properties"]["reason"]) == (0, "mode_not_offered")


@pytest.mark.parametrize(("place", "code", "conforming"), [
    ("GPS:13.4050,52.5200", 2002, True),  # Berlin: outside the service area
    ("GPS:51.7946,11.7401", 2002, True),  # latitude first: refused with that hint
    ("P:home", 2002, True),  # an address place: not locatable here
    ("XYZ:1234", 2002, False),  # a data source nobody declared
    ("GPS:elf,fuenfzig", 2002, True),
    ("Bernburg", 2002, False),
])
def test_a_place_this_service_cannot_use_is_2002(env: Env, place: str, code: int, conforming: bool) -> None:
    """Place references outside the service area, of addresses or unknown data sources: 400, 2002, German."""
    tomp = maas(env)
    spec_ = {"type": "travelSpecification", "from": place, "to": TO, "startTime": START}
    found = error(tomp.post("search-offers", {"type": "searchOffer", "specification": spec_}, 400,
                            conforming=conforming))
    assert found["errorcode"] == code
    assert found["detail"]


def test_requests_outside_the_spec_get_the_spec_error_answer(env: Env) -> None:
    """Missing headers, no token, broken JSON, no inputs, a wrong type, a missing specification: TOMP errors
    (never problem+json), each request shown to be outside the spec by the spec itself."""
    tomp = maas(env)
    body = {"type": "searchOffer", "specification": {"type": "travelSpecification", "from": FROM, "to": TO}}
    no_language = {"authorization": tomp.auth["Authorization"]}
    assert error(tomp.post("search-offers", body, 400, conforming=False, headers=no_language))["errorcode"] == 2001
    no_token = {"Accept-Language": "de-DE"}
    assert error(tomp.post("search-offers", body, 401, conforming=False, headers=no_token))["errorcode"] == 2006
    assert error(tomp.post("search-offers", body, 401, headers=tomp.headers(authorization="Bearer falsch")))[
        "errorcode"] == 2006
    assert error(tomp.post("search-offers", None, 400, conforming=False, raw=b"{kaputt"))["errorcode"] == 2002
    assert error(tomp.post("search-offers", None, 400, conforming=False, raw=b"{}"))["errorcode"] == 2001
    assert error(tomp.post("search-offers", {**body, "type": "search"}, 400, conforming=False))["errorcode"] == 2002
    spec_less = {"type": "searchOffer"}
    assert error(tomp.post("search-offers", spec_less, 400, conforming=False))["errorcode"] == 2001
    assert error(tomp.post("purchase-offers", {}, 400, conforming=False))["errorcode"] == 3001
    assert error(tomp.get("packages", {}, 400, conforming=False))["errorcode"] == 3001
    driver = Tomp(env, env.user("fahrer", "driver", vehicle_id="bbg-1"))
    assert error(driver.post("search-offers", body, 403))["errorcode"] == 2006


def test_what_the_service_wide_guards_refuse_is_a_tomp_error_too(env: Env) -> None:
    """A control character (refused before any route) and a method the path does not take: TOMP errors with the
    TOMP headers, not problem+json."""
    tomp = maas(env)
    spec_ = {"type": "travelSpecification", "from": FROM, "to": TO, "startTime": START, "x": "a\u0001b"}
    found = error(tomp.post("search-offers", {"type": "searchOffer", "specification": spec_}, 400))
    assert found["errorcode"] == 2002
    assert "Steuerzeichen" in found["detail"]
    r = env.client.put("/tomp/v2/processes/search-offers/execution", headers=tomp.headers())
    assert (r.status_code, r.headers["content-type"], r.headers["Version"]) == (404, "application/json", "2.0.0")
    assert error(outside_the_spec(r))["errorcode"] == 7204


def test_operations_and_paths_this_adapter_does_not_offer(env: Env) -> None:
    """A process of the spec this adapter does not offer: 501 with x004; a path outside the spec: 404 with x204."""
    tomp = maas(env)
    assert error(tomp.post("purchase-product", {"products": ["Tageskarte"]}, 501))["errorcode"] == 7004
    r = tomp.env.client.get("/tomp/v2/bookings", headers=tomp.headers())
    assert (r.status_code, r.headers["Version"]) == (404, "2.0.0")
    assert error(outside_the_spec(r))["errorcode"] == 7204


def test_our_own_api_stays_as_it_is(env: Env) -> None:
    """A booking made through /api/v1 is no TOMP package (3204), and /api/v1 still answers problem+json."""
    headers = env.user("erika")
    offer = env.client.post("/api/v1/offers", json={"origin": {"stop_id": BERNBURG_HBF},
                                                    "destination": {"stop_id": STASSFURT_BF},
                                                    "departure": (T0 + timedelta(minutes=20)).isoformat()},
                            headers=headers).json()
    env.client.post("/api/v1/bookings", json={"offer_id": offer["id"]}, headers=headers)
    tomp = Tomp(env, headers)
    assert error(tomp.get("packages", {"packageId": offer["id"]}, 404))["errorcode"] == 3204
    r = env.client.get("/api/v1/bookings/unbekannt", headers=headers)
    assert r.headers["content-type"].startswith("application/problem+json")


def test_unbooked_packages_go_with_the_offer_retention(any_env_factory: EnvFactory) -> None:
    """A rolled-back package is deleted 24 h after its hold when the same operator next releases (or purchases);
    a booked one stays."""
    env = any_env_factory(fleet=[Vehicle("bbg-1", "Bernburg 1", MINIBUS, BERNBURG, "Bernburg", shift(40))])
    tomp = maas(env)
    kept = booked(tomp)["properties"]["id"]
    old = offer_of(tomp)
    tomp.post("purchase-offers", {"offer": old["id"]})
    tomp.post("rollback-purchase", {"package": old["id"]})
    assert env.scalar("SELECT count(*) FROM tomp_packages") == 2
    env.clock.advance(25 * 3600)
    fresh = tomp.search(FROM, TO, (env.clock.now() + timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    tomp.post("release-package", {"package": fresh["features"][0]["id"]})
    assert env.scalar(f"SELECT count(*) FROM tomp_packages WHERE id = '{old['id']}'") == 0
    assert env.scalar(f"SELECT count(*) FROM tomp_packages WHERE id = '{kept}'") == 1


def test_numbers_needs_and_times_out_of_range_are_the_spec_s_400(any_env_factory: EnvFactory) -> None:
    """A group size of Infinity or NaN (JSON parsers accept them), a mobility need given as a list and a start in the
    year 1 are a 400 with the spec's error (x002) naming the field, never a 500 (found by the fuzz run)."""
    env = any_env_factory()
    tomp = maas(env)
    spec_ = {"type": "travelSpecification", "from": FROM, "to": TO, "startTime": START}
    for size in ("Infinity", "NaN", "1e999"):
        raw = ('{"inputs": {"type": "searchOffer", "specification": ' + json.dumps(spec_)
               + ', "travellers": [{"groupSize": ' + size + '}]}}').encode()
        found = error(tomp.post("search-offers", None, 400, conforming=False, raw=raw))
        assert (found["errorcode"], "groupSize" in found["detail"]) == (2002, True), found
    needs = {"travellers": [{"requirements": {"prmNeeds": [{"mobilityNeed": ["wheelchair"]}]}}]}
    found = error(tomp.post("search-offers", {"type": "searchOffer", "specification": spec_, **needs}, 400,
                            conforming=False))
    assert "prmNeeds[0]" in found["detail"]
    ancient = {**spec_, "startTime": "0001-01-01T00:00:00+14:00"}
    found = error(tomp.post("search-offers", {"type": "searchOffer", "specification": ancient}, 400))
    assert "2000" in found["detail"]


def test_the_retention_job_deletes_unbooked_packages(any_env_factory: EnvFactory) -> None:
    """The service's own retention purge (mobility privacy purge, the background loop) deletes a rolled-back
    package 24 h after its hold, without the operator coming back; a booked one stays."""
    env = any_env_factory(fleet=[Vehicle("bbg-1", "Bernburg 1", MINIBUS, BERNBURG, "Bernburg", shift(40))])
    tomp = maas(env)
    kept = booked(tomp)["properties"]["id"]
    old = offer_of(tomp)
    tomp.post("purchase-offers", {"offer": old["id"]})
    tomp.post("rollback-purchase", {"package": old["id"]})
    env.parts.services.privacy.purge()
    assert env.scalar("SELECT count(*) FROM tomp_packages") == 2  # within the retention: both stay
    env.clock.advance(25 * 3600)
    env.parts.services.privacy.purge()
    assert env.scalar(f"SELECT count(*) FROM tomp_packages WHERE id = '{old['id']}'") == 0
    assert env.scalar(f"SELECT count(*) FROM tomp_packages WHERE id = '{kept}'") == 1
