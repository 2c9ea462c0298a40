"""Quotes on the district network: offers keep the promised windows; bad requests get a reason in German."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from mobility.domain.geo import Point
from mobility.domain.rides import NoOffer, Offer, RejectionReason, RideRequest
from routing.directory import NetworkStopDirectory
from routing.dispatcher import DispatcherConfig
from routing.dispatcher.live import LiveDispatcher
from tests.routing.dispatcher.dispatch_helpers import DAY, minibus, trip

MakeDispatcher = Callable[..., LiveDispatcher]

BERNBURG, ALTER_MARKT, KOENNERN, STASSFURT, SCHOENEBECK = "959000", "958851", "959185", "953445", "955576"
NOW = DAY + timedelta(hours=6)


def test_offer_has_a_fifteen_minute_window_and_a_price(make_dispatcher: MakeDispatcher,
                                                       directory: NetworkStopDirectory) -> None:
    """An offer promises a 15-minute pickup window containing the planned pickup, and a price in cents."""
    d = make_dispatcher([minibus("B1", BERNBURG, directory)])
    offer = d.quote(trip(directory, "r1", BERNBURG, STASSFURT, NOW + timedelta(minutes=30), now=NOW), NOW)
    assert isinstance(offer, Offer)
    assert offer.pickup_window.latest - offer.pickup_window.earliest == timedelta(minutes=15)
    assert offer.pickup_window.contains(offer.planned_pickup)
    assert offer.planned_dropoff <= offer.latest_arrival
    assert offer.price_cents > 0
    assert offer.network_source == "approximate"
    assert offer.valid_until == NOW + timedelta(minutes=5)
    assert offer.pickup_stop.id == BERNBURG
    assert offer.dropoff_stop.id == STASSFURT


def test_arrival_request_arrives_in_time(make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory) -> None:
    """A request by arrival time is planned to arrive no later than asked."""
    d = make_dispatcher([minibus("B1", BERNBURG, directory)])
    arrive = NOW + timedelta(hours=2)
    offer = d.quote(trip(directory, "r1", BERNBURG, SCHOENEBECK, arrive, now=NOW, arrival=True), NOW)
    assert isinstance(offer, Offer)
    assert offer.planned_dropoff <= arrive
    assert offer.latest_arrival == arrive


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"departure": NOW - timedelta(hours=1)}, RejectionReason.IN_THE_PAST),
        ({"departure": NOW + timedelta(days=30)}, RejectionReason.BEYOND_HORIZON),
        ({"departure": DAY + timedelta(hours=23)}, RejectionReason.OUTSIDE_SERVICE_HOURS),
        ({"passengers": 9}, RejectionReason.NO_SUITABLE_VEHICLE),
        ({"passengers": 1, "wheelchairs": 1}, RejectionReason.NO_SUITABLE_VEHICLE),
        ({"destination_stop_id": "959000"}, RejectionReason.SAME_ORIGIN_DESTINATION),
        ({"origin_stop_id": None, "origin": Point(13.4, 52.5)}, RejectionReason.OUTSIDE_SERVICE_AREA),
        ({"origin_stop_id": "nirgendwo-123"}, RejectionReason.NO_STOP_NEARBY),
    ],
)
def test_bad_requests_get_a_reason(make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory,
                                   change: dict[str, object], reason: RejectionReason) -> None:
    """Requests the service cannot take are answered with a stable reason and a German message."""
    from dataclasses import replace

    d = make_dispatcher([minibus("B1", BERNBURG, directory)])
    request: RideRequest = replace(trip(directory, "r1", BERNBURG, STASSFURT, NOW + timedelta(minutes=30), now=NOW),
                                   **change)  # type: ignore[arg-type]
    answer = d.quote(request, NOW)
    assert isinstance(answer, NoOffer)
    assert answer.reason is reason
    assert answer.message[:1].isupper()


def test_kvg_rules_need_an_hour_notice_by_day(make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory) -> None:
    """Under the KVG rule set a daytime trip 30 minutes ahead is refused, with the earliest bookable time."""
    from mobility.domain.rules import KVG

    d = make_dispatcher([minibus("B1", BERNBURG, directory)], DispatcherConfig(rules=KVG))
    answer = d.quote(trip(directory, "r1", BERNBURG, STASSFURT, NOW + timedelta(minutes=30), now=NOW), NOW)
    assert isinstance(answer, NoOffer)
    assert answer.reason is RejectionReason.TOO_SHORT_NOTICE
    assert answer.alternatives == (NOW + timedelta(hours=1),)
    assert isinstance(d.quote(trip(directory, "r2", BERNBURG, STASSFURT, NOW + timedelta(minutes=61), now=NOW), NOW),
                      Offer)


def test_full_vehicle_gives_alternative_times(make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory) -> None:
    """When the only vehicle is busy at the asked time, the answer names nearby times that would work."""
    d = make_dispatcher([minibus("B1", BERNBURG, directory)])
    t = NOW + timedelta(hours=2)
    busy = d.quote(trip(directory, "r1", SCHOENEBECK, KOENNERN, t, now=NOW), NOW)
    assert isinstance(busy, Offer)
    assert isinstance(d.confirm(busy, "b1", NOW), Offer)
    answer = d.quote(trip(directory, "r2", KOENNERN, SCHOENEBECK, t + timedelta(minutes=5), now=NOW), NOW)
    assert isinstance(answer, NoOffer)
    assert answer.reason is RejectionReason.NO_CAPACITY
    assert answer.alternatives
    for alt in answer.alternatives:
        retry = d.quote(trip(directory, "r3", KOENNERN, SCHOENEBECK, alt, now=NOW), NOW)
        assert isinstance(retry, Offer)


def test_quote_reserves_nothing(make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory) -> None:
    """A quote leaves the plan unchanged; only confirm commits."""
    d = make_dispatcher([minibus("B1", BERNBURG, directory)])
    version = d.plan().version
    offer = d.quote(trip(directory, "r1", BERNBURG, STASSFURT, NOW + timedelta(minutes=30), now=NOW), NOW)
    assert isinstance(offer, Offer)
    assert d.plan().version == version
    assert all(not t.visits or all(v.booking_id is None for v in t.visits) for t in d.plan().tours.values())
