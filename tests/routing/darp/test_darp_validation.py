"""Bad input is refused with a clear error before any solving."""

from __future__ import annotations

import pytest

from routing.darp import DarpProblem, ProblemError, Request, TimeWindow, Vehicle, solve
from tests.routing.darp.darp_builders import line_travel

TRAVEL = line_travel([0, 2, 5, 9])
BUS = Vehicle(id="bus", capacity=(4, 1), start=0, end=0)


def _problem(*requests: Request, vehicles: tuple[Vehicle, ...] = (BUS,)) -> DarpProblem:
    return DarpProblem(requests, vehicles, TRAVEL)


def test_negative_window_is_refused() -> None:
    """A time window starting before zero raises ProblemError naming the value."""
    with pytest.raises(ProblemError, match="negative"):
        TimeWindow(-5, 100)


def test_inverted_window_is_refused() -> None:
    """A window whose latest lies before its earliest raises ProblemError."""
    with pytest.raises(ProblemError, match="before earliest"):
        TimeWindow(500, 100)


def test_load_larger_than_every_vehicle_is_refused() -> None:
    """A request too big for every vehicle is named in the error."""
    with pytest.raises(ProblemError, match=r"'big'.*fits no vehicle"):
        _problem(Request(id="big", pickup=1, dropoff=2, load=(5, 0)))


def test_wheelchair_without_capable_vehicle_is_refused() -> None:
    """A request needing a skill no vehicle offers fits no vehicle."""
    with pytest.raises(ProblemError, match="fits no vehicle"):
        _problem(Request(id="w", pickup=1, dropoff=2, load=(1, 1), skills=frozenset({"wheelchair"})))


@pytest.mark.parametrize(("pickup", "dropoff"), [(7, 1), (1, -1)])
def test_unknown_location_is_refused(pickup: int, dropoff: int) -> None:
    """A location index outside the travel matrix is refused and named."""
    with pytest.raises(ProblemError, match="unknown location"):
        _problem(Request(id="r", pickup=pickup, dropoff=dropoff, load=(1, 0)))


def test_duplicate_ids_are_refused() -> None:
    """Two requests with the same id are refused."""
    r = Request(id="r", pickup=1, dropoff=2, load=(1, 0))
    with pytest.raises(ProblemError, match="duplicate request id 'r'"):
        _problem(r, r)


def test_mismatched_load_dimensions_are_refused() -> None:
    """Loads and capacities must have the same number of dimensions."""
    with pytest.raises(ProblemError, match="same number of dimensions"):
        _problem(Request(id="r", pickup=1, dropoff=2, load=(1,)))


def test_inconsistent_windows_fail_before_solving() -> None:
    """A drop-off window that ends before the pickup window allows arrival is refused by solve."""
    r = Request(id="r", pickup=1, dropoff=3, load=(1, 0), pickup_window=TimeWindow(1000, 1100),
                dropoff_window=TimeWindow(0, 1200))  # direct ride 420 s: earliest arrival 1420
    with pytest.raises(ProblemError, match=r"'r'.*cannot both be met"):
        solve(_problem(r), time_limit_s=1)


def test_ride_limit_below_direct_ride_is_refused() -> None:
    """A maximum ride time shorter than the direct ride is refused by solve."""
    r = Request(id="r", pickup=0, dropoff=3, load=(1, 0), max_ride_s=100)
    with pytest.raises(ProblemError, match="shorter than the direct ride"):
        solve(_problem(r), time_limit_s=1)


def test_onboard_needs_known_vehicle() -> None:
    """A passenger on board of an unknown vehicle is refused."""
    r = Request(id="r", pickup=1, dropoff=2, load=(1, 0), onboard="ghost", picked_up_at=0, must_serve=True)
    with pytest.raises(ProblemError, match="unknown vehicle 'ghost'"):
        _problem(r)


def test_onboard_must_be_confirmed() -> None:
    """A passenger on board cannot be a may-reject request."""
    with pytest.raises(ProblemError, match="must be served"):
        Request(id="r", pickup=1, dropoff=2, load=(1, 0), onboard="bus", picked_up_at=0)


def test_vehicle_that_cannot_reach_its_end_in_its_shift_is_refused() -> None:
    """A shift shorter than the drive from the vehicle's start to its end is named before solving (it used to
    surface as an assertion when the solution was read out)."""
    late = Vehicle(id="late", capacity=(4, 1), start=3, end=0, shift=TimeWindow(0, 5))
    with pytest.raises(ProblemError, match=r"'late'.*too short to drive"):
        solve(_problem(vehicles=(BUS, late)), time_limit_s=1)
