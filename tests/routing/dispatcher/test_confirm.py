"""Confirm: atomic, re-checked against the plan as it is now, idempotent per booking, and only while valid."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from mobility.domain.rides import NoOffer, Offer, RejectionReason
from routing.directory import NetworkStopDirectory
from routing.dispatcher.live import LiveDispatcher
from tests.routing.dispatcher.dispatch_helpers import DAY, assert_plan_valid, minibus, trip

MakeDispatcher = Callable[..., LiveDispatcher]
BERNBURG, STASSFURT, ASCHERSLEBEN = "959000", "953445", "956422"
NOW = DAY + timedelta(hours=6)


def test_two_residents_race_for_the_last_seat(make_dispatcher: MakeDispatcher,
                                             directory: NetworkStopDirectory) -> None:
    """Of two offers for the last seat confirmed at the same moment from two threads, exactly one wins."""
    d = make_dispatcher([minibus("B1", BERNBURG, directory, seats=1)])
    when = NOW + timedelta(minutes=30)
    offers = [d.quote(trip(directory, f"r{k}", BERNBURG, STASSFURT, when, now=NOW), NOW) for k in range(2)]
    assert all(isinstance(o, Offer) for o in offers)
    results: dict[int, Offer | NoOffer] = {}
    barrier = threading.Barrier(2)

    def confirm(k: int) -> None:
        barrier.wait()
        offer = offers[k]
        assert isinstance(offer, Offer)
        results[k] = d.confirm(offer, f"b{k}", NOW)

    threads = [threading.Thread(target=confirm, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [k for k, r in results.items() if isinstance(r, Offer)]
    lost = [r for r in results.values() if isinstance(r, NoOffer)]
    assert len(won) == 1
    assert len(lost) == 1
    assert lost[0].reason is RejectionReason.NO_CAPACITY
    assert set(d.commitments()) == {f"b{won[0]}"}
    assert_plan_valid(d)


def test_confirm_is_idempotent(make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory) -> None:
    """Confirming the same booking twice returns the same committed offer and plans it once."""
    d = make_dispatcher([minibus("B1", BERNBURG, directory)])
    offer = d.quote(trip(directory, "r1", BERNBURG, STASSFURT, NOW + timedelta(minutes=30), now=NOW), NOW)
    assert isinstance(offer, Offer)
    first = d.confirm(offer, "b1", NOW)
    second = d.confirm(offer, "b1", NOW + timedelta(seconds=1))
    assert first == second
    assert sum(v.booking_id == "b1" for t in d.plan().tours.values() for v in t.visits) == 2


def test_expired_offer_is_refused(make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory) -> None:
    """An offer confirmed after its validity ends is refused with the reason offer_expired."""
    d = make_dispatcher([minibus("B1", BERNBURG, directory)])
    offer = d.quote(trip(directory, "r1", BERNBURG, STASSFURT, NOW + timedelta(minutes=30), now=NOW), NOW)
    assert isinstance(offer, Offer)
    late = d.confirm(offer, "b1", offer.valid_until + timedelta(seconds=1))
    assert isinstance(late, NoOffer)
    assert late.reason is RejectionReason.OFFER_EXPIRED


def test_confirm_moves_to_another_vehicle_keeping_the_promise(make_dispatcher: MakeDispatcher,
                                                              directory: NetworkStopDirectory) -> None:
    """If the offered vehicle filled up meanwhile, confirm commits on another one within the promised window."""
    d = make_dispatcher([minibus("B1", BERNBURG, directory, seats=1), minibus("S1", STASSFURT, directory, seats=1)])
    when = NOW + timedelta(minutes=40)
    a = d.quote(trip(directory, "r1", BERNBURG, STASSFURT, when, now=NOW), NOW)
    b = d.quote(trip(directory, "r2", BERNBURG, STASSFURT, when, now=NOW), NOW)
    assert isinstance(a, Offer)
    assert isinstance(b, Offer)
    assert a.vehicle_id == b.vehicle_id == "B1"
    assert isinstance(d.confirm(a, "b1", NOW), Offer)
    moved = d.confirm(b, "b2", NOW)
    assert isinstance(moved, Offer)
    assert moved.vehicle_id == "S1"
    assert moved.pickup_window == b.pickup_window
    assert moved.pickup_window.contains(moved.planned_pickup)
    assert moved.planned_dropoff <= moved.latest_arrival
    assert_plan_valid(d)


def test_cancel_frees_the_seat(make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory) -> None:
    """After a cancellation the seat can be booked again."""
    d = make_dispatcher([minibus("B1", BERNBURG, directory, seats=1)])
    when = NOW + timedelta(minutes=30)
    offer = d.quote(trip(directory, "r1", BERNBURG, ASCHERSLEBEN, when, now=NOW), NOW)
    assert isinstance(offer, Offer)
    d.confirm(offer, "b1", NOW)
    assert isinstance(d.quote(trip(directory, "r2", BERNBURG, ASCHERSLEBEN, when, now=NOW), NOW), NoOffer)
    d.cancel("b1", NOW)
    d.cancel("b1", NOW)  # a second cancel is a no-op
    assert d.commitments() == {}
    assert isinstance(d.quote(trip(directory, "r2", BERNBURG, ASCHERSLEBEN, when, now=NOW), NOW), Offer)
