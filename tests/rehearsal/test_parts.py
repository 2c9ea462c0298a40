"""The rehearsal's parts on their own: the stepping clock and agenda, the feed checks, the manifest reader, the fleet
pick, the noise of the world."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mobility.app import Routing, load_routing
from mobility.cli.rehearse import pick_fleet
from mobility.config import Settings
from mobility.domain.fleet import Shift
from mobility.rehearsal.checks import geojson_problems, trip_problems
from mobility.rehearsal.clock import Agenda, SteppingClock
from mobility.rehearsal.dispatcher import DeskHabits, out_of_service_time
from mobility.rehearsal.manifest import parse_manifest
from mobility.rehearsal.world import Noise, World
from routing.fleet import load_fleet

T0 = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)  # 06:00 in Berlin


@pytest.fixture(scope="module")
def routing() -> Routing:
    """The bundled network (matrix cached)."""
    return load_routing(Settings(cache_dir=Path("/tmp/salzland-mobility-test-cache")))


def test_agenda_runs_in_time_order_and_never_moves_the_clock_back() -> None:
    """Actions run by due time (ties in insertion order); the clock jumps to each and an earlier one runs at once."""
    clock = SteppingClock(T0)
    agenda = Agenda()
    seen: list[tuple[str, datetime]] = []
    moved: list[datetime] = []
    for label, minutes in (("b", 10), ("a", 5), ("c", 10), ("late", -30)):
        agenda.at(T0 + timedelta(minutes=minutes), label, lambda lab=label: seen.append((lab, clock.now())))
    agenda.run(clock, until=T0 + timedelta(hours=1), moved=moved.append)
    assert [s[0] for s in seen] == ["late", "a", "b", "c"]
    assert seen[0][1] == T0  # a past action runs at the current time, the clock does not go back
    assert [s[1] for s in seen[1:]] == [T0 + timedelta(minutes=m) for m in (5, 10, 10)]
    assert moved == [T0 + timedelta(minutes=5), T0 + timedelta(minutes=10)]
    clock.set(T0)
    assert clock.now() == T0 + timedelta(minutes=10)


def test_agenda_stops_at_until_and_when_told() -> None:
    """Nothing after ``until`` runs; ``stop()`` ends the run after the action that made it true."""
    clock = SteppingClock(T0)
    agenda = Agenda()
    ran: list[int] = []
    for k in range(5):
        agenda.at(T0 + timedelta(minutes=k), str(k), lambda k=k: ran.append(k))
    agenda.run(clock, until=T0 + timedelta(minutes=3), stop=lambda: len(ran) == 2)
    assert ran == [0, 1]
    agenda.run(clock, until=T0 + timedelta(minutes=3))
    assert ran == [0, 1, 2, 3]
    assert len(agenda) == 1


def _trip(stops: list[tuple[str, datetime]], *, trip_id: str = "BBG-1-20260310-0600", start: str = "06:00:00"
          ) -> object:
    from google.transit import gtfs_realtime_pb2 as rt

    feed = rt.FeedMessage()
    update = feed.entity.add(id=trip_id).trip_update
    update.trip.trip_id = trip_id
    update.trip.route_id = "on-demand-salzlandkreis"
    update.trip.start_date = "20260310"
    update.trip.start_time = start
    update.trip.schedule_relationship = rt.TripDescriptor.NEW
    update.vehicle.id = "BBG-1"
    for n, (stop_id, at) in enumerate(stops, start=1):
        stu = update.stop_time_update.add(stop_sequence=n, stop_id=stop_id)
        stu.arrival.time = stu.departure.time = int(at.timestamp())
    return update


SHIFTS = (Shift(T0, T0 + timedelta(hours=8)), Shift(T0 + timedelta(hours=8), T0 + timedelta(hours=16)))


def test_a_valid_trip_passes() -> None:
    """Increasing times at different stops inside one shift, the past ones reached: no problem."""
    now = T0 + timedelta(hours=1)
    update = _trip([("a", T0 + timedelta(minutes=30)), ("b", now + timedelta(minutes=5)),
                    ("c", now + timedelta(hours=1))])
    assert trip_problems(update, now, SHIFTS, {"a"}) == []
    late = _trip([("a", T0 + timedelta(hours=8, minutes=1)), ("b", T0 + timedelta(hours=10))], start="14:00:00")
    assert trip_problems(late, now, SHIFTS, set()) == []  # the late duty's first stop right after the early's end


def test_a_trip_must_start_at_a_shift_start() -> None:
    """A trip whose start date and time are no shift start of its vehicle is not one duty."""
    update = _trip([("a", T0 + timedelta(hours=2))], start="07:00:00")
    assert any("no shift start" in p for p in trip_problems(update, T0, SHIFTS, set()))


@pytest.mark.parametrize(("stops", "reached", "expected"), [
    ([("a", 30), ("a", 40)], {"a"}, "two consecutive updates at stop a"),
    ([("a", 70), ("b", 60)], set(), "arrival at b before the departure from a"),
    ([("a", 20), ("b", 90)], set(), "stop a not reached"),
    ([("a", 90), ("b", 9 * 60)], set(), "inside another shift"),
])
def test_trip_problems_are_found(stops: list[tuple[str, int]], reached: set[str], expected: str) -> None:
    """Same stop twice in a row, time going back, an unreached stop in the past, a trip across two duties."""
    now = T0 + timedelta(hours=1)
    update = _trip([(s, T0 + timedelta(minutes=m)) for s, m in stops])
    problems = trip_problems(update, now, SHIFTS, reached)
    assert any(expected in p for p in problems), problems


def test_geojson_checks_lines_points_and_duties() -> None:
    """A line without length, a point outside the district and a second tour of one duty are found."""
    bbox = (11.0, 51.5, 12.5, 52.2)
    tour = {"type": "Feature", "id": "t1", "properties": {"feature_type": "tour", "duty_id": "d1"},
            "geometry": {"type": "LineString", "coordinates": [[11.7, 51.8], [11.8, 51.9]]}}
    good = {"type": "FeatureCollection", "features": [tour]}
    assert geojson_problems(good, bbox) == (1, [])
    flat = {**tour, "id": "t2", "geometry": {"type": "LineString", "coordinates": [[11.7, 51.8], [11.7, 51.8]]}}
    far = {"type": "Feature", "id": "p", "properties": {}, "geometry": {"type": "Point", "coordinates": [51.8, 11.7]}}
    tours, problems = geojson_problems({"type": "FeatureCollection", "features": [tour, flat, far]}, bbox)
    assert tours == 2
    assert any("second tour for duty d1" in p for p in problems)
    assert any("without length" in p for p in problems)
    assert any("outside the district" in p for p in problems)
    assert geojson_problems({"type": "Feature"}, bbox)[1] == ["not a GeoJSON FeatureCollection"]


def test_manifest_reader_takes_the_contract_shape() -> None:
    """The duty, its actions, a break entry and riders with windows are read; a missing vehicle id is an error."""
    m = parse_manifest({
        "vehicle_id": "BBG-1", "plan_version": 7, "now": "2026-03-10T09:00:00+01:00",
        "duty": {"id": "BBG-1-20260310-0600", "start": "2026-03-10T06:00:00+01:00", "end": "2026-03-10T14:00:00+01:00",
                 "status": "under_way", "began_at": "2026-03-10T05:50:00+01:00", "on_break_since": None,
                 "in_service": True, "depot": {"stop_id": "959000", "name": "Busbahnhof"}},
        "actions": ["break_begin"], "overdue": 0,
        "stops": [{"stop_id": "959000", "kind": "break", "planned_arrival": "2026-03-10T09:30:00+01:00",
                   "planned_departure": "2026-03-10T10:00:00+01:00", "status": "planned", "overdue": False,
                   "break": {"minutes": 30}, "board": [], "alight": []},
                  {"stop_id": "958858", "kind": "stop", "planned_arrival": "2026-03-10T10:10:00+01:00",
                   "status": "planned", "overdue": False, "alight": [],
                   "board": [{"booking_id": "b1", "state": "CONFIRMED", "no_show_from": None,
                              "window": {"earliest": "2026-03-10T10:05:00+01:00",
                                         "latest": "2026-03-10T10:20:00+01:00"}}]}],
    })
    assert m.duty is not None
    assert m.duty.depot_stop_id == "959000"
    assert m.actions == frozenset({"break_begin"})
    assert m.stops[0].is_break
    assert m.stops[0].break_minutes == 30
    assert m.stops[1].board[0].earliest.hour == 10
    assert m.rides_ahead
    with pytest.raises(ValueError, match="vehicle_id"):
        parse_manifest({"now": "2026-03-10T09:00:00+01:00"})


def test_pick_fleet_spreads_over_depots_and_types() -> None:
    """Ten vehicles of the default fleet: minibuses of all four depots, with and without wheelchair place."""
    fleet = load_fleet(first_day=T0.date(), days=1)
    picked = pick_fleet(fleet, 10)
    assert len(picked) == len({v.id for v in picked}) == 10
    assert {v.depot_name for v in picked} == {v.depot_name for v in fleet if v.type.kind == "minibus"}
    assert {v.type.id for v in picked} == {"minibus", "minibus-rollstuhl"}
    assert pick_fleet(fleet, None) == list(fleet)


def test_world_noise_stays_in_its_bounds(routing: Routing) -> None:
    """Drive times are the matrix time × [0.85, 1.15]; the same seed gives the same day."""
    stops = routing.directory.stops()
    a, b = stops[0].id, stops[200].id
    planned = World(routing.directory, routing.matrix, Noise(), seed=1).planned_s(a, b)
    assert planned > 0
    draws = [World(routing.directory, routing.matrix, Noise(), seed=s).drive_s(a, b) for s in range(200)]
    assert min(draws) >= round(planned * 0.85) - 1
    assert max(draws) <= round(planned * 1.15) + 1
    assert max(draws) - min(draws) > planned * 0.2  # it does vary
    assert World(routing.directory, routing.matrix, Noise(), seed=5).drive_s(a, b) == draws[5]
    with pytest.raises(ValueError, match="travel noise"):
        Noise(travel=1.5)


def test_out_of_service_at_noon_or_mid_window() -> None:
    """A whole day takes the vehicle out at noon for two hours; a morning window in its middle for a third of it."""
    day = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)
    at, length = out_of_service_time(DeskHabits(), (day, day + timedelta(hours=16)))
    assert (at.hour, length) == (12, timedelta(hours=2))
    at, length = out_of_service_time(DeskHabits(), (day, day + timedelta(hours=3)))
    assert (at, length) == (day + timedelta(hours=1), timedelta(hours=1))


@pytest.mark.parametrize(("args", "message"), [
    (["--start", "25:99"], "keine Uhrzeit"),
    (["--region", "/nonexistent/region.toml"], "cannot read the scenario file"),
])
def test_cli_refuses_bad_input_before_starting(tmp_path: Path, args: list[str], message: str) -> None:
    """A bad start time or a missing region file ends with exit code 2 and says why, before anything is built."""
    from typer.testing import CliRunner

    from mobility.cli import app

    result = CliRunner().invoke(app, ["rehearse", "--out", str(tmp_path / "out"), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "out").exists()


def test_rides_are_measured_against_the_published_safe_duration() -> None:
    """A ride of 1.5 × 20 min + 23 min = 53 min on board is within the bound of a 20-minute drive, one of 54 min is
    not; a ride without drop-off or without its stops is not measured; the offset 95 % of the rides need is told."""
    from mobility.demand.generator import SyntheticRequest
    from mobility.domain.flex import SafeDuration
    from mobility.domain.geo import Point
    from mobility.domain.rides import RideRequest
    from mobility.rehearsal.flex import within_safe_duration
    from mobility.rehearsal.ledger import Ride

    t0 = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)

    def ride(minutes: float | None, stops: tuple[str, str] = ("a", "b")) -> Ride:
        request = RideRequest("r", "c", Point(11.7, 51.8), Point(11.8, 51.8), t0, departure=t0)
        r = Ride(SyntheticRequest(request, "Bernburg (Saale)", "Staßfurt", False, True), "app",
                 pickup_stop=stops[0], dropoff_stop=stops[1])
        r.boarded_at = t0
        r.dropped_at = None if minutes is None else t0 + timedelta(minutes=minutes)
        return r

    rides = [ride(53), ride(54), ride(None), ride(10, ("", "b"))]
    # needed offsets: 53 − 30 = 23 min and 54 − 30 = 24 min; their p95 is the larger
    assert within_safe_duration(rides, SafeDuration(1.5, 1380), lambda _a, _b: 20 * 60) == (1, 2, 24 * 60)
