"""Synthetic ride requests for one day: gravity-model origins and destinations, times, parties and behaviour.

The model (documented in docs/simulation.md):

* Outbound trips (home → activity) go from stop ``i`` to stop ``j`` with probability
  ``∝ residents[i] · attraction[j] · exp(-decay · d_ij)`` for straight-line distances ``d_ij ≥ min_trip_distance_m``;
  return trips are the transposed model (activity → home).
* The desired time follows the time-of-day profile; a trip before noon is outbound with probability
  ``outbound_share_before_noon``, after noon with ``outbound_share_after_noon``.
* Parties, wheelchairs, strollers, pre-booking lead times, arrival-time requests, cancellations and no-shows are
  drawn with the shares of ``[demand.riders]``. Everything is drawn from one seeded ``numpy`` Generator.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from mobility.demand.params import DemandParams
from mobility.demand.profile import sample_minutes
from mobility.demand.zones import Zones, distance_matrix_m
from mobility.domain.rides import RideRequest

NOON_MIN = 12 * 60
CIRCUITY = 1.3  # road / straight-line distance, for the rider's own estimate of the ride
RIDER_SPEED_KMH = 45.0


@dataclass(frozen=True, slots=True)
class SyntheticRequest:
    """A generated request with what the rider will do later (cancel at a time, not show up)."""

    request: RideRequest
    origin_municipality: str
    destination_municipality: str
    prebooked: bool
    outbound: bool
    cancel_at: datetime | None = None
    no_show: bool = False


def request_count(params: DemandParams, population: int) -> int:
    """The number of requests of the day: fixed, or from the per-capita rate."""
    if params.requests > 0:
        return params.requests
    return round(params.requests_per_1000_inhabitants * population / 1000)


def od_weights(zones: Zones, params: DemandParams) -> npt.NDArray[np.float64]:
    """Outbound origin-destination weights (residents × attraction × distance decay), zero on the diagonal."""
    d = distance_matrix_m([s.point for s in zones.stops], [s.point for s in zones.stops])
    w = zones.residents[:, None] * zones.attraction[None, :] * np.exp(-params.distance_decay_per_km * d / 1000.0)
    w[d < max(params.min_trip_distance_m, 1.0)] = 0.0
    if w.sum() <= 0:
        msg = "no pair of stops is far enough apart for a trip (min_trip_distance_m)"
        raise ValueError(msg)
    out: npt.NDArray[np.float64] = w
    return out


def _sample_pairs(weights: npt.NDArray[np.float64], count: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
    cdf = np.cumsum(weights.ravel())
    cdf /= cdf[-1]
    flat = np.minimum(np.searchsorted(cdf, rng.random(count), side="right"), cdf.size - 1)
    out: npt.NDArray[np.int64] = flat.astype(np.int64)
    return out


@dataclass(frozen=True, slots=True)
class _Draws:
    minutes: npt.NDArray[np.float64]
    outbound: npt.NDArray[np.bool_]
    origin: npt.NDArray[np.int64]
    destination: npt.NDArray[np.int64]
    party: npt.NDArray[np.int64]
    wheelchair: npt.NDArray[np.bool_]
    stroller: npt.NDArray[np.bool_]
    prebooked: npt.NDArray[np.bool_]
    arrival: npt.NDArray[np.bool_]
    lead_min: npt.NDArray[np.float64]
    fate: npt.NDArray[np.float64]
    cancel_fraction: npt.NDArray[np.float64]


def _draw(zones: Zones, params: DemandParams, count: int, rng: np.random.Generator) -> _Draws:
    riders, profile = params.riders, params.profile
    minutes = np.sort(sample_minutes(profile, count, rng))
    share = np.where(minutes < NOON_MIN, profile.outbound_share_before_noon, profile.outbound_share_after_noon)
    outbound = rng.random(count) < share
    n = len(zones.stops)
    flat = _sample_pairs(od_weights(zones, params), count, rng)
    first, second = flat // n, flat % n  # outbound: home → activity; return trips swap them
    origin = np.where(outbound, first, second)
    destination = np.where(outbound, second, first)
    party = rng.choice(np.arange(1, len(riders.group_sizes) + 1), size=count, p=np.array(riders.group_sizes))
    prebooked = rng.random(count) < riders.prebooked_share
    low = np.where(prebooked, riders.prebook_lead_min[0], riders.immediate_lead_min[0])
    high = np.where(prebooked, riders.prebook_lead_min[1], riders.immediate_lead_min[1])
    return _Draws(
        minutes=minutes,
        outbound=outbound,
        origin=origin,
        destination=destination,
        party=party.astype(np.int64),
        wheelchair=rng.random(count) < riders.wheelchair_share,
        stroller=rng.random(count) < riders.stroller_share,
        prebooked=prebooked,
        arrival=rng.random(count) < riders.arrival_time_share,
        lead_min=low + (high - low) * rng.random(count),
        fate=rng.random(count),
        cancel_fraction=rng.random(count),
    )


def generate_requests(
    zones: Zones, params: DemandParams, day: date, tz: ZoneInfo, seed: int
) -> list[SyntheticRequest]:
    """The requests of ``day`` (local time ``tz``), sorted by submission time; same seed → same requests."""
    rng = np.random.default_rng(seed)
    count = request_count(params, zones.population)
    if count == 0:
        return []
    draws = _draw(zones, params, count, rng)
    midnight = datetime.combine(day, time(0), tzinfo=tz)
    dist = distance_matrix_m([s.point for s in zones.stops], [s.point for s in zones.stops])
    out = [_one(zones, params, draws, k, midnight=midnight, dist=dist) for k in range(count)]
    out.sort(key=lambda r: (r.request.submitted_at, r.request.requested_time))
    return [_renumber(r, k) for k, r in enumerate(out, start=1)]


def _one(
    zones: Zones, params: DemandParams, draws: _Draws, k: int, *, midnight: datetime, dist: npt.NDArray[np.float64]
) -> SyntheticRequest:
    o, d = int(draws.origin[k]), int(draws.destination[k])
    when = midnight + timedelta(seconds=round(float(draws.minutes[k]) * 60))
    est_ride = timedelta(hours=float(dist[o, d]) * CIRCUITY / 1000.0 / RIDER_SPEED_KMH, minutes=5)
    lead = timedelta(minutes=float(draws.lead_min[k]))
    arrival = bool(draws.arrival[k])
    submitted = ((when - est_ride - lead) if arrival else (when - lead)).replace(microsecond=0)
    party = int(draws.party[k])
    origin, destination = zones.stops[o], zones.stops[d]
    request = RideRequest(
        id=f"k{k}",
        customer_id=f"k{k}",
        origin=origin.point,
        destination=destination.point,
        submitted_at=submitted,
        departure=None if arrival else when,
        arrival=when if arrival else None,
        passengers=party,
        wheelchairs=1 if draws.wheelchair[k] else 0,
        strollers=1 if draws.stroller[k] else 0,
        origin_stop_id=origin.id,
        destination_stop_id=destination.id,
    )
    riders = params.riders
    fate = float(draws.fate[k])
    cancel_at = None
    if fate < riders.cancel_share:
        pickup_guess = (when - est_ride) if arrival else when
        cancel_at = (submitted + (pickup_guess - submitted) * float(draws.cancel_fraction[k])).replace(microsecond=0)
    return SyntheticRequest(
        request=request,
        origin_municipality=zones.municipalities[int(zones.municipality_of[o])].short_name,
        destination_municipality=zones.municipalities[int(zones.municipality_of[d])].short_name,
        prebooked=bool(draws.prebooked[k]),
        outbound=bool(draws.outbound[k]),
        cancel_at=cancel_at,
        no_show=riders.cancel_share <= fate < riders.cancel_share + riders.no_show_share,
    )


def _renumber(item: SyntheticRequest, k: int) -> SyntheticRequest:
    request = replace(item.request, id=f"r{k:05d}", customer_id=f"sim-{k:05d}")
    return replace(item, request=request)
