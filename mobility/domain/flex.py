"""How long a ride can take, as journey planners read it from GTFS-Flex (``trips.txt`` safe duration fields).

The GTFS reference defines, for a demand-responsive trip, the longest time a rider can expect to spend on it in
95 % of cases as ``SafeTravelDuration = safe_duration_factor × DrivingDuration + safe_duration_offset`` (seconds),
where ``DrivingDuration`` is the planner's own estimate of driving straight from pickup to drop-off.

Derivation (:func:`safe_duration`), from what the service promises and what it measured:

* **Promise.** Every plan keeps a ride (end of boarding → start of alighting) within
  ``ride_alpha × direct + ride_beta`` of our road network's direct driving time — the dispatcher's ride-time rule,
  a hard constraint of insertion and re-optimisation. Boarding and alighting (``stop_service_s`` each) add to the
  time the rider spends on the trip.
* **Reality.** A plan is not the street: the vehicles drift from it. The rehearsal (``mobility.rehearsal``,
  ``benchmarks/bench_rehearsal.py``) measures that drift as the ETA error — |ETA − boarding| of the reading about
  30 minutes ahead, the horizon of a typical ride. Its 95th percentile is added once.
* **Their clock.** A planner's ``DrivingDuration`` comes from its own road graph; ``driving_ratio`` is our direct
  driving time divided by theirs (1.0 when both use OpenStreetMap car speeds).

So ``factor = ride_alpha × driving_ratio`` and ``offset = ride_beta + boarding + alighting + ETA error p95``.
"""

from __future__ import annotations

from dataclasses import dataclass

#: ETA error p95 of the rehearsal's full service day (benchmarks/bench_rehearsal.py, 6 December 2026, 40 vehicles,
#: 1,025 requests: 4.00 and 3.85 min on SQLite, 3.96 min on PostGIS; the largest is used). The same runs measured
#: the offset 95 % of the rides need at factor 1.5 as 624–630 s (docs/feeds.md).
MEASURED_ETA_ERROR_P95_S = 240


@dataclass(frozen=True, slots=True)
class SafeDuration:
    """``safe_duration_factor`` and ``safe_duration_offset`` (seconds) of the on-demand trips."""

    factor: float
    offset_s: int

    def __post_init__(self) -> None:
        if self.factor < 1.0:
            msg = f"safe_duration_factor must be at least 1 (a ride is never faster than driving), got {self.factor}"
            raise ValueError(msg)
        if self.offset_s < 0:
            msg = f"safe_duration_offset must not be negative, got {self.offset_s}"
            raise ValueError(msg)

    def bound_s(self, driving_s: float) -> float:
        """The safe travel duration (seconds) of a ride that a planner estimates at ``driving_s`` seconds."""
        return self.factor * driving_s + self.offset_s


def safe_duration(*, ride_alpha: float, ride_beta_s: int, stop_service_s: int, eta_error_p95_s: int,
                  driving_ratio: float = 1.0) -> SafeDuration:
    """The safe duration fields derived as the module docstring says."""
    if driving_ratio <= 0:
        msg = f"driving_ratio must be positive, got {driving_ratio}"
        raise ValueError(msg)
    if min(ride_beta_s, stop_service_s, eta_error_p95_s) < 0:
        msg = (f"ride_beta_s, stop_service_s and eta_error_p95_s must not be negative, got {ride_beta_s}, "
               f"{stop_service_s}, {eta_error_p95_s}")
        raise ValueError(msg)
    return SafeDuration(round(ride_alpha * driving_ratio, 3), ride_beta_s + 2 * stop_service_s + eta_error_p95_s)
