"""Demand parameters, as read from the ``[demand]`` table of a scenario file; every field has a sensible default.

Models are strict (unknown keys are errors) so a typo in a scenario file names the field instead of being ignored.
"""

from __future__ import annotations

import math
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

_HHMM = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


def _clock_minutes(value: str) -> str:
    match = _HHMM.match(value)
    if not match or int(match[1]) * 60 + int(match[2]) > 24 * 60:
        msg = f"must be a time of day HH:MM (00:00–24:00), got {value!r}"
        raise ValueError(msg)
    return value


ClockTime = Annotated[str, AfterValidator(_clock_minutes)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]


def minutes_of_day(value: str) -> int:
    """``"07:30"`` → 450."""
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Peak(_Strict):
    """A Gaussian peak of the time-of-day profile."""

    centre: ClockTime
    width_min: float = Field(gt=0, le=600, description="standard deviation (minutes)")
    weight: float = Field(ge=0)


class ProfileParams(_Strict):
    """When requests want to travel: a flat base over the service hours plus Gaussian peaks."""

    service_start: ClockTime = "06:00"
    service_end: ClockTime = "22:00"
    base_weight: float = Field(default=0.45, ge=0)
    peaks: tuple[Peak, ...] = (
        Peak(centre="07:15", width_min=50, weight=0.3),
        Peak(centre="15:30", width_min=80, weight=0.25),
    )
    outbound_share_before_noon: Share = 0.8
    outbound_share_after_noon: Share = 0.3

    @model_validator(mode="after")
    def _hours(self) -> ProfileParams:
        if minutes_of_day(self.service_end) <= minutes_of_day(self.service_start):
            msg = "service_end must be after service_start"
            raise ValueError(msg)
        if self.base_weight + sum(p.weight for p in self.peaks) <= 0:
            msg = "base_weight and peak weights must not all be zero"
            raise ValueError(msg)
        return self


class AttractorWeights(_Strict):
    """How many inhabitants' worth of trip attraction one attractor of each kind adds to its stop."""

    rail_station: float = Field(default=1500, ge=0)
    hospital: float = Field(default=2500, ge=0)
    school: float = Field(default=1200, ge=0)
    town_centre: float = Field(default=2000, ge=0)
    shopping: float = Field(default=2000, ge=0)
    county_office: float = Field(default=3000, ge=0)


class RiderParams(_Strict):
    """Who travels: party sizes, needs, how early they book, and how often plans change."""

    group_sizes: tuple[float, ...] = Field(default=(0.8, 0.14, 0.04, 0.02), min_length=1, max_length=8)
    wheelchair_share: Share = 0.03
    stroller_share: Share = 0.04
    prebooked_share: Share = 0.35
    prebook_lead_min: tuple[float, float] = (60.0, 1080.0)
    immediate_lead_min: tuple[float, float] = (0.0, 10.0)
    arrival_time_share: Share = 0.2
    cancel_share: Share = 0.04
    no_show_share: Share = 0.02

    @field_validator("group_sizes")
    @classmethod
    def _shares(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(p < 0 for p in value) or not math.isclose(sum(value), 1.0, abs_tol=1e-6):
            msg = "must be non-negative shares of parties of 1, 2, … persons that sum to 1"
            raise ValueError(msg)
        return value

    @field_validator("prebook_lead_min", "immediate_lead_min")
    @classmethod
    def _range(cls, value: tuple[float, float]) -> tuple[float, float]:
        if not 0 <= value[0] <= value[1]:
            msg = "must be [low, high] with 0 <= low <= high"
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _check(self) -> RiderParams:
        if self.cancel_share + self.no_show_share > 1:
            msg = "cancel_share + no_show_share must not exceed 1"
            raise ValueError(msg)
        return self


class DemandParams(_Strict):
    """The demand model: volume, the gravity model and the riders."""

    requests: int = Field(default=0, ge=0, description="fixed number of requests; 0 = from the per-capita rate")
    requests_per_1000_inhabitants: float = Field(default=5.5, gt=0, le=200)
    distance_decay_per_km: float = Field(default=0.12, ge=0, le=5)
    min_trip_distance_m: float = Field(default=1000, ge=0)
    village_share: Share = 0.3
    settlement_radius_m: float = Field(default=1500, gt=0)
    attractor_attach_m: float = Field(default=800, gt=0)
    data_dir: str = ""
    attractors: AttractorWeights = AttractorWeights()
    profile: ProfileParams = ProfileParams()
    riders: RiderParams = RiderParams()
