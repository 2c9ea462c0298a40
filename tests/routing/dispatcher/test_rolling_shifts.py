"""Shifts roll on: a fleet laid out on a week or more gets the following days' shifts when the horizon reaches them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mobility.domain.rides import Booking, BookingState, NoOffer, Offer
from routing.directory import NetworkStopDirectory
from routing.fleet import following_shifts, laid_out_days, load_fleet, load_fleet_spec, vehicles_for_days
from tests.routing.dispatcher.conftest import MakeDispatcher
from tests.routing.dispatcher.dispatch_helpers import assert_plan_valid, trip

BERLIN = ZoneInfo("Europe/Berlin")
FIRST = date(2026, 3, 2)  # a Monday
NOW = datetime(2026, 3, 8, 8, 0, tzinfo=BERLIN)  # the last of 7 laid-out days; the horizon reaches 22 March
LATER = datetime(2026, 3, 20, 9, 0, tzinfo=BERLIN)  # a Friday after the laid-out days


@pytest.mark.parametrize("first", [date(2026, 3, 16), date(2026, 10, 12)])  # across both clock changes
def test_following_shifts_are_the_shifts_laid_out_for_more_days(first: date) -> None:
    """A week of shifts repeated gives exactly what laying the patterns out on more days gives, to the offset."""
    spec = load_fleet_spec()
    week = vehicles_for_days(spec, first, 7)
    month = vehicles_for_days(spec, first, 30)
    days = laid_out_days(week)
    assert days is not None
    for short, long in zip(week, month, strict=True):
        rolled = (*short.shifts, *following_shifts(short.shifts, last_day=days[1], through=first + timedelta(29)))
        assert rolled == long.shifts, short.id
        offsets = [(s.start.utcoffset(), s.end.utcoffset()) for s in rolled]
        assert offsets == [(s.start.utcoffset(), s.end.utcoffset()) for s in long.shifts]


def test_a_trip_after_the_laid_out_days_is_served(make_dispatcher: MakeDispatcher,
                                                  directory: NetworkStopDirectory) -> None:
    """A quote whose booking horizon reaches past the laid-out days lays out the next days and gets an offer."""
    d = make_dispatcher(load_fleet(first_day=FIRST, days=7))
    shifts_before = {v.id: len(v.shifts) for v in d.vehicles()}
    version = d.plan().version
    offer = d.quote(trip(directory, "r1", "959000", "953445", LATER, now=NOW), NOW)
    assert isinstance(offer, Offer)
    assert offer.planned_pickup.date() == LATER.date()
    vehicles = {v.id: v for v in d.vehicles()}
    assert max(s.start for v in vehicles.values() for s in v.shifts).date() == date(2026, 3, 22)
    bus = vehicles[offer.vehicle_id]
    assert any(s.start <= offer.planned_pickup <= s.end for s in bus.shifts[shifts_before[bus.id]:])
    assert d.plan().version == version + 1
    assert isinstance(d.confirm(offer, "b1", NOW), Offer)
    assert_plan_valid(d)
    tour = d.plan().tour(offer.vehicle_id)
    assert [v.booking_id for v in tour.visits if v.booking_id] == ["b1", "b1"]
    # a restart lays the same shift routes out again from the vehicles' shifts: the booking comes back
    booking = Booking("b1", "c", d.commitments()["b1"], BookingState.CONFIRMED, NOW, NOW)
    fresh = make_dispatcher(list(d.vehicles()))
    assert fresh.restore(d.plan(), [booking], NOW) == []
    assert fresh.commitments()["b1"].vehicle_id == offer.vehicle_id
    assert_plan_valid(fresh)


def test_reoptimise_lays_out_the_next_days_once(make_dispatcher: MakeDispatcher) -> None:
    """The background re-optimisation rolls the shifts on too; a second call adds nothing."""
    d = make_dispatcher(load_fleet(first_day=FIRST, days=7))
    d.reoptimise(NOW, 1.0)
    counts = {v.id: len(v.shifts) for v in d.vehicles()}
    version = d.plan().version
    assert sum(counts.values()) > sum(len(v.shifts) for v in load_fleet(first_day=FIRST, days=7))
    d.reoptimise(NOW + timedelta(hours=1), 1.0)
    assert {v.id: len(v.shifts) for v in d.vehicles()} == counts
    assert d.plan().version == version


def test_less_than_a_week_is_not_rolled_on(make_dispatcher: MakeDispatcher, directory: NetworkStopDirectory) -> None:
    """Six laid-out days do not show the whole week: no shifts are invented and the later trip gets no offer."""
    d = make_dispatcher(load_fleet(first_day=FIRST, days=6))
    answer = d.quote(trip(directory, "r1", "959000", "953445", LATER, now=NOW), NOW)
    assert isinstance(answer, NoOffer)
    assert max(s.start for v in d.vehicles() for s in v.shifts).date() == date(2026, 3, 7)
