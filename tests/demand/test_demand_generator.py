"""Generated requests: reproducible, within the profile, with the configured shares."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mobility.demand import DemandParams, Zones, build_demand
from mobility.demand.generator import generate_requests, request_count
from mobility.domain.geo import haversine_m
from mobility.domain.stops import Stop

DAY = date(2026, 3, 10)
TZ = ZoneInfo("Europe/Berlin")


def test_same_seed_same_requests(district_stops: list[Stop]) -> None:
    """The same seed gives identical requests; another seed gives others."""
    _, a = build_demand(district_stops, DemandParams(requests=300), DAY, TZ, 5)
    _, b = build_demand(district_stops, DemandParams(requests=300), DAY, TZ, 5)
    _, c = build_demand(district_stops, DemandParams(requests=300), DAY, TZ, 6)
    assert a == b
    assert a != c


def test_volume_from_per_capita_rate(district_stops: list[Stop]) -> None:
    """Without a fixed count, the volume is the per-1,000-inhabitant rate times the district population."""
    params = DemandParams(requests_per_1000_inhabitants=5.5)
    assert request_count(params, 186_420) == 1025
    assert request_count(DemandParams(requests=17), 186_420) == 17


def test_shares_match_parameters(district_stops: list[Stop]) -> None:
    """Over 6,000 requests the drawn shares are within sampling error of the configured shares."""
    params = DemandParams(requests=6000)
    _, items = build_demand(district_stops, params, DAY, TZ, 1)
    n = len(items)
    riders = params.riders
    assert abs(sum(i.request.wheelchairs > 0 for i in items) / n - riders.wheelchair_share) < 0.01
    assert abs(sum(i.request.strollers > 0 for i in items) / n - riders.stroller_share) < 0.01
    assert abs(sum(i.prebooked for i in items) / n - riders.prebooked_share) < 0.03
    assert abs(sum(i.request.arrival is not None for i in items) / n - riders.arrival_time_share) < 0.02
    assert abs(sum(i.cancel_at is not None for i in items) / n - riders.cancel_share) < 0.01
    assert abs(sum(i.no_show for i in items) / n - riders.no_show_share) < 0.01
    sizes = np.bincount([i.request.passengers for i in items], minlength=5)[1:] / n
    assert np.allclose(sizes, riders.group_sizes, atol=0.02)


def test_profile_has_morning_and_afternoon_peaks(district_stops: list[Stop]) -> None:
    """More requests wish to travel 7–8 h and 15–16 h than 11–12 h, and none outside the service hours."""
    _, items = build_demand(district_stops, DemandParams(requests=4000), DAY, TZ, 2)
    hours = np.bincount([i.request.requested_time.hour for i in items], minlength=24)
    assert hours[7] > 1.5 * hours[11]
    assert hours[15] > 1.3 * hours[11]
    assert hours[:6].sum() == 0
    assert hours[22:].sum() == 0


def test_morning_trips_lead_to_attractors(district_stops: list[Stop]) -> None:
    """Before noon most trips are outbound (home → activity), after noon most return."""
    _, items = build_demand(district_stops, DemandParams(requests=3000), DAY, TZ, 3)
    morning = [i.outbound for i in items if i.request.requested_time.hour < 12]
    evening = [i.outbound for i in items if i.request.requested_time.hour >= 12]
    assert np.mean(morning) > 0.7
    assert np.mean(evening) < 0.4


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(1, 200))
def test_every_request_is_well_formed(district_zones: Zones, seed: int, count: int) -> None:
    """Any seed: distinct stops at least the minimum trip apart, submitted before the wished time, cancellation in
    between, times on whole seconds, sorted by submission."""
    params = DemandParams(requests=count)
    items = generate_requests(district_zones, params, DAY, TZ, seed)
    assert len(items) == count
    assert [i.request.submitted_at for i in items] == sorted(i.request.submitted_at for i in items)
    for item in items:
        r = item.request
        assert r.origin_stop_id != r.destination_stop_id
        assert haversine_m(r.origin, r.destination) >= params.min_trip_distance_m - 1
        assert r.submitted_at <= r.requested_time
        assert r.requested_time.microsecond == 0
        assert r.submitted_at >= r.requested_time - timedelta(hours=24)
        if item.cancel_at is not None:
            assert r.submitted_at <= item.cancel_at <= r.requested_time
        assert not (item.no_show and item.cancel_at is not None)

