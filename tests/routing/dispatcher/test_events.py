"""Driver events drive the plan: arrived, boarded, no-show after the wait, dropped off, out of service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from mobility.domain.events import Event, EventType
from mobility.domain.plan import VisitKind, VisitStatus
from mobility.domain.rides import Offer
from routing.directory import NetworkStopDirectory
from routing.dispatcher import EventError
from routing.dispatcher.live import LiveDispatcher
from tests.routing.dispatcher.dispatch_helpers import DAY, assert_plan_valid, minibus, trip

MakeDispatcher = Callable[..., LiveDispatcher]
BERNBURG, ALTER_MARKT, STASSFURT, NIENBURG, KOENNERN = "959000", "958851", "953445", "959054", "959185"
NOW = DAY + timedelta(hours=6)


def book(d: LiveDispatcher, directory: NetworkStopDirectory, bid: str, stops: tuple[str, str], when: datetime) -> Offer:
    """Quote and confirm a trip between two stops; the committed offer."""
    offer = d.quote(trip(directory, bid, *stops, when, now=NOW), NOW)
    assert isinstance(offer, Offer), offer
    committed = d.confirm(offer, bid, NOW)
    assert isinstance(committed, Offer)
    return committed


def ev(kind: EventType, at: datetime, booking: str | None = None, vehicle: str | None = "B1",
       **data: str) -> Event:
    """An event."""
    return Event(kind, at, booking_id=booking, vehicle_id=vehicle, data=tuple(data.items()))


def test_a_trip_driven_to_the_end(make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory) -> None:
    """Arrived, boarded, arrived, dropped off: the visits become DONE and the booking leaves the plan."""
    d = make_dispatcher([minibus("B1", BERNBURG, directory)])
    offer = book(d, directory, "b1", (ALTER_MARKT, STASSFURT), NOW + timedelta(minutes=20))
    pickup = offer.planned_pickup
    assert d.record(ev(EventType.VEHICLE_ARRIVED, pickup - timedelta(minutes=1), "b1")) == []
    assert d.plan().tour("B1").visits[0].status is VisitStatus.ARRIVED
    assert d.record(ev(EventType.PASSENGER_BOARDED, pickup + timedelta(minutes=1), "b1")) == []
    tour = d.plan().tour("B1")
    assert [v.status for v in tour.visits] == [VisitStatus.DONE, VisitStatus.PLANNED]
    assert tour.visits[1].load_after.seats == 0
    drop = tour.visits[1].planned_arrival
    d.record(ev(EventType.VEHICLE_ARRIVED, drop, "b1"))
    d.record(ev(EventType.PASSENGER_DROPPED_OFF, drop + timedelta(minutes=1), "b1"))
    assert d.commitments() == {}
    assert [v.kind for v in d.plan().tour("B1").visits] == [VisitKind.PICKUP, VisitKind.DROPOFF]
    assert all(v.status is VisitStatus.DONE for v in d.plan().tour("B1").visits)
    assert_plan_valid(d)


def test_no_show_only_after_the_wait(make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory) -> None:
    """A no-show is refused before the configured wait has passed and frees the seat after it."""
    d = make_dispatcher([minibus("B1", BERNBURG, directory, seats=1)])
    offer = book(d, directory, "b1", (ALTER_MARKT, KOENNERN), NOW + timedelta(minutes=20))
    begin = max(offer.planned_pickup, offer.pickup_window.earliest)
    d.record(ev(EventType.VEHICLE_ARRIVED, begin, "b1"))
    with pytest.raises(EventError, match="Nichterscheinen"):
        d.record(ev(EventType.PASSENGER_NO_SHOW, begin + timedelta(minutes=2), "b1"))
    d.record(ev(EventType.PASSENGER_NO_SHOW, begin + timedelta(minutes=5), "b1"))
    assert d.commitments() == {}
    assert_plan_valid(d)


def test_events_for_unknown_or_wrong_bookings_are_refused(make_dispatcher: MakeDispatcher,
                                                          directory: NetworkStopDirectory) -> None:
    """Dropping off a rider who never boarded, or a booking that is not planned, raises a German EventError."""
    d = make_dispatcher([minibus("B1", BERNBURG, directory)])
    book(d, directory, "b1", (ALTER_MARKT, STASSFURT), NOW + timedelta(minutes=20))
    with pytest.raises(EventError, match="noch nicht eingestiegen"):
        d.record(ev(EventType.PASSENGER_DROPPED_OFF, NOW, "b1"))
    with pytest.raises(EventError, match="nicht \\(mehr\\) im Fahrplan"):
        d.record(ev(EventType.PASSENGER_BOARDED, NOW, "nope"))


def test_boarding_out_of_order_is_refused(make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory) -> None:
    """A rider cannot board at a later stop while an earlier stop elsewhere is still planned."""
    d = make_dispatcher([minibus("B1", BERNBURG, directory)])
    book(d, directory, "b1", (ALTER_MARKT, STASSFURT), NOW + timedelta(minutes=20))
    book(d, directory, "b2", (STASSFURT, KOENNERN), NOW + timedelta(minutes=90))
    with pytest.raises(EventError, match="geplant"):
        d.record(ev(EventType.PASSENGER_BOARDED, NOW + timedelta(minutes=90), "b2"))
    assert all(v.status is VisitStatus.PLANNED for v in d.plan().tour("B1").visits)


def test_boarding_hours_before_the_window_is_refused(make_dispatcher: MakeDispatcher,
                                                     directory: NetworkStopDirectory) -> None:
    """Boarded reported long before the promised window (the 23:53-for-06:28 case) is refused and changes nothing."""
    d = make_dispatcher([minibus("B1", BERNBURG, directory)])
    offer = book(d, directory, "b1", (ALTER_MARKT, STASSFURT), NOW + timedelta(hours=3))
    before = d.plan()
    with pytest.raises(EventError, match="Abholfenster"):
        d.record(ev(EventType.PASSENGER_BOARDED, offer.pickup_window.earliest - timedelta(minutes=31), "b1"))
    assert d.plan() is before
    d.record(ev(EventType.PASSENGER_BOARDED, offer.pickup_window.earliest - timedelta(minutes=29), "b1"))
    assert d.plan().duty_of_booking("b1") is not None


def test_out_of_service_replans_and_reports(make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory) -> None:
    """A vehicle taken out of service hands its bookings to others; those that fit nowhere are reported."""
    d = make_dispatcher([minibus("B1", BERNBURG, directory), minibus("B2", BERNBURG, directory, seats=1)])
    when = NOW + timedelta(minutes=45)
    offers = [book(d, directory, f"b{k}", (ALTER_MARKT, STASSFURT), when) for k in range(3)]
    assert {o.vehicle_id for o in offers} == {"B1"}
    lost = d.record(ev(EventType.VEHICLE_OUT_OF_SERVICE, NOW + timedelta(minutes=1)))
    assert len(lost) == 2
    kept = d.commitments()
    assert len(kept) == 1
    assert {o.vehicle_id for o in kept.values()} == {"B2"}
    assert not next(v for v in d.vehicles() if v.id == "B1").in_service
    assert_plan_valid(d)
    d.record(ev(EventType.VEHICLE_IN_SERVICE, NOW + timedelta(minutes=2)))
    assert next(v for v in d.vehicles() if v.id == "B1").in_service
    again = d.quote(trip(directory, "r9", ALTER_MARKT, STASSFURT, when, now=NOW), NOW)
    assert isinstance(again, Offer)
    assert again.vehicle_id == "B1"


def test_breaks_are_taken_on_the_way(make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory) -> None:
    """A break planned before a pickup is marked done when the vehicle reports arriving at that pickup."""
    from dataclasses import replace

    from mobility.domain.fleet import Break, Shift

    bus = minibus("B1", BERNBURG, directory)
    shift = bus.shifts[0]
    brk = Break(NOW, NOW + timedelta(minutes=10), 1_200)
    d = make_dispatcher([replace(bus, shifts=(Shift(shift.start, shift.end, brk),))])
    offer = book(d, directory, "b1", (NIENBURG, STASSFURT), NOW + timedelta(hours=1))
    kinds = [v.kind for v in d.plan().tour("B1").visits]
    assert kinds == [VisitKind.BREAK, VisitKind.PICKUP, VisitKind.DROPOFF]
    d.record(ev(EventType.VEHICLE_ARRIVED, offer.planned_pickup, "b1"))
    visits = d.plan().tour("B1").visits
    assert (visits[0].kind, visits[0].status) == (VisitKind.BREAK, VisitStatus.DONE)
    assert_plan_valid(d)


def test_break_reported_twice_is_started_then_done(make_dispatcher: MakeDispatcher,
                                                   directory: NetworkStopDirectory) -> None:
    """A break reported as arrived starts (ARRIVED), reported again it is DONE and the vehicle is free."""
    from dataclasses import replace

    from mobility.domain.fleet import Break, Shift

    bus = minibus("B1", BERNBURG, directory)
    brk = Break(NOW, NOW + timedelta(minutes=10), 1_200)
    d = make_dispatcher([replace(bus, shifts=(Shift(bus.shifts[0].start, bus.shifts[0].end, brk),))])
    visit = d.plan().tour("B1").visits[0]
    data = {"stop_id": visit.stop.id, "visit_kind": "break"}
    d.record(ev(EventType.VEHICLE_ARRIVED, visit.planned_arrival, **data))
    assert d.plan().tour("B1").visits[0].status is VisitStatus.ARRIVED
    d.record(ev(EventType.VEHICLE_ARRIVED, visit.planned_departure, **data))
    assert [v.status for v in d.plan().tour("B1").visits] == [VisitStatus.DONE]
    assert isinstance(d.quote(trip(directory, "r1", ALTER_MARKT, STASSFURT, NOW + timedelta(minutes=40), now=NOW),
                              NOW), Offer)
    assert_plan_valid(d)


def test_a_pickup_cancelled_while_the_vehicle_waits_there_is_left_from_now_on(
        make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory) -> None:
    """The bus has arrived at a pickup; the rider cancels minutes later. The next drive is planned from that stop
    and from now — not from the arrival time, which would have the bus arrive somewhere before it could (found by
    the simulation's executed-tour check)."""
    d = make_dispatcher([minibus("B1", BERNBURG, directory)])
    first = book(d, directory, "b1", (BERNBURG, STASSFURT), NOW + timedelta(minutes=30))
    book(d, directory, "b2", (NIENBURG, KOENNERN), NOW + timedelta(minutes=30))
    arrived = first.planned_pickup
    d.record(ev(EventType.VEHICLE_ARRIVED, arrived, "b1"))
    cancelled = arrived + timedelta(minutes=4)
    d.cancel("b1", cancelled)
    visits = [v for v in d.plan().tours["B1"].visits if v.status is VisitStatus.PLANNED]
    assert visits[0].booking_id == "b2"
    drive = d.travel.duration(directory.find_stop(BERNBURG).index, visits[0].stop.index)
    assert visits[0].planned_arrival >= cancelled + timedelta(seconds=drive)
    assert_plan_valid(d)
