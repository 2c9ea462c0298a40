"""The published feeds checked by third-party validators (tests/booking/feed_validators.py), on both stores:
GTFS-Flex by MobilityData's rules (``gtfs-validator``) and an independent implementation (``gtfs-guru``),
GTFS-Realtime TripUpdates and VehiclePositions by ``gtfs-rt-validator`` against the static Flex feed.

Every notice that is allowed is named here with its reason (docs/feeds.md, "Validators"); anything else fails.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from booking.feeds.geojson import _signed_area
from tests.booking.conftest import BERNBURG, BERNBURG_HBF, STASSFURT, STASSFURT_BF, T0, Env, EnvFactory
from tests.booking.feed_validators import Notices, guru_notices, mobilitydata_notices, realtime_notices
from tests.booking.test_dispatch import _book
from tests.booking.test_positions import report

PHONE = "03471 684 0"
PUBLIC = "https://rufbus.kvg-salzland.de/"


def _flex(env: Env, tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    r = env.client.get("/api/v1/feeds/gtfs-flex.zip")
    assert r.status_code == 200, r.text
    feed = tmp_path / "gtfs-flex.zip"
    feed.write_bytes(r.content)
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    return feed, {name: archive.read(name) for name in archive.namelist()}


def _table(files: dict[str, bytes], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[name].decode())))


def _codes(notices: Notices) -> dict[str, tuple[str, int]]:
    return {code: (severity, total) for code, (severity, total, _) in notices.items()}


def _outer_rings(geometry: dict[str, Any]) -> list[tuple[float, list[float]]]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [(_signed_area(p[0]), [_signed_area(hole) for hole in p[1:]]) for p in polygons]


@pytest.mark.parametrize("rules", ["instant", "kvg"])
def test_the_flex_feed_passes_mobilitydata_and_an_independent_validator(
        any_env_factory: EnvFactory, rules: str, tmp_path: Path) -> None:
    """Both rule sets: MobilityData's rules find no error and one warning — ``stop_without_stop_time`` for each
    meeting point (stops.txt lists them so the GTFS-Realtime trips can name them; the static trips serve the zone).
    gtfs-guru finds no error; besides the same warning it reports the two flex trips as ``unused_trip`` and
    ``unusable_trip`` because its rule counts only stop times with a ``stop_id`` (it predates zone stop times).
    The phone number, the booking page and the safe duration are in the files."""
    env = any_env_factory(control_room_phone=PHONE, booking_rules=rules, public_url=PUBLIC)
    feed, files = _flex(env, tmp_path)
    stops = len(_table(files, "stops.txt"))
    trips = len(_table(files, "trips.txt"))
    (tmp_path / "md").mkdir()
    assert _codes(mobilitydata_notices(feed, T0.date(), tmp_path / "md")) == {
        "stop_without_stop_time": ("WARNING", stops)}
    assert _codes(guru_notices(feed, T0.date())) == {"stop_without_stop_time": ("WARNING", stops),
                                          "unused_trip": ("WARNING", trips), "unusable_trip": ("WARNING", trips)}
    assert {a["agency_phone"] for a in _table(files, "agency.txt")} == {PHONE}
    for rule in _table(files, "booking_rules.txt"):
        assert (rule["phone_number"], rule["booking_url"]) == (PHONE, PUBLIC)
        assert PHONE in rule["message"]
        assert rule["info_url"].startswith("https://")
    assert {(t["safe_duration_factor"], t["safe_duration_offset"]) for t in _table(files, "trips.txt")} == {
        ("1.5", "960")}  # 1.5 × driving + 600 s + 2 × 60 s + 4 min (docs/feeds.md)


def test_every_outer_ring_is_counterclockwise(any_env: Env, tmp_path: Path) -> None:
    """RFC 7946: the zone of locations.geojson and /service-area.geojson turn their outer rings counterclockwise
    (the bundled area is clockwise) and holes clockwise; both are the same polygon."""
    _, files = _flex(any_env, tmp_path)
    zone = json.loads(files["locations.geojson"])["features"][0]["geometry"]
    area = any_env.client.get("/api/v1/service-area.geojson").json()["features"][0]["geometry"]
    for geometry in (zone, area):
        for outer, holes in _outer_rings(geometry):
            assert outer > 0
            assert all(h < 0 for h in holes)
    assert len(zone["coordinates"][0]) == len(area["coordinates"][0])


def test_the_safe_duration_follows_the_settings(make_env: EnvFactory, tmp_path: Path) -> None:
    """MOBILITY_FLEX_ETA_ERROR_P95_MIN and MOBILITY_FLEX_DRIVING_RATIO reach trips.txt: 5 minutes of ETA error and
    planners driving 10 % faster than our network give factor 1.5 × 1.1 and offset 600 + 120 + 300 s."""
    env = make_env(flex_eta_error_p95_min=5, flex_driving_ratio=1.1)
    _, files = _flex(env, tmp_path)
    assert {(t["safe_duration_factor"], t["safe_duration_offset"]) for t in _table(files, "trips.txt")} == {
        ("1.65", "1020")}


def test_realtime_feeds_pass_the_gtfs_rt_validator_against_the_flex_feed(any_env: Env, tmp_path: Path) -> None:
    """Three rides on two buses, both buses reporting positions: TripUpdates (one NEW trip per duty) and
    VehiclePositions pass gtfs-rt-validator's current rules, cross-checked against the static Flex feed (stops,
    route, stop sequences, times, headsign and scheduled times of NEW trips, vehicle ids across both feeds). The one
    finding is E003 for each NEW trip: upstream's 2015 rule exempts only ADDED trips from being in trips.txt, and
    NEW (which replaced ADDED) is a value its enum does not have (docs/feeds.md)."""
    from google.transit import gtfs_realtime_pb2

    env = any_env
    for who, start, end, minutes in (("erika", BERNBURG_HBF, STASSFURT_BF, 20),
                                     ("max", BERNBURG_HBF, STASSFURT_BF, 25),
                                     ("otto", STASSFURT_BF, BERNBURG_HBF, 10)):
        _book(env, env.user(who), start, end, minutes)
    report(env, env.user("f1", "driver", vehicle_id="bbg-1"), BERNBURG, heading_deg=90.0, speed_mps=10.0)
    report(env, env.user("f2", "driver", vehicle_id="sft-1"), STASSFURT)
    feed, _ = _flex(env, tmp_path)
    updates = env.client.get("/api/v1/feeds/gtfs-rt/trip-updates").content
    positions = env.client.get("/api/v1/feeds/gtfs-rt/vehicle-positions").content
    notices = realtime_notices(feed, env.clock.now(), tmp_path, trip_updates=updates, vehicle_positions=positions)
    trips = gtfs_realtime_pb2.FeedMessage()
    trips.ParseFromString(updates)
    new = {e.trip_update.trip.trip_id for e in trips.entity
           if e.trip_update.trip.schedule_relationship == gtfs_realtime_pb2.TripDescriptor.NEW}
    assert len(new) == 2
    assert set(notices) == {"E003"}
    severity, total, samples = notices["E003"]
    assert (severity, total) == ("ERROR", 4)  # each NEW trip in TripUpdates and in VehiclePositions
    assert {sample["prefix"].rsplit(" ", 1)[-1] for sample in samples} == new
