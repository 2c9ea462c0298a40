"""Road-class speeds, maxspeed parsing and integer travel times."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.network.speeds import (
    DEFAULT_SPEED_KMH,
    ROAD_CLASSES,
    class_index,
    edge_speed_kmh,
    parse_maxspeed,
    travel_time_s,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("50", 50.0),
        ("30 mph", 30 * 1.609344),
        ("DE:urban", 50.0),
        ("DE:rural", 100.0),
        ("DE:zone30", 30.0),
        ("DE:living_street", 7.0),
        ("none", 130.0),
        ("walk", 7.0),
        ("70;50", 50.0),
        (["100", "70"], 70.0),
        ("signals", None),
        ("0", None),
        (None, None),
    ],
)
def test_parse_maxspeed(value: str | list[str] | None, expected: float | None) -> None:
    """German maxspeed values, units and lists become km/h (the lowest of several), junk becomes None."""
    assert parse_maxspeed(value) == (pytest.approx(expected) if expected is not None else None)


def test_class_index_takes_most_important_known_class_and_falls_back_to_other() -> None:
    """A list of highway values maps to its most important known class whatever the order; unknown → 'other'."""
    assert ROAD_CLASSES[class_index(["busy_road", "secondary"])] == "secondary"
    assert class_index(["residential", "primary"]) == class_index(["primary", "residential"])
    assert ROAD_CLASSES[class_index("bogus")] == "other"
    assert ROAD_CLASSES[class_index(None)] == "other"


def test_maxspeed_wins_over_class_default() -> None:
    """A tagged limit sets the speed; without one the class default applies."""
    residential = class_index("residential")
    assert edge_speed_kmh(residential, 50.0) == 50.0
    assert edge_speed_kmh(residential, None) == DEFAULT_SPEED_KMH["residential"]


@given(st.floats(min_value=0, max_value=200_000), st.floats(min_value=3, max_value=130))
def test_travel_time_is_a_positive_integer_close_to_length_over_speed(length: float, speed: float) -> None:
    """Travel time is an int within half a second of length / speed (rounded), and at least 1 s: an edge shorter
    than half a second takes one second."""
    t = travel_time_s(length, speed)
    exact = length / (speed / 3.6)
    assert isinstance(t, int)
    if exact < 0.5:
        assert t == 1
    else:
        assert abs(t - exact) <= 0.5 + 1e-9


@pytest.mark.parametrize(("length", "speed", "seconds"), [
    (0.0, 50.0, 1), (4.0, 36.0, 1), (14.0, 36.0, 1), (16.0, 36.0, 2), (1000.0, 36.0, 100), (1004.9, 36.0, 100),
    (1005.1, 36.0, 101), (50_000.0, 100.0, 1800),
])
def test_travel_time_rounds_to_the_nearest_second(length: float, speed: float, seconds: int) -> None:
    """Hand-computed cases at 10 m/s (36 km/h) and 100 km/h: nearest second, never 0."""
    assert travel_time_s(length, speed) == seconds


def test_travel_time_rejects_nonsense() -> None:
    """A zero speed or a negative length is refused with the values named."""
    with pytest.raises(ValueError, match="km/h"):
        travel_time_s(100, 0)
    with pytest.raises(ValueError, match="-5"):
        travel_time_s(-5, 50)
