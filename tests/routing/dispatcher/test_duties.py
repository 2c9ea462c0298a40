"""Duties and a clock that moves: one duty per shift, the driver's whole shift, breaks, the clock closing the past."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from mobility.domain.events import Event, EventType
from mobility.domain.fleet import Break, Shift, Vehicle, VehicleKind, VehicleType
from mobility.domain.plan import DutyStatus, VisitKind, VisitStatus
from mobility.domain.rides import Load, Offer
from routing.directory import NetworkStopDirectory
from routing.dispatcher import EventError, LiveDispatcher
from tests.routing.dispatcher.conftest import MakeDispatcher
from tests.routing.dispatcher.dispatch_helpers import DAY, assert_plan_valid, trip

BERNBURG, ALTER_MARKT, STASSFURT = "959000", "958851", "953445"
H = timedelta(hours=1)
M = timedelta(minutes=1)


def bus(directory: NetworkStopDirectory, *, days: int = 2) -> Vehicle:
    """A minibus at Bernburg with an early shift 05–13 UTC and a 30-minute break window 09–10 UTC on ``days`` days."""
    stop = directory.find_stop(BERNBURG)
    vtype = VehicleType("bus-8", "Kleinbus", VehicleKind.MINIBUS, Load(8, 0, 1))
    shifts = tuple(Shift(DAY + n * 24 * H + 5 * H, DAY + n * 24 * H + 13 * H,
                         Break(DAY + n * 24 * H + 9 * H, DAY + n * 24 * H + 10 * H, 1800)) for n in range(days))
    return Vehicle("B1", "Bus 1", vtype, stop.point, stop.name, shifts)


def ev(kind: EventType, at: datetime, booking: str | None = None) -> Event:
    """An event of bus B1."""
    return Event(kind, at, booking_id=booking, vehicle_id="B1")


def book(d: LiveDispatcher, directory: NetworkStopDirectory, bid: str, when: datetime, now: datetime) -> Offer:
    """Alter Markt → Staßfurt leaving at ``when``, booked at ``now``."""
    offer = d.quote(trip(directory, bid, ALTER_MARKT, STASSFURT, when, now=now), now)
    assert isinstance(offer, Offer), offer
    committed = d.confirm(offer, bid, now)
    assert isinstance(committed, Offer)
    return committed


def test_one_duty_per_shift_with_a_stable_id(make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory) -> None:
    """Two days → two duties; ids carry vehicle and local shift start; each duty holds only its own visits."""
    d = make_dispatcher([bus(directory)])
    book(d, directory, "b1", DAY + 24 * H + 7 * H, DAY)
    plan = d.plan()
    duties = plan.duties_of("B1")
    assert [x.id for x in duties] == ["B1-20260302-0600", "B1-20260303-0600"]  # 05:00 UTC = 06:00 in Bernburg
    assert [x.day.isoformat() for x in duties] == ["2026-03-02", "2026-03-03"]
    assert [v.kind for v in duties[0].visits] == [VisitKind.BREAK]
    assert {v.booking_id for v in duties[1].visits} == {"b1", None}
    assert all(v.duty_id == duties[1].id for v in duties[1].visits)
    assert plan.duty_of_booking("b1") == duties[1]
    assert all(x.status is DutyStatus.PLANNED for x in duties)


def test_a_whole_shift(make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory) -> None:
    """Begin, pick up, drop off, break begin and end, end: every step shows in the duty; the end closes it."""
    d = make_dispatcher([bus(directory, days=1)])
    offer = book(d, directory, "b1", DAY + 6 * H, DAY + 4 * H)
    d.record(ev(EventType.DUTY_STARTED, DAY + 5 * H - timedelta(minutes=10)))
    duty = d.plan().duties_of("B1")[0]
    assert duty.status is DutyStatus.UNDER_WAY
    assert duty.began_at == DAY + 5 * H - timedelta(minutes=10)
    pickup = max(offer.planned_pickup, offer.pickup_window.earliest)
    d.record(ev(EventType.VEHICLE_ARRIVED, pickup, "b1"))
    d.record(ev(EventType.PASSENGER_BOARDED, pickup + timedelta(minutes=1), "b1"))
    with pytest.raises(EventError, match="Fahrgäste an Bord"):
        d.record(ev(EventType.BREAK_STARTED, pickup + timedelta(minutes=2)))
    with pytest.raises(EventError, match="noch nicht beendet"):
        d.record(ev(EventType.DUTY_ENDED, pickup + timedelta(minutes=2)))
    drop = d.plan().duties_of("B1")[0].ahead()[0].planned_arrival
    d.record(ev(EventType.PASSENGER_DROPPED_OFF, drop, "b1"))
    d.record(ev(EventType.BREAK_STARTED, DAY + 9 * H))
    duty = d.plan().duties_of("B1")[0]
    assert duty.on_break_since == DAY + 9 * H
    assert duty.ahead()[0].kind is VisitKind.BREAK
    assert duty.ahead()[0].stop.id == BERNBURG  # its planned place, where the manifest sent the driver
    d.record(ev(EventType.BREAK_ENDED, DAY + 9 * H + timedelta(minutes=31)))
    duty = d.plan().duties_of("B1")[0]
    taken = [v for v in duty.visits if v.kind is VisitKind.BREAK]
    assert [(v.planned_arrival, v.planned_departure, v.status) for v in taken] == [
        (DAY + 9 * H, DAY + 9 * H + timedelta(minutes=31), VisitStatus.DONE)]
    assert duty.on_break_since is None
    with pytest.raises(EventError, match=r"kann ab \d\d:30 Uhr beendet werden.*Leitstelle"):
        d.record(ev(EventType.DUTY_ENDED, DAY + 12 * H))  # nothing left, but the shift runs another hour
    assert d.plan().duties_of("B1")[0].status is DutyStatus.UNDER_WAY
    d.record(ev(EventType.DUTY_ENDED, DAY + 12 * H + 30 * M))
    duty = d.plan().duties_of("B1")[0]
    assert duty.status is DutyStatus.ENDED
    assert duty.ended_at == DAY + 12 * H + 30 * M
    assert d.plan().current_duty("B1", DAY + 12 * H + 30 * M) is None
    # an ended duty takes no new rides
    late = d.quote(trip(directory, "b2", ALTER_MARKT, STASSFURT, DAY + 12 * H + timedelta(minutes=20),
                        now=DAY + 12 * H), DAY + 12 * H)
    assert not isinstance(late, Offer)
    assert_plan_valid(d)


def test_events_before_the_duty_are_refused_with_its_date(make_dispatcher: MakeDispatcher,
                                                         directory: NetworkStopDirectory) -> None:
    """Arrived at 23:53 the evening before a 06:00 duty: refused, naming the day; nothing changes."""
    d = make_dispatcher([bus(directory)])
    book(d, directory, "b1", DAY + 24 * H + 6 * H, DAY)
    d.advance(DAY + 22 * H + timedelta(minutes=53))
    before = d.plan()
    with pytest.raises(EventError, match=r"beginnt erst Di 3\.3\., 06:00 Uhr"):
        d.record(ev(EventType.VEHICLE_ARRIVED, DAY + 22 * H + timedelta(minutes=53), "b1"))
    with pytest.raises(EventError, match="beginnt erst"):
        d.record(ev(EventType.DUTY_STARTED, DAY + 22 * H + timedelta(minutes=53)))
    assert d.plan() is before
    assert all(x.status is not DutyStatus.UNDER_WAY for x in before.duties.values())


def test_the_clock_closes_the_past(make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory) -> None:
    """Started the day after: yesterday's duty (no rides) is over, its break closed; today's duty comes next."""
    d = make_dispatcher([bus(directory)])
    now = DAY + 24 * H + 1 * H
    assert d.advance(now)
    plan = d.plan()
    first, second = plan.duties_of("B1")
    assert first.status is DutyStatus.ENDED
    assert first.ahead() == ()
    assert [v.status for v in first.visits] == [VisitStatus.DONE]  # the break, closed as planned
    assert plan.current_duty("B1", now) == second
    assert not d.advance(now)  # nothing more to close


def test_a_break_not_ended_ends_at_its_planned_end(make_dispatcher: MakeDispatcher,
                                                   directory: NetworkStopDirectory) -> None:
    """The driver forgets 'Pause beenden': the clock ends the break after its 30 minutes."""
    d = make_dispatcher([bus(directory, days=1)])
    d.record(ev(EventType.DUTY_STARTED, DAY + 5 * H))
    d.record(ev(EventType.BREAK_STARTED, DAY + 9 * H + timedelta(minutes=5)))
    assert not d.advance(DAY + 9 * H + timedelta(minutes=34))
    assert d.advance(DAY + 9 * H + timedelta(minutes=35))
    duty = d.plan().duties_of("B1")[0]
    assert duty.on_break_since is None
    assert [(v.planned_arrival, v.planned_departure) for v in duty.visits] == [
        (DAY + 9 * H + timedelta(minutes=5), DAY + 9 * H + timedelta(minutes=35))]
    assert duty.status is DutyStatus.UNDER_WAY
    assert d.advance(DAY + 13 * H + timedelta(minutes=30))  # 30 minutes after the shift with nothing left
    assert d.plan().duties_of("B1")[0].status is DutyStatus.ENDED


def test_eta_planned_then_live_never_before_window_or_now(make_dispatcher: MakeDispatcher,
                                                         directory: NetworkStopDirectory) -> None:
    """Before the duty: planned; under way: live from the last event; a late bus is never expected in the past."""
    d = make_dispatcher([bus(directory, days=1)])
    offer = book(d, directory, "b1", DAY + 7 * H, DAY + 4 * H)
    eta = d.eta("b1", DAY + 4 * H)
    assert eta is not None
    assert eta.basis.value == "planned"
    assert eta.eta >= offer.pickup_window.earliest
    d.record(ev(EventType.DUTY_STARTED, DAY + 5 * H))
    late = offer.pickup_window.latest + timedelta(minutes=10)
    eta = d.eta("b1", late)
    assert eta is not None
    assert eta.basis.value == "live"
    assert eta.eta >= late
    assert eta.basis_at == DAY + 5 * H
    assert d.eta("nope", late) is None


def two_shifts(directory: NetworkStopDirectory) -> Vehicle:
    """One minibus, an early shift 05–13 and a late shift 13–21 UTC on DAY (two drivers, one vehicle)."""
    stop = directory.find_stop(BERNBURG)
    vtype = VehicleType("bus-8", "Kleinbus", VehicleKind.MINIBUS, Load(8, 0, 1))
    return Vehicle("B1", "Bus 1", vtype, stop.point, stop.name,
                   (Shift(DAY + 5 * H, DAY + 13 * H), Shift(DAY + 13 * H, DAY + 21 * H)))


def test_the_late_driver_takes_over_a_duty_with_nothing_left(make_dispatcher: MakeDispatcher,
                                                            directory: NetworkStopDirectory) -> None:
    """The early driver forgets 'Dienst beenden': the late driver's begin ends the early duty and begins the late."""
    d = make_dispatcher([two_shifts(directory)])
    d.record(ev(EventType.DUTY_STARTED, DAY + 5 * H))
    d.record(ev(EventType.DUTY_STARTED, DAY + 12 * H + timedelta(minutes=50)))
    early, late = d.plan().duties_of("B1")
    assert early.status is DutyStatus.ENDED
    assert early.ended_at == DAY + 12 * H + timedelta(minutes=50)
    assert late.status is DutyStatus.UNDER_WAY
    assert d.plan().current_duty("B1", DAY + 13 * H) == late


def test_a_duty_with_rides_left_is_not_handed_over(make_dispatcher: MakeDispatcher,
                                                  directory: NetworkStopDirectory) -> None:
    """An early duty with a ride still to drive stays current: the dispatcher sees it overdue, it is never dropped."""
    d = make_dispatcher([two_shifts(directory)])
    book(d, directory, "b1", DAY + 12 * H, DAY + 4 * H)
    d.record(ev(EventType.DUTY_STARTED, DAY + 5 * H))
    d.record(ev(EventType.DUTY_STARTED, DAY + 12 * H + timedelta(minutes=50)))
    early, late = d.plan().duties_of("B1")
    assert early.status is DutyStatus.UNDER_WAY
    assert late.status is DutyStatus.PLANNED
    assert [v.booking_id for v in early.overdue(DAY + 13 * H)] == ["b1", "b1"]


def test_eta_from_a_fresh_position(make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory) -> None:
    """A position near the pickup, newer than the last event, brings the live estimate forward to it."""
    from mobility.domain.positions import VehiclePosition

    d = make_dispatcher([bus(directory, days=1)])
    book(d, directory, "b1", DAY + 8 * H, DAY + 4 * H)
    d.record(ev(EventType.DUTY_STARTED, DAY + 5 * H))
    now = DAY + 7 * H + timedelta(minutes=55)
    far = d.eta("b1", now)
    assert far is not None
    assert far.basis_at == DAY + 5 * H
    d.report_position(VehiclePosition("B1", directory.find_stop(ALTER_MARKT).point, now))
    near = d.eta("b1", now)
    assert near is not None
    assert near.basis_at == now
    assert near.eta == max(now, near.window.earliest)
    assert d.last_position("B1") is not None
    d.report_position(VehiclePosition("B1", directory.find_stop(STASSFURT).point, now - timedelta(minutes=5)))
    last = d.last_position("B1")
    assert last is not None
    assert last.at == now


def test_a_duty_far_ahead_cannot_be_ended(make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory) -> None:
    """A second 'Dienst beenden' from a stale screen after today's duty ended does not end tomorrow's duty."""
    d = make_dispatcher([bus(directory)])
    d.record(ev(EventType.DUTY_STARTED, DAY + 5 * H))
    d.record(ev(EventType.DUTY_ENDED, DAY + 12 * H + 30 * M))
    with pytest.raises(EventError, match="beginnt erst"):
        d.record(ev(EventType.DUTY_ENDED, DAY + 12 * H + 31 * M))
    assert d.plan().duties_of("B1")[1].status is DutyStatus.PLANNED


def test_a_break_visit_is_planned_from_its_start_to_its_end(make_dispatcher: MakeDispatcher,
                                                            directory: NetworkStopDirectory) -> None:
    """The break's planned arrival is its planned start (inside its window), its departure the end 30 minutes on."""
    d = make_dispatcher([bus(directory, days=1)])
    (pause,) = d.plan().duties_of("B1")[0].visits
    assert pause.kind is VisitKind.BREAK
    assert DAY + 9 * H <= pause.planned_arrival <= DAY + 10 * H
    assert pause.planned_departure - pause.planned_arrival == timedelta(minutes=30)
