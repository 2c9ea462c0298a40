"""The control room's booking search on SQLite and PostGIS: by name, phone, booking number, stop or vehicle; by day
and state; the next pickup first; paged with the total; riders by name and phone, never account ids."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.booking.conftest import (
    ASCHERSLEBEN_BF,
    BERNBURG_HBF,
    BERNBURG_KALISTR,
    STASSFURT_BF,
    EnvFactory,
)
from tests.booking.control_helpers import book_app, book_phone, headers_of, problem_json, week_minibuses

SEARCH = "/api/v1/dispatch/bookings"


def _ids(body: dict[str, Any]) -> list[str]:
    return [b["id"] for b in body["items"]]


def test_search_by_name_phone_number_stop_and_vehicle(any_env_factory: EnvFactory) -> None:
    """A phone booking is found by the caller's name, by digits of the number typed with or without spaces, by the
    first characters of its booking number, by a stop and by its vehicle's name; an app booking by the account's
    display name and phone. Riders are shown by name and phone, never by account id."""
    env = any_env_factory()
    staff = headers_of(env, "leitstelle", "dispatcher")
    erika = headers_of(env, "erika.lange", phone="0171 5550123")
    phone = book_phone(env, staff, ("Gerda Schulze", "03471 123456"), BERNBURG_HBF, STASSFURT_BF, minutes=30)
    app = book_app(env, erika, BERNBURG_KALISTR, ASCHERSLEBEN_BF, 45)

    def find(q: str) -> list[str]:
        r = env.client.get(SEARCH, params={"q": q}, headers=staff)
        assert r.status_code == 200, r.text
        return _ids(r.json())

    assert find("schulze") == [phone["id"]]
    assert find("GERDA schul") == [phone["id"]]  # every word must match, any case
    assert find("3471123456") == [phone["id"]]  # digits without the space
    assert find("471 12") == [phone["id"]]
    assert find(phone["id"][:8].upper()) == [phone["id"]]
    assert find("Staßfurt") == [phone["id"]]
    assert find("Aschersleben") == [app["id"]]
    assert find("Erika.Lange") == [app["id"]]
    assert find("5550123") == [app["id"]]
    assert find("niemand") == []
    vehicle_names = {v["id"]: v["name"] for v in env.client.get("/api/v1/dispatch/vehicles", headers=staff).json()}
    assert phone["id"] in find(vehicle_names[phone["vehicle_id"]])
    body = env.client.get(SEARCH, headers=staff).json()
    rows = {b["id"]: b for b in body["items"]}
    assert (rows[phone["id"]]["rider_name"], rows[phone["id"]]["rider_phone"]) == ("Gerda Schulze", "03471 123456")
    assert rows[phone["id"]]["rider_kind"] == "phone"
    assert (rows[app["id"]]["rider_name"], rows[app["id"]]["rider_phone"]) == ("Erika.Lange", "0171 5550123")
    assert rows[app["id"]]["rider_kind"] == "app"
    assert rows[app["id"]]["pickup_stop_name"]
    assert rows[app["id"]]["vehicle_name"] in vehicle_names.values()


def test_next_pickup_first_paged_with_total_day_and_state(any_env_factory: EnvFactory) -> None:
    """Rides to come are listed next pickup first, a cancelled one after them; seven bookings in pages of three give
    a total of 7, three pages, the same order as one page; the day filter keeps only that day's pickups; the state
    filter only those states; an unknown state is a 422 problem in German."""
    env = any_env_factory(fleet=week_minibuses())
    staff = headers_of(env, "leitstelle", "dispatcher")
    rider = headers_of(env, "erika")
    minutes = [150, 40, 95, 20, 300, 65]
    made = {m: book_app(env, rider, BERNBURG_HBF, STASSFURT_BF, m)["id"] for m in minutes}
    tomorrow = book_app(env, rider, BERNBURG_HBF, BERNBURG_KALISTR, 24 * 60 + 30)["id"]
    cancelled = made.pop(20)
    assert env.client.post(f"/api/v1/bookings/{cancelled}/cancel", headers=staff).status_code == 200
    expected = [made[m] for m in sorted(made)] + [tomorrow, cancelled]

    whole = env.client.get(SEARCH, params={"page_size": 50}, headers=staff).json()
    assert _ids(whole) == expected
    assert (whole["total"], whole["pages"]) == (7, 1)
    assert whole["today"] == "2026-11-23"
    pages = [env.client.get(SEARCH, params={"page": n, "page_size": 3}, headers=staff).json() for n in (1, 2, 3)]
    assert [p["total"] for p in pages] == [7, 7, 7]
    assert [p["pages"] for p in pages] == [3, 3, 3]
    assert [len(p["items"]) for p in pages] == [3, 3, 1]
    assert [i for p in pages for i in _ids(p)] == expected

    today = env.client.get(SEARCH, params={"day": "2026-11-23"}, headers=staff).json()
    assert tomorrow not in _ids(today)
    assert today["total"] == 6
    nextday = env.client.get(SEARCH, params={"day": "2026-11-24"}, headers=staff).json()
    assert _ids(nextday) == [tomorrow]
    assert _ids(env.client.get(SEARCH, params={"state": "CANCELLED"}, headers=staff).json()) == [cancelled]
    active = env.client.get(SEARCH, params={"state": "active", "day": "2026-11-23"}, headers=staff).json()
    assert _ids(active) == [made[m] for m in sorted(made)]
    problem_json(env.client.get(SEARCH, params={"state": "VERLOREN"}, headers=staff), 422)
    problem_json(env.client.get(SEARCH, params={"page_size": 500}, headers=staff), 422)
    problem_json(env.client.get(SEARCH, params={"day": "9999-01-01"}, headers=staff), 422)


def test_a_ride_under_way_comes_after_the_rides_to_come(any_env_factory: EnvFactory) -> None:
    """When the clock passes a pickup the ride moves below every ride still to come (the first row stays the next
    pickup)."""
    env = any_env_factory()
    staff = headers_of(env, "leitstelle", "dispatcher")
    rider = headers_of(env, "erika")
    early = book_app(env, rider, BERNBURG_HBF, STASSFURT_BF, 20)
    later = book_app(env, rider, BERNBURG_KALISTR, ASCHERSLEBEN_BF, 120)
    assert _ids(env.client.get(SEARCH, headers=staff).json()) == [early["id"], later["id"]]
    env.clock.advance(timedelta(minutes=45).total_seconds())
    assert _ids(env.client.get(SEARCH, headers=staff).json()) == [later["id"], early["id"]]


def test_only_staff_search(any_env_factory: EnvFactory) -> None:
    """A resident gets a 403 problem, not other people's bookings."""
    env = any_env_factory()
    rider = headers_of(env, "erika")
    problem_json(env.client.get(SEARCH, headers=rider), 403)


def test_figures_of_a_chosen_day_and_the_service_clock(any_env_factory: EnvFactory) -> None:
    """The key figures count the chosen day's rides (default today) and say the service's own now and today."""
    env = any_env_factory(fleet=week_minibuses())
    staff = headers_of(env, "leitstelle", "dispatcher")
    rider = headers_of(env, "erika")
    book_app(env, rider, BERNBURG_HBF, STASSFURT_BF, 30)
    book_app(env, rider, BERNBURG_HBF, STASSFURT_BF, 24 * 60 + 30)
    book_app(env, rider, BERNBURG_KALISTR, ASCHERSLEBEN_BF, 24 * 60 + 90)
    today = env.client.get("/api/v1/dispatch/kpis", headers=staff).json()
    assert (today["day"], today["booked"], today["today"]) == ("2026-11-23", 1, "2026-11-23")
    assert today["now"].startswith("2026-11-23T08:00:00")
    tomorrow = env.client.get("/api/v1/dispatch/kpis", params={"day": "2026-11-24"}, headers=staff).json()
    assert (tomorrow["day"], tomorrow["booked"], tomorrow["today"]) == ("2026-11-24", 2, "2026-11-23")
    problem_json(env.client.get("/api/v1/dispatch/kpis", params={"day": "1999-12-31"}, headers=staff), 422)
