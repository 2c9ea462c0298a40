"""The on-demand service published as static GTFS-Flex (zone-based demand-responsive service)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date
from typing import Any

import pytest

from booking.feeds.gtfs_flex import Agency, flex_files, flex_zip
from mobility.domain.geo import Point
from mobility.domain.rules import INSTANT, KVG
from mobility.domain.stops import Stop, StopKind
from tests.booking.conftest import BERNBURG_HBF, STASSFURT_BF, Env
from tests.booking.test_dispatch import _book


@pytest.fixture
def env(any_env: Env) -> Env:
    """Two minibuses at T0, on SQLite and then on PostGIS."""
    return any_env

REQUIRED = {"agency.txt", "routes.txt", "trips.txt", "stop_times.txt", "calendar.txt", "booking_rules.txt",
            "locations.geojson", "stops.txt", "feed_info.txt"}
SQUARE = {"type": "Polygon", "coordinates": [[[11.5, 51.7], [11.9, 51.7], [11.9, 51.9], [11.5, 51.9], [11.5, 51.7]]]}
STOP = Stop("s1", "Markt", "Bernburg (Saale)", Point(11.74, 51.79), StopKind.STOP, 0)


def _table(files: dict[str, bytes], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[name].decode())))


def rule_problems(rule: dict[str, str]) -> list[str]:
    """What the GTFS reference forbids or requires for a booking rule of its booking_type."""
    set_ = {k for k, v in rule.items() if v != "" and k.startswith("prior_notice")}
    kind = rule["booking_type"]
    allowed = {"0": set(),
               "1": {"prior_notice_duration_min", "prior_notice_duration_max", "prior_notice_start_day",
                     "prior_notice_start_time"},
               "2": {"prior_notice_last_day", "prior_notice_last_time", "prior_notice_start_day",
                     "prior_notice_start_time", "prior_notice_service_id"}}[kind]
    required = {"0": set(), "1": {"prior_notice_duration_min"},
                "2": {"prior_notice_last_day", "prior_notice_last_time"}}[kind]
    problems = [f"forbidden {f}" for f in sorted(set_ - allowed)] + [f"missing {f}" for f in sorted(required - set_)]
    if ("prior_notice_start_day" in set_) != ("prior_notice_start_time" in set_):
        problems.append("start day and start time go together")
    if "prior_notice_duration_max" in set_ and "prior_notice_start_day" in set_:
        problems.append("duration_max excludes start_day")
    if {"prior_notice_last_day", "prior_notice_start_day"} <= set_ and \
            int(rule["prior_notice_last_day"]) > int(rule["prior_notice_start_day"]):
        problems.append("last day after start day")
    return problems


def _references_hold(files: dict[str, bytes]) -> None:
    assert set(files) == REQUIRED
    zones = {f["id"] for f in json.loads(files["locations.geojson"])["features"]}
    rules = {r["booking_rule_id"]: r for r in _table(files, "booking_rules.txt")}
    trips = {t["trip_id"]: t for t in _table(files, "trips.txt")}
    routes = {r["route_id"]: r for r in _table(files, "routes.txt")}
    agencies = {a["agency_id"] for a in _table(files, "agency.txt")}
    services = {c["service_id"] for c in _table(files, "calendar.txt")}
    for row in _table(files, "stop_times.txt"):
        assert row["trip_id"] in trips
        assert row["location_id"] in zones
        assert row["start_pickup_drop_off_window"] < row["end_pickup_drop_off_window"]
        assert {row["pickup_type"], row["drop_off_type"]} == {"1", "2"}  # one side booked, the other not offered
        for key in ("pickup_booking_rule_id", "drop_off_booking_rule_id"):
            assert row[key] == "" or row[key] in rules
    for t in trips.values():
        assert t["route_id"] in routes
        assert t["service_id"] in services
    assert all(r["agency_id"] in agencies for r in routes.values())
    for rule in rules.values():
        assert rule_problems(rule) == [], rule


def test_kvg_rules_become_a_day_and_a_night_trip_with_their_booking_rules() -> None:
    """KVG: day 07–21 h with 60 minutes' notice (same day), night 21–07 h booked by 20:00 (prior notice)."""
    files = flex_files(KVG, SQUARE, [STOP], agency=Agency(), start=date(2026, 11, 23))
    _references_hold(files)
    times = [(r["start_pickup_drop_off_window"], r["end_pickup_drop_off_window"])
             for r in _table(files, "stop_times.txt")]
    assert times == [("07:00:00", "21:00:00")] * 2 + [("21:00:00", "31:00:00")] * 2
    day, night = _table(files, "booking_rules.txt")
    assert (day["booking_type"], day["prior_notice_duration_min"], day["prior_notice_duration_max"]) == \
           ("1", "60", str(28 * 24 * 60))
    assert (night["booking_type"], night["prior_notice_last_day"], night["prior_notice_last_time"]) == \
           ("2", "0", "20:00:00")
    # bookable from when the night's last ride (07:00, i.e. 31:00 of its service day) is within the 28-day horizon
    assert (night["prior_notice_start_day"], night["prior_notice_start_time"]) == ("27", "07:00:00")
    assert "20:00 Uhr" in night["message"]
    calendar = _table(files, "calendar.txt")[0]
    assert (calendar["start_date"], calendar["end_date"]) == ("20261123", "20271122")


def test_instant_rules_are_booked_in_real_time() -> None:
    """Our default: one trip 06–22 h, bookable in real time (no notice fields)."""
    feature = {"type": "Feature", "geometry": SQUARE}
    files = flex_files(INSTANT, feature, [STOP], agency=Agency(), start=date(2026, 1, 1))
    _references_hold(files)
    (rule,) = _table(files, "booking_rules.txt")
    assert rule["booking_type"] == "0"
    zip_names = set(zipfile.ZipFile(io.BytesIO(flex_zip(files))).namelist())
    assert zip_names == REQUIRED


def test_feed_is_public_and_covers_the_stops_of_the_realtime_trips(env: Env) -> None:
    """``/feeds/gtfs-flex.zip`` needs no login; its zone holds the stops; every stop of the GTFS-Realtime trip
    updates is in its stops.txt."""
    import shapely
    from shapely.geometry import shape

    _book(env, env.user("erika"), BERNBURG_HBF, STASSFURT_BF, 20)
    r = env.client.get("/api/v1/feeds/gtfs-flex.zip")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    files = {name: archive.read(name) for name in archive.namelist()}
    _references_hold(files)
    zone = shape(json.loads(files["locations.geojson"])["features"][0]["geometry"])
    stops = {s["stop_id"]: s for s in _table(files, "stops.txt")}
    hbf = stops[BERNBURG_HBF]
    assert shapely.contains_xy(zone, float(hbf["stop_lon"]), float(hbf["stop_lat"]))
    updates: dict[str, Any] = env.client.get("/api/v1/feeds/gtfs-rt/trip-updates", params={"format": "json"}).json()
    used = {u["stop_id"] for e in updates["entity"] for u in e["trip_update"]["stop_time_update"]}
    assert used
    assert used <= set(stops)
    assert _table(files, "booking_rules.txt")[0]["booking_url"].startswith("http://testserver")


def test_the_rule_check_catches_what_the_reference_forbids() -> None:
    """The checker used above is not vacuous: notice fields on a real-time rule, a same-day rule without its
    minimum, a prior-day rule without its last day are named."""
    assert rule_problems({"booking_type": "0", "prior_notice_duration_min": "30"}) == [
        "forbidden prior_notice_duration_min"]
    assert rule_problems({"booking_type": "1", "prior_notice_last_day": "1"}) == [
        "forbidden prior_notice_last_day", "missing prior_notice_duration_min"]
    assert rule_problems({"booking_type": "2", "prior_notice_last_time": "17:00:00"}) == [
        "missing prior_notice_last_day"]
