"""Reading a GTFS feed: the real Cairns feed, and broken copies of it whose errors name file, line and field (also
through ``mobility transit import``, without a traceback); the timetable tables match their migration."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from booking.store import transit as transit_store
from booking.store.engine import include_object, make_engine, make_session_factory, upgrade
from booking.store.models import Base
from booking.transit.gtfs import GtfsError, GtfsFeed
from mobility.cli import app as cli
from mobility.domain.transit import (
    Connection,
    Direction,
    ScheduledCall,
    ServicePattern,
    TransferRules,
    active_services,
    line_name,
    parse_gtfs_time,
    service_instant,
    service_seconds,
)
from tests.booking.transit_helpers import FEED

Edit = Callable[[str], str]


def _broken(tmp_path: Path, member: str, edit: Edit | None) -> Path:
    """A copy of the Cairns feed with ``member`` edited (or left out when ``edit`` is None)."""
    out = tmp_path / "broken.zip"
    with zipfile.ZipFile(FEED) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename).decode("utf-8")
            if info.filename == member:
                if edit is None:
                    continue
                data = edit(data)
            dst.writestr(info.filename, data)
    return out


def _line(n: int, change: Callable[[list[str]], list[str]]) -> Edit:
    """Change the fields of line ``n`` (1 = header) of a CSV text."""
    def edit(text: str) -> str:
        lines = text.splitlines()
        lines[n - 1] = ",".join(change(lines[n - 1].split(",")))
        return "\n".join(lines) + "\n"
    return edit


def _read_all(path: Path) -> int:
    with GtfsFeed(path) as feed:
        feed.tables()
        return sum(1 for _ in feed.calls())


def test_the_real_feed_reads_without_error() -> None:
    """Every stop, trip and timed stop time of the Cairns feed (untimed rows between time points are skipped)."""
    with GtfsFeed(FEED) as feed:
        tables = feed.tables()
        calls = list(feed.calls())
    assert (len(tables.stops), len(tables.trips), len(calls)) == (416, 1339, 37725)
    assert tables.timezone == "Australia/Brisbane"
    assert tables.exceptions["CNS2014-CNS_MUL-Sunday-00"][date(2014, 6, 9)] == 1
    assert max(c.departure_s for c in calls) > 0
    assert all(c.departure_s >= c.arrival_s for c in calls)


# stop_times.txt: trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type
BROKEN: list[tuple[str, Edit | None, tuple[str, int | None, str | None], str]] = [
    ("trips.txt", None, ("trips.txt", None, None), "fehlt"),
    ("calendar.txt", _line(2, lambda f: [*f[:1], "x", *f[2:]]), ("calendar.txt", 2, "monday"), "0 oder 1"),
    ("stop_times.txt", _line(3, lambda f: [f[0], "25:61:00", *f[2:]]), ("stop_times.txt", 3, "arrival_time"),
     "25:61:00"),
    ("stop_times.txt", _line(4, lambda f: [f[0], f[1], "zwölf", *f[3:]]), ("stop_times.txt", 4, "departure_time"),
     "HH:MM:SS"),
    ("stop_times.txt", _line(5, lambda f: [f[0], "06:10:00", "06:00:00", *f[3:]]),
     ("stop_times.txt", 5, "departure_time"), "vor der Ankunft"),
    ("stop_times.txt", _line(6, lambda f: [*f[:3], "999999", *f[4:]]), ("stop_times.txt", 6, "stop_id"),
     "unbekannte Haltestelle „999999“"),
    ("stop_times.txt", _line(7, lambda f: ["no-such-trip", *f[1:]]), ("stop_times.txt", 7, "trip_id"),
     "unbekannte Fahrt"),
    ("stops.txt", _line(3, lambda f: [*f[:4], "north", *f[5:]]), ("stops.txt", 3, "stop_lat"), "keine Zahl"),
    ("trips.txt", _line(2, lambda f: ["999-423", *f[1:]]), ("trips.txt", 2, "route_id"), "unbekannte Linie"),
    ("agency.txt", _line(2, lambda f: [*f[:2], "Mars/Olympus", *f[3:]]), ("agency.txt", 2, "agency_timezone"),
     "Zeitzone"),
    ("stop_times.txt", _line(1, lambda f: [c for c in f if c != "stop_id"]), ("stop_times.txt", 1, "stop_id"),
     "Spalte fehlt"),
]


@pytest.mark.parametrize(("member", "edit", "where", "words"), BROKEN,
                         ids=[f"{b[0]}-{b[2][2] or 'missing'}-{i}" for i, b in enumerate(BROKEN)])
def test_a_broken_feed_names_file_line_and_field(tmp_path: Path, member: str, edit: Edit | None,
                                                 where: tuple[str, int | None, str | None], words: str) -> None:
    """Missing files, broken times, unknown stops and trips, bad numbers: the first fault with its place."""
    path = _broken(tmp_path, member, edit)
    with pytest.raises(GtfsError) as caught:
        _read_all(path)
    assert (caught.value.file, caught.value.line, caught.value.field) == where
    assert words in str(caught.value)


def test_the_cli_imports_and_reports_a_broken_feed_without_traceback(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """``mobility transit import``: the counts for the real feed; for a broken one the place of the fault, exit code
    2, nothing stored (the earlier import stays whole)."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("MOBILITY_DATABASE_URL", url)
    runner = CliRunner()
    ok = runner.invoke(cli, ["transit", "import", str(FEED), "--name", "cairns"])
    assert ok.exit_code == 0, ok.output
    assert "416 Haltestellen, 1339 Fahrten, 37725 Halte" in ok.output
    broken = _broken(tmp_path, "stop_times.txt", _line(40, lambda f: [*f[:3], "nowhere", *f[4:]]))
    bad = runner.invoke(cli, ["transit", "import", str(broken), "--name", "cairns"])
    assert bad.exit_code == 2
    assert "stop_times.txt, Zeile 40, Feld stop_id: unbekannte Haltestelle „nowhere“" in bad.output
    assert "Traceback" not in bad.output
    assert bad.exception is None or isinstance(bad.exception, SystemExit)
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM transit_stop_times")).scalar() == 37725
    engine.dispose()
    missing = runner.invoke(cli, ["transit", "import", str(tmp_path / "none.zip")])
    assert missing.exit_code == 2
    assert "nicht gefunden" in missing.output


def test_a_bbox_keeps_the_stops_inside_and_their_stop_times(tmp_path: Path) -> None:
    """A statewide feed for one district: only the stops in the box (the city centre) and their stop times."""
    with GtfsFeed(FEED, bbox=(145.76, -16.93, 145.79, -16.90)) as feed:
        tables = feed.tables()
        calls = list(feed.calls())
    assert 0 < len(tables.stops) < 416
    assert all(145.76 <= s.lon <= 145.79 for s in tables.stops.values())
    assert {c.stop_id for c in calls} <= set(tables.stops)
    assert 0 < len(calls) < 37725


def test_gtfs_times_and_service_days() -> None:
    """Times past midnight; instants from noon minus 12 h (so a day when clocks change is right); calendars."""
    assert parse_gtfs_time("25:04:00") == 90_240
    assert parse_gtfs_time("6:05:00") == 21_900
    for bad in ("12:4:00", "12:60:00", "1204", "", "-1:00:00"):
        with pytest.raises(ValueError, match=r"Uhrzeit|Minuten"):
            parse_gtfs_time(bad)
    spring = date(2026, 3, 29)  # clocks go forward at 02:00 in Berlin
    at = service_instant(spring, parse_gtfs_time("12:04:00"), "Europe/Berlin")
    assert at == datetime(2026, 3, 29, 10, 4, tzinfo=UTC)
    assert service_seconds(spring, at, "Europe/Berlin") == 12 * 3600 + 240
    # noon minus 12 h is 23:00 of the day before on that day: 01:30 in the timetable is 00:30 on the station clock
    assert service_instant(spring, 5400, "Europe/Berlin") == datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
    autumn = date(2026, 10, 25)  # clocks go back at 03:00: noon minus 12 h is 01:00 summer time
    assert service_instant(autumn, 0, "Europe/Berlin") == datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    assert service_instant(date(2026, 11, 23), 25 * 3600, "Europe/Berlin") == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    weekdays = ServicePattern((True,) * 5 + (False,) * 2, date(2026, 1, 1), date(2026, 12, 31))
    patterns = {"wk": weekdays}
    exceptions = {"wk": {date(2026, 12, 24): 2}, "xmas": {date(2026, 12, 26): 1}}
    assert active_services(date(2026, 12, 23), patterns, exceptions) == {"wk"}
    assert active_services(date(2026, 12, 24), patterns, exceptions) == set()
    assert active_services(date(2026, 12, 26), patterns, exceptions) == {"xmas"}
    assert line_name("RE13", "", 2) == "RE13"
    assert line_name("110", "City - Palm Cove", 3) == "Bus 110"
    assert line_name("", "Harzbahn", 2) == "Harzbahn"
    assert line_name("5", "", 106) == "Zug 5"


ZONES = ("Europe/Berlin", "Australia/Brisbane", "America/New_York", "Australia/Lord_Howe")


@given(st.dates(date(2000, 1, 1), date(2040, 12, 31)), st.integers(0, 48 * 3600 - 1), st.sampled_from(ZONES))
def test_gtfs_seconds_and_instants_invert_each_other(day: date, seconds: int, zone: str) -> None:
    """Any time of any service day in zones with and without clock changes (half an hour on Lord Howe): the instant
    of a GTFS time read back gives the same seconds, and the text of the time parses to them."""
    at = service_instant(day, seconds, zone)
    assert service_seconds(day, at, zone) == seconds
    # absolute time: a minute later in the timetable is a minute later on the clock, whatever the clocks did
    assert service_instant(day, seconds + 60, zone).astimezone(UTC) - at.astimezone(UTC) == timedelta(minutes=1)
    text = f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    assert parse_gtfs_time(text) == seconds


@given(st.integers(0, 3 * 86_400), st.integers(0, 3600), st.integers(0, 3600), st.integers(-600, 600))
def test_a_connection_is_kept_exactly_up_to_its_ride_time(at_s: int, to_s: int, from_s: int, shift_s: int) -> None:
    """To a train: an offer is kept iff it arrives by departure − transfer; from a train: iff its pickup window
    opens at arrival + transfer or later."""
    base = datetime(2026, 11, 23, tzinfo=UTC) + timedelta(seconds=at_s)
    call = ScheduledCall("f", "t", 1, "s", "Bernburg Hbf", "RE 13", "Magdeburg", base.date(), base,
                         base + timedelta(minutes=2))
    rules = TransferRules(to_s, from_s)
    to = Connection(call, Direction.TO_TRAIN, rules)
    back = Connection(call, Direction.FROM_TRAIN, rules)
    assert to.ride_time == call.departure - timedelta(seconds=to_s)
    assert back.ride_time == call.arrival + timedelta(seconds=from_s)
    moved = timedelta(seconds=shift_s)
    assert to.kept_by(to.ride_time + moved, base) == (shift_s <= 0)
    assert back.kept_by(base, back.ride_time + moved) == (shift_s >= 0)


def _transit_objects(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return bool(table and table.startswith("transit_")) and include_object(obj, name, type_, reflected, compare_to)


def _diff(engine: sa.Engine) -> list[object]:
    assert transit_store.TransitFeedRow.__tablename__ in Base.metadata.tables
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False, "include_object": _transit_objects})
        return list(compare_metadata(ctx, Base.metadata))


def test_the_timetable_migration_matches_the_models_on_sqlite(tmp_path: Path) -> None:
    """Migration 0008 builds exactly the tables the timetable models describe (SQLite)."""
    engine = make_engine(f"sqlite:///{tmp_path / 's.db'}")
    upgrade(engine)
    assert _diff(engine) == []
    make_session_factory(engine)
    engine.dispose()


@pytest.mark.postgis
def test_the_timetable_migration_matches_the_models_on_postgis(postgis_url: str, pg_schema: str) -> None:
    """The same on PostGIS."""
    engine = make_engine(postgis_url, schema=pg_schema)
    upgrade(engine)
    assert _diff(engine) == []
    engine.dispose()
