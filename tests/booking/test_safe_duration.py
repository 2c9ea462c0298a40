"""The safe duration fields of the GTFS-Flex trips (mobility.domain.flex): the derivation, and what it refuses."""

from __future__ import annotations

import pytest

from mobility.domain.flex import MEASURED_ETA_ERROR_P95_S, SafeDuration, safe_duration


def test_the_derivation_adds_promise_service_times_and_measured_drift() -> None:
    """Factor: the ride-time rule's alpha times the driving ratio; offset: its beta, boarding and alighting, the
    ETA error p95. With the service's defaults a 30-minute direct ride is bounded at 1.5 × 30 + 16 = 61 minutes."""
    safe = safe_duration(ride_alpha=1.5, ride_beta_s=600, stop_service_s=60, eta_error_p95_s=MEASURED_ETA_ERROR_P95_S)
    assert safe == SafeDuration(1.5, 960)
    assert safe.bound_s(30 * 60) == 61 * 60
    slower = safe_duration(ride_alpha=1.5, ride_beta_s=600, stop_service_s=60, eta_error_p95_s=0, driving_ratio=1.2)
    assert (slower.factor, slower.offset_s) == (1.8, 720)


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"driving_ratio": 0.0}, "driving_ratio must be positive"),
    ({"eta_error_p95_s": -60}, "must not be negative"),
    ({"ride_alpha": 0.8}, "safe_duration_factor must be at least 1"),
])
def test_impossible_inputs_are_refused(kwargs: dict[str, float], words: str) -> None:
    """A ratio of zero, a negative error, or a factor under 1 (a ride faster than driving) are errors."""
    base: dict[str, float] = {"ride_alpha": 1.5, "ride_beta_s": 600, "stop_service_s": 60, "eta_error_p95_s": 660}
    with pytest.raises(ValueError, match=words):
        safe_duration(**{**base, **kwargs})  # type: ignore[arg-type]
