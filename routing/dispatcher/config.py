"""Settings of a live dispatcher: windows, ride-time rule, service times, offer hold, no-show wait."""

from __future__ import annotations

from dataclasses import dataclass

from mobility.domain.fares import DEFAULT_FARES, FareTable
from mobility.domain.rules import INSTANT, BookingRules


@dataclass(frozen=True, slots=True)
class DispatcherConfig:
    """How the dispatcher promises and plans (durations in seconds).

    The maximum ride time of a request is ``ride_alpha * direct + ride_beta_s`` (MATSim DRT); the pickup window
    promised to a resident is ``pickup_window_s`` wide; the plan begins each pickup at least ``pickup_reserve_s``
    before the window ends, so that a vehicle delayed on the road still arrives inside it.
    ``alternative_shifts_s`` are the time shifts tried for alternatives when no offer is possible (nearest first;
    the nearest earlier and the nearest later time that fit are offered). A pickup planned to begin within
    ``hold_horizon_s`` is held at its planned begin plus ``hold_slack_s`` (:mod:`routing.dispatcher.hold`), so the
    estimate a rider reads keeps. A re-optimisation re-plans the shifts that run now or start within
    ``reoptimise_horizon_s``.
    """

    service_area: str = "salzlandkreis"
    pickup_window_s: int = 900
    pickup_reserve_s: int = 180
    ride_alpha: float = 1.5
    ride_beta_s: int = 600
    stop_service_s: int = 60
    wheelchair_service_s: int = 120
    offer_validity_s: int = 300
    no_show_wait_s: int = 300
    walk_limit_m: int = 500
    wait_weight_pct: int = 20
    max_checks: int = 64
    alternative_shifts_s: tuple[int, ...] = (900, 1800, 3600)
    reoptimise_horizon_s: int = 4 * 3600
    hold_horizon_s: int = 2700
    hold_slack_s: int = 120
    timezone: str = "Europe/Berlin"
    rules: BookingRules = INSTANT
    fares: FareTable = DEFAULT_FARES

    def __post_init__(self) -> None:
        positive = {"pickup_window_s": self.pickup_window_s, "offer_validity_s": self.offer_validity_s,
                    "walk_limit_m": self.walk_limit_m, "max_checks": self.max_checks}
        for name, value in positive.items():
            if value <= 0:
                msg = f"dispatcher setting {name} must be positive, got {value}"
                raise ValueError(msg)
        non_negative = {"ride_beta_s": self.ride_beta_s, "stop_service_s": self.stop_service_s,
                        "wheelchair_service_s": self.wheelchair_service_s, "no_show_wait_s": self.no_show_wait_s,
                        "pickup_reserve_s": self.pickup_reserve_s, "hold_horizon_s": self.hold_horizon_s,
                        "hold_slack_s": self.hold_slack_s,
                        "wait_weight_pct": self.wait_weight_pct}
        for name, value in non_negative.items():
            if value < 0:
                msg = f"dispatcher setting {name} must not be negative, got {value}"
                raise ValueError(msg)
        if self.ride_alpha < 1.0:
            msg = f"dispatcher setting ride_alpha must be at least 1, got {self.ride_alpha}"
            raise ValueError(msg)

    def max_ride_s(self, direct_s: int) -> int:
        """Maximum ride time for a trip of ``direct_s`` seconds direct driving time."""
        return int(self.ride_alpha * direct_s) + self.ride_beta_s

    def service_s(self, wheelchairs: int) -> int:
        """Boarding or alighting time at a stop for a party with ``wheelchairs`` wheelchair users."""
        return self.stop_service_s + wheelchairs * self.wheelchair_service_s
