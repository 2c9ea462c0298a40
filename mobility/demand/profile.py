"""The time-of-day profile: a flat base over the service hours plus Gaussian morning and afternoon peaks."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mobility.demand.params import ProfileParams, minutes_of_day


def profile_density(params: ProfileParams, minutes: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Relative request density at each minute of the day (zero outside the service hours; not normalised)."""
    start, end = minutes_of_day(params.service_start), minutes_of_day(params.service_end)
    inside = (minutes >= start) & (minutes < end)
    density = np.full(minutes.shape, params.base_weight / (end - start))
    for peak in params.peaks:
        mu = minutes_of_day(peak.centre)
        density += peak.weight * np.exp(-0.5 * ((minutes - mu) / peak.width_min) ** 2) / (
            peak.width_min * np.sqrt(2 * np.pi)
        )
    out: npt.NDArray[np.float64] = np.where(inside, density, 0.0)
    return out


def sample_minutes(params: ProfileParams, count: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """``count`` desired travel times (minutes after midnight, fractional) drawn from the profile."""
    start, end = minutes_of_day(params.service_start), minutes_of_day(params.service_end)
    grid = np.arange(start, end, dtype=np.float64)
    weights = profile_density(params, grid + 0.5)
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    picks = np.searchsorted(cdf, rng.random(count), side="right")
    out: npt.NDArray[np.float64] = grid[np.minimum(picks, len(grid) - 1)] + rng.random(count)
    return out
