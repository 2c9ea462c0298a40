"""Restart: the stored plan and confirmed bookings come back; riders on board stay with their vehicle."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mobility.domain.events import Event, EventType
from mobility.domain.rides import Booking, BookingState, Offer
from routing.directory import NetworkStopDirectory
from routing.dispatcher.live import LiveDispatcher
from tests.routing.dispatcher.dispatch_helpers import DAY, assert_plan_valid, minibus, trip

MakeDispatcher = Callable[..., LiveDispatcher]
BERNBURG, ALTER_MARKT, STASSFURT, KOENNERN, NIENBURG = "959000", "958851", "953445", "959185", "959054"
NOW = DAY + timedelta(hours=6)


def bookings_of(d: LiveDispatcher, started: set[str]) -> list[Booking]:
    """The dispatcher's commitments as the store would keep them."""
    return [Booking(bid, "c", offer, BookingState.STARTED if bid in started else BookingState.CONFIRMED, NOW, NOW)
            for bid, offer in d.commitments().items()]


def test_restart_brings_back_plan_and_bookings(make_dispatcher: MakeDispatcher,
                                               directory: NetworkStopDirectory) -> None:
    """A fresh dispatcher restored from plan and bookings has the same bookings on the same vehicles."""
    fleet = [minibus("B1", BERNBURG, directory), minibus("S1", STASSFURT, directory)]
    d = make_dispatcher(fleet)
    trips = [("b1", ALTER_MARKT, STASSFURT, 20), ("b2", BERNBURG, KOENNERN, 60), ("b3", STASSFURT, NIENBURG, 90)]
    for bid, a, b, minutes in trips:
        offer = d.quote(trip(directory, bid, a, b, NOW + timedelta(minutes=minutes), now=NOW), NOW)
        assert isinstance(offer, Offer)
        d.confirm(offer, bid, NOW)
    boarding = d.commitments()["b1"].planned_pickup
    d.record(Event(EventType.PASSENGER_BOARDED, boarding, booking_id="b1"))
    plan, stored = d.plan(), bookings_of(d, {"b1"})

    fresh = make_dispatcher(fleet)
    lost = fresh.restore(plan, stored, boarding + timedelta(minutes=1))
    assert list(lost) == []
    assert {b: o.vehicle_id for b, o in fresh.commitments().items()} == {
        b: o.vehicle_id for b, o in d.commitments().items()}
    with fresh.lock:
        assert fresh.state.commitments["b1"].boarded_at is not None
    done = [v for v in fresh.plan().tour(d.commitments()["b1"].vehicle_id).visits if v.booking_id == "b1"]
    assert [v.status.value for v in done] == ["done", "planned"]
    assert_plan_valid(fresh)


def test_booking_missing_from_the_plan_is_inserted_or_reported(make_dispatcher: MakeDispatcher,
                                                               directory: NetworkStopDirectory) -> None:
    """A confirmed booking the stored plan lacks is inserted again; one that cannot fit is reported."""
    d = make_dispatcher([minibus("B1", BERNBURG, directory, seats=1)])
    offers = []
    for bid in ("b1", "b2"):
        offer = d.quote(trip(directory, bid, ALTER_MARKT, KOENNERN, NOW + timedelta(minutes=30), now=NOW), NOW)
        assert isinstance(offer, Offer)
        offers.append(offer)
    d.confirm(offers[0], "b1", NOW)
    stored = [Booking(bid, "c", o, BookingState.CONFIRMED, NOW, NOW) for bid, o in zip(("b1", "b2"), offers,
                                                                                       strict=True)]
    empty = make_dispatcher([minibus("B1", BERNBURG, directory, seats=1)]).plan()
    fresh = make_dispatcher([minibus("B1", BERNBURG, directory, seats=1)])
    lost = fresh.restore(empty, stored, NOW)
    assert len(lost) == 1
    assert set(fresh.commitments()) | set(lost) == {"b1", "b2"}
    assert_plan_valid(fresh)
