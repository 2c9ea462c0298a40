"""Publication per duty, on hand-built plans: which duties become GTFS-RT trips, the stops and times of a trip
(merged stops, nothing in the past that is still to come), the checks, the GeoJSON of one service day."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from google.transit import gtfs_realtime_pb2

from booking.feeds.checks import geojson_problems, trip_update_problems
from booking.feeds.geojson import plan_feature_collection
from booking.feeds.gtfs_rt import published_duties, trip_stops, trip_updates
from mobility.domain.geo import Point
from mobility.domain.plan import Duty, DutyStatus, Plan, StopVisit, Tour, VisitKind, VisitStatus
from mobility.domain.rides import Load, TimeWindow
from mobility.domain.stops import Stop, StopKind

#: Monday 23 November 2026, 08:00 in Bernburg.
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)


def stop(ident: str, lon: float) -> Stop:
    return Stop(ident, f"Halt {ident}", "Bernburg (Saale)", Point(lon, 51.8), StopKind.STOP)


X, Y, Z, DEPOT = stop("x", 11.70), stop("y", 11.72), stop("z", 11.74), stop("depot", 11.75)


def visit(at: Stop, minute: int, kind: VisitKind = VisitKind.PICKUP, booking: str | None = "b1", *,
          status: VisitStatus = VisitStatus.PLANNED, dwell: int = 1, duty: str | None = None) -> StopVisit:
    t = NOW + timedelta(minutes=minute)
    return StopVisit(None if kind is VisitKind.BREAK else booking, kind, at, t, t + timedelta(minutes=dwell),
                     TimeWindow(t, t + timedelta(minutes=15)), Load(1, 0, 0), status, duty)


def duty(ident: str, start_h: float, visits: list[StopVisit], *, hours: float = 8, vehicle: str = "bbg-1",
         status: DutyStatus = DutyStatus.PLANNED) -> Duty:
    start = NOW + timedelta(hours=start_h)
    own = tuple(replace(v, duty_id=ident) for v in visits)
    return Duty(ident, vehicle, start.date(), start, start + timedelta(hours=hours), DEPOT, own, status)


def local_day(d: Duty) -> Duty:
    """The duty with its day as the Berlin date of its start (what the dispatcher does)."""
    from zoneinfo import ZoneInfo

    return replace(d, day=d.start.astimezone(ZoneInfo("Europe/Berlin")).date())


def plan_of(*duties: Duty) -> Plan:
    duties = tuple(local_day(d) for d in duties)
    tours: dict[str, list[StopVisit]] = {}
    for d in sorted(duties, key=lambda d: d.start):
        tours.setdefault(d.vehicle_id, []).extend(d.visits)
    return Plan("salzlandkreis", 3, NOW, {v: Tour(v, tuple(vs)) for v, vs in tours.items()}, {d.id: d for d in duties})


def ride(at_minute: int, booking: str = "b1") -> list[StopVisit]:
    return [visit(X, at_minute, booking=booking), visit(Z, at_minute + 20, VisitKind.DROPOFF, booking=booking)]


def test_consecutive_visits_at_one_stop_are_one_stop_with_first_arrival_and_last_departure() -> None:
    """Two pickups at X, a break, two drop-offs at Z: two stops; a break between two pickups at one stop does not
    split them; sequences count from 1; the break is no stop."""
    d = duty("bbg-1-20261123-0700", -1, [
        visit(X, 10, booking="a"), visit(X, 12, booking="b", dwell=3), visit(Y, 30, VisitKind.BREAK, dwell=30),
        visit(Z, 70, VisitKind.DROPOFF, booking="a"), visit(Z, 71, VisitKind.DROPOFF, booking="b"),
        visit(Z, 80, VisitKind.BREAK, dwell=30), visit(Z, 111, booking="c"), visit(X, 130, VisitKind.DROPOFF, "c")])
    stops = trip_stops(d, NOW)
    assert [(s.stop_id, s.sequence) for s in stops] == [("x", 1), ("z", 2), ("x", 3)]
    assert (stops[0].arrival, stops[0].departure) == (NOW + timedelta(minutes=10), NOW + timedelta(minutes=15))
    assert (stops[1].arrival, stops[1].departure) == (NOW + timedelta(minutes=70), NOW + timedelta(minutes=112))


def test_a_late_vehicle_is_never_published_in_the_past_and_served_stops_never_in_the_future() -> None:
    """At 08:30 a pickup planned for 08:10 is not done: it is published at 08:30 and the delay runs on with the
    planned drives (14 min to Y, then a 30-minute break kept whole, 10 min to X) until planned waiting absorbs
    it; a drop-off done ahead of its plan is published at the latest now."""
    late = NOW + timedelta(minutes=30)
    d = duty("bbg-1-20261123-0700", -1, [
        visit(Y, 0, VisitKind.DROPOFF, booking="z", status=VisitStatus.DONE),
        visit(Z, 45, VisitKind.DROPOFF, booking="w", status=VisitStatus.DONE),  # done early
        visit(X, 10, booking="a"), visit(Y, 25, VisitKind.DROPOFF, booking="a"),
        visit(Z, 40, VisitKind.BREAK, dwell=30), visit(X, 80, booking="b"),
        visit(Z, 95, booking="c", dwell=60), visit(Y, 170, VisitKind.DROPOFF, booking="b")])
    stops = trip_stops(d, late)
    assert stops[1].arrival <= stops[1].departure <= late
    at = [round((s.arrival - NOW).total_seconds() / 60) for s in stops[2:]]
    # X 08:30, Y 08:44, (break 08:58–09:28), X 09:38, Z 09:52 (and waits till 10:35 as planned), Y on plan again
    assert at == [30, 44, 98, 112, 170]
    for a, b in itertools.pairwise(stops):
        assert a.arrival <= a.departure <= b.arrival


def test_which_duties_are_published() -> None:
    """Today's duties with a ride ahead and later ones within six hours; not ended ones, not past shifts nobody
    drove, not a duty with only its break ahead, not a duty of a later day beyond six hours."""
    today = duty("bbg-1-20261123-0700", -1, ride(30))
    later_today = duty("sft-1-20261123-1500", 7, ride(8 * 60), vehicle="sft-1")
    tomorrow = duty("bbg-1-20261124-0700", 23, ride(24 * 60))
    ended = duty("asl-1-20261123-0500", -3, ride(40), vehicle="asl-1", status=DutyStatus.ENDED)
    yesterday = duty("bbg-1-20261122-0700", -25, ride(-24 * 60))  # never driven, its rides are overdue
    break_only = duty("qlb-1-20261123-0700", -1, [visit(Y, 60, VisitKind.BREAK, dwell=30)], vehicle="qlb-1")
    plan = plan_of(today, later_today, tomorrow, ended, yesterday, break_only)
    assert [d.id for d in published_duties(plan, NOW)] == [today.id, later_today.id]
    evening = NOW + timedelta(hours=14)  # 22:00: tomorrow's 07:00 duty is 9 h ahead, a 03:00 one would be 5 h
    early = duty("bbg-1-20261124-0300", 19, ride(20 * 60))
    assert [d.id for d in published_duties(plan_of(tomorrow, early), evening)] == [early.id]
    night = duty("bbg-1-20261122-2200", -10, ride(-30), hours=9.5, status=DutyStatus.UNDER_WAY)
    assert [d.id for d in published_duties(plan_of(night), NOW)] == [night.id]  # under way past midnight


def test_the_feed_is_one_new_trip_per_duty_and_passes_the_checks() -> None:
    """Two duties of one vehicle today: two NEW trips named after the duties, start date and time of the shift,
    every check of booking.feeds.checks passes; the bytes parse with the official bindings."""
    morning = duty("bbg-1-20261123-0700", -1, ride(30, "a") + ride(50, "b"), hours=4)
    afternoon = duty("bbg-1-20261123-1200", 4, ride(5 * 60, "c"), hours=4)
    plan = plan_of(morning, afternoon)
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.ParseFromString(trip_updates(plan, [], NOW).SerializeToString())
    trips = [e.trip_update.trip for e in feed.entity]
    assert [(t.trip_id, t.start_date, t.start_time) for t in trips] == [
        (morning.id, "20261123", "07:00:00"), (afternoon.id, "20261123", "12:00:00")]
    assert trip_update_problems(feed, NOW, plan, frozenset({"on-demand-salzlandkreis"})) == []
    assert [s.stop_id for s in feed.entity[0].trip_update.stop_time_update] == ["x", "z", "x", "z"]


def test_the_checks_find_what_is_wrong() -> None:
    """A vehicle-long trip over two duties, a stop twice in a row, times going back: each is reported."""
    morning = duty("bbg-1-20261123-0700", -1, ride(30, "a"), hours=4)
    afternoon = duty("bbg-1-20261123-1200", 4, ride(5 * 60, "c"), hours=4)
    plan = plan_of(morning, afternoon)
    feed = trip_updates(plan, [], NOW)
    stus = feed.entity[0].trip_update.stop_time_update
    extra = stus.add()  # the afternoon's first stop appended to the morning trip
    extra.stop_sequence, extra.stop_id = 3, "x"
    extra.arrival.time = extra.departure.time = int((NOW + timedelta(hours=5)).timestamp())
    problems = trip_update_problems(feed, NOW, plan)
    assert any("leaves its duty" in p for p in problems)
    stus[1].stop_id = "x"
    stus[1].arrival.time = stus[0].departure.time - 60
    problems = trip_update_problems(feed, NOW, plan)
    assert any("twice in a row" in p for p in problems)
    assert any("before the previous stop's departure" in p for p in problems)


@pytest.mark.parametrize("personal", [True, False])
def test_geojson_has_one_tour_per_duty_of_the_requested_day(personal: bool) -> None:
    """Tours are duties of the requested day only, with duty_id and day; visits numbered per vehicle in time
    order across its duties; the public collection carries no booking id."""
    morning = duty("bbg-1-20261123-0700", -1, ride(30, "a"), hours=4)
    afternoon = duty("bbg-1-20261123-1200", 4, ride(5 * 60, "c"), hours=4)
    tomorrow = duty("bbg-1-20261124-0700", 23, ride(24 * 60, "d"))
    plan = plan_of(morning, afternoon, tomorrow)

    def legs(a: Stop, b: Stop) -> list[tuple[float, float]]:
        return [a.point.as_lonlat(), b.point.as_lonlat()]

    fc = plan_feature_collection(plan, [], legs, personal=personal, day=TODAY)
    tours = [f for f in fc["features"] if f["properties"]["feature_type"] == "tour"]
    assert [(t["properties"]["duty_id"], t["properties"]["day"]) for t in tours] == [
        (morning.id, "2026-11-23"), (afternoon.id, "2026-11-23")]
    assert [v["seq"] for t in tours for v in t["properties"]["visits"]] == [0, 1, 2, 3]
    assert geojson_problems(fc, plan) == []
    assert ("booking_id" in tours[0]["properties"]["visits"][0]) is personal
    later = plan_feature_collection(plan, [], legs, personal=personal, day=TODAY + timedelta(days=1))
    assert [f["properties"]["duty_id"] for f in later["features"]] == [tomorrow.id] * 3
