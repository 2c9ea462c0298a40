"""The ``MOBILITY_*`` settings reach the running service: rules, fares, pickup window, no-show wait, phone number."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.booking.conftest import BERNBURG_HBF, STASSFURT_BF, Env, EnvFactory, ride
from tests.booking.test_dispatch import _book
from tests.booking.test_offers import problem


def _event(env: Env, headers: dict[str, str], kind: str, booking_id: str) -> Any:
    return env.client.post("/api/v1/driver/events", json={"type": kind, "booking_id": booking_id}, headers=headers)


def _flex_table(content: bytes, name: str) -> list[dict[str, str]]:
    text = zipfile.ZipFile(io.BytesIO(content)).read(name).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_kvg_rules_refuse_a_ride_at_30_minutes_notice(any_env_factory: EnvFactory,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """With MOBILITY_BOOKING_RULES=kvg a day trip 30 minutes ahead is refused (60 minutes' notice), 90 minutes
    ahead is offered, and the GTFS-Flex feed publishes the day and the night period."""
    monkeypatch.setenv("MOBILITY_BOOKING_RULES", "kvg")
    env = any_env_factory()
    headers = env.user("erika")
    p = problem(env.client.post("/api/v1/offers", json=ride(BERNBURG_HBF, STASSFURT_BF, 30), headers=headers), 422)
    assert p["type"].endswith(":too_short_notice"), p
    assert "mindestens 60 Minuten" in p["detail"]
    assert env.client.post("/api/v1/offers", json=ride(BERNBURG_HBF, STASSFURT_BF, 90),
                           headers=headers).status_code == 201
    rules = _flex_table(env.client.get("/api/v1/feeds/gtfs-flex.zip").content, "booking_rules.txt")
    assert [(r["booking_type"], r["prior_notice_duration_min"]) for r in rules] == [("1", "60"), ("2", "")]
    env.flush()
    assert env.scalar("SELECT count(*) FROM events WHERE type = 'booking_rejected'") == 1


def test_fare_file_and_pickup_window_shape_the_offer(any_env_factory: EnvFactory, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    """MOBILITY_FARES_PATH prices the offer from the file (a flat 7.77 €, companions free), and
    MOBILITY_PICKUP_WINDOW_S=600 promises a 10-minute window instead of 15."""
    fares = tmp_path / "fares.toml"
    fares.write_text("beyond_cents = 900\nsurcharge_cents = 0\ncompanion_pct = 0\n"
                     "bands = [{ up_to_km = 100, cents = 777 }]\n", encoding="utf-8")
    monkeypatch.setenv("MOBILITY_FARES_PATH", str(fares))
    monkeypatch.setenv("MOBILITY_PICKUP_WINDOW_S", "600")
    env = any_env_factory()
    booking = _book(env, env.user("erika"), BERNBURG_HBF, STASSFURT_BF, 20, passengers=2)
    assert booking["price_cents"] == 777  # the built-in table: 360 + 180 + 100
    window = booking["pickup_window"]
    assert datetime.fromisoformat(window["latest"]) - datetime.fromisoformat(window["earliest"]) == timedelta(
        minutes=10)
    env.flush()
    assert env.scalar("SELECT count(*) FROM bookings WHERE price_cents = 777") == 1


def test_no_show_wait_is_the_configured_one(any_env_factory: EnvFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """With MOBILITY_NO_SHOW_WAIT_S=900 a no-show ten minutes after arriving is refused (the default five minutes
    would allow it); fifteen minutes after, it is recorded."""
    monkeypatch.setenv("MOBILITY_NO_SHOW_WAIT_S", "900")
    env = any_env_factory()
    booking = _book(env, env.user("erika"), BERNBURG_HBF, STASSFURT_BF, 20)
    driver = env.user("fahrer", "driver", vehicle_id=booking["vehicle_id"])
    env.clock.advance((datetime.fromisoformat(booking["pickup_window"]["earliest"]) - env.clock.now()).total_seconds())
    assert _event(env, driver, "arrived", booking["id"]).status_code == 200
    env.clock.advance(600)
    assert "Nichterscheinen" in problem(_event(env, driver, "no_show", booking["id"]), 409)["detail"]
    env.clock.advance(300)
    late = _event(env, driver, "no_show", booking["id"])
    assert late.status_code == 200, late.text
    assert late.json()["booking"]["state_reason"] == "no_show"


def test_the_control_room_phone_is_on_the_pages_and_in_the_flex_feed(any_env_factory: EnvFactory,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """MOBILITY_CONTROL_ROOM_PHONE appears as a tel: link in every page's footer and as the agency's and each
    booking rule's phone number in the GTFS-Flex feed."""
    monkeypatch.setenv("MOBILITY_CONTROL_ROOM_PHONE", "03471 684-0")
    env = any_env_factory()
    for path in ("/", "/dispatcher", "/login"):
        assert 'Leitstelle <a href="tel:034716840">03471 684-0</a>' in env.client.get(path).text
    feed = env.client.get("/api/v1/feeds/gtfs-flex.zip").content
    assert _flex_table(feed, "agency.txt")[0]["agency_phone"] == "03471 684-0"
    assert {r["phone_number"] for r in _flex_table(feed, "booking_rules.txt")} == {"03471 684-0"}
