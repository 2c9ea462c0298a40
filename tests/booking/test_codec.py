"""The store's codec: any offer survives the round trip through JSON unchanged (property test)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from booking.store.codec import offer_from_dict, offer_to_dict
from mobility.domain.geo import Point
from mobility.domain.rides import Offer, RideRequest, TimeWindow
from mobility.domain.stops import Stop, StopKind

points = st.builds(Point, st.floats(11.0, 12.5), st.floats(51.5, 52.2))
instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1),
                        timezones=st.just(UTC))
stops = st.builds(Stop, id=st.text(min_size=1, max_size=12), name=st.text(max_size=30),
                  municipality=st.text(max_size=20), point=points, kind=st.sampled_from(StopKind),
                  index=st.integers(-1, 5000))


@st.composite
def offers(draw: st.DrawFn) -> Offer:
    t0 = draw(instants)
    passengers = draw(st.integers(1, 8))
    departure = draw(st.booleans())
    request = RideRequest(
        id=draw(st.uuids()).hex, customer_id=draw(st.text(min_size=1, max_size=20)), origin=draw(points),
        destination=draw(points), submitted_at=t0, departure=t0 if departure else None,
        arrival=None if departure else t0 + timedelta(hours=1), passengers=passengers,
        wheelchairs=draw(st.integers(0, passengers)), strollers=draw(st.integers(0, 3)),
        origin_stop_id=draw(st.none() | st.text(min_size=1, max_size=8)),
    )
    wait = timedelta(seconds=draw(st.integers(0, 3600)))
    return Offer(
        id=draw(st.uuids()).hex, request=request, vehicle_id=draw(st.text(min_size=1, max_size=8)),
        vehicle_type="minibus", pickup_stop=draw(stops), dropoff_stop=draw(stops),
        walk_to_pickup_m=draw(st.integers(0, 500)), walk_from_dropoff_m=draw(st.integers(0, 500)),
        pickup_window=TimeWindow(t0 + wait, t0 + wait + timedelta(minutes=15)), planned_pickup=t0 + wait,
        planned_dropoff=t0 + wait + timedelta(minutes=20), latest_arrival=t0 + wait + timedelta(minutes=40),
        price_cents=draw(st.integers(0, 5000)), valid_until=t0 + timedelta(minutes=5),
        network_source=draw(st.sampled_from(["approximate", "osm-extract", "overpass"])),
    )


@settings(max_examples=30, deadline=None)
@given(offers())
def test_offer_round_trips_through_json(offer: Offer) -> None:
    """offer_from_dict(json(offer_to_dict(o))) == o for every offer."""
    assert offer_from_dict(json.loads(json.dumps(offer_to_dict(offer)))) == offer
