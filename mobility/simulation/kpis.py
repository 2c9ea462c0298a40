"""Key figures of a run — the union of what MATSim DRT and FleetPy report, plus fairness.

Definitions (also in docs/simulation.md):

* ``service_rate``: share of requests that got a booking; ``served_share``: share that were driven to the end;
  ``rejection_share``: share without an acceptable offer (no offer, or declined).
* wait: pickup (service begins) − wished departure, or − start of the offered pickup window for arrival requests.
* ride: leaving the pickup → reaching the drop-off stop; detour factor: ride / direct driving time.
* pooled share: served rides that shared the vehicle with another party at some moment.
* occupancy: passenger-km / vehicle-km; empty-km share: km driven with nobody on board / vehicle-km.
* vehicle hours: the fleet's shift hours; passengers per vehicle-hour: served passengers / vehicle hours.
* cost: vehicle hours × €/h + vehicle-km × €/km; CO₂: vehicle-km × the type's g/km.
* refusals: requests without a booking per reason; short-notice share: refused for too short notice / requests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from mobility.domain.fleet import Vehicle
from mobility.simulation.legs import Leg
from mobility.simulation.records import Outcome, RequestRecord, RunLog
from mobility.simulation.scenario import CostParams


def _stats(values: Sequence[float], prefix: str) -> dict[str, float]:
    if not values:
        return {f"{prefix}_mean": 0.0, f"{prefix}_p50": 0.0, f"{prefix}_p95": 0.0}
    arr = np.asarray(values, dtype=np.float64)
    return {
        f"{prefix}_mean": round(float(arr.mean()), 2),
        f"{prefix}_p50": round(float(np.percentile(arr, 50)), 2),
        f"{prefix}_p95": round(float(np.percentile(arr, 95)), 2),
    }


def wait_s(record: RequestRecord) -> float:
    """Seconds from the wished departure (or, for arrival requests, the offered window's start) to the pickup."""
    assert record.pickup_at is not None
    if record.by_arrival and record.offer is not None:
        start = record.offer.pickup_window.earliest
    else:
        start = record.wished_time
    return max(0.0, (record.pickup_at - start).total_seconds())


def ride_s(record: RequestRecord) -> float:
    """Seconds from leaving the pickup to reaching the drop-off stop."""
    assert record.boarded_at is not None
    assert record.arrived_at is not None
    return (record.arrived_at - record.boarded_at).total_seconds()


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def rates(records: Iterable[RequestRecord]) -> dict[str, float]:
    """Requests, bookings, served rides and the service rate of a group of requests."""
    group = list(records)
    booked = sum(r.offer is not None for r in group)
    served = sum(r.outcome == Outcome.SERVED for r in group)
    return {"requests": len(group), "booked": booked, "served": served, "service_rate": _share(booked, len(group))}


def _refusals(records: Sequence[RequestRecord]) -> dict[str, Any]:
    """Why requests got no booking: count per reason (``declined`` when the rider turned the offer down), and the
    share refused for too short notice (a flat figure, so sweeps keep it)."""
    refused = [r for r in records if r.outcome in {Outcome.REJECTED, Outcome.DECLINED}]
    reasons: dict[str, int] = {}
    for r in refused:
        reasons[r.rejection_reason or r.outcome.value] = reasons.get(r.rejection_reason or r.outcome.value, 0) + 1
    return {"refusals": dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
            "short_notice_share": _share(reasons.get("too_short_notice", 0), len(records))}


def _fairness(records: Sequence[RequestRecord]) -> dict[str, Any]:
    by_muni: dict[str, list[RequestRecord]] = {}
    for r in records:
        by_muni.setdefault(r.origin_municipality, []).append(r)
    return {
        "service_rate_by_municipality": {m: rates(rs) for m, rs in sorted(by_muni.items())},
        "service_rate_wheelchair": rates(r for r in records if r.wheelchairs > 0),
        "service_rate_others": rates(r for r in records if r.wheelchairs == 0),
    }


def _fleet(legs: Sequence[Leg], vehicles: Sequence[Vehicle], costs: CostParams, served_pax: int) -> dict[str, float]:
    vkm = sum(leg.distance_m for leg in legs) / 1000
    pkm = sum(leg.distance_m * leg.passengers for leg in legs) / 1000
    empty = sum(leg.distance_m for leg in legs if leg.passengers == 0) / 1000
    co2 = {v.id: v.type.co2_g_per_km for v in vehicles}
    co2_kg = sum(leg.distance_m * co2.get(leg.vehicle_id, 0) for leg in legs) / 1e6
    hours = sum((s.end - s.start).total_seconds() for v in vehicles for s in v.shifts) / 3600
    used = len({leg.vehicle_id for leg in legs})
    cost = hours * costs.vehicle_hour_eur + vkm * costs.km_eur
    return {
        "vehicles": len(vehicles),
        "vehicles_used": used,
        "vehicle_hours": round(hours, 2),
        "driving_hours": round(sum(leg.duration_s for leg in legs) / 3600, 2),
        "vehicle_km": round(vkm, 2),
        "passenger_km": round(pkm, 2),
        "occupancy": round(pkm / vkm, 3) if vkm else 0.0,
        "empty_km_share": round(empty / vkm, 4) if vkm else 0.0,
        "passengers_per_vehicle_hour": round(served_pax / hours, 3) if hours else 0.0,
        "co2_kg": round(co2_kg, 2),
        "co2_g_per_passenger_km": round(co2_kg * 1000 / pkm, 1) if pkm else 0.0,
        "cost_eur": round(cost, 2),
        "cost_per_passenger_eur": round(cost / served_pax, 2) if served_pax else 0.0,
    }


def compute_kpis(log: RunLog, legs: Sequence[Leg], vehicles: Sequence[Vehicle], costs: CostParams) -> dict[str, Any]:
    """All key figures of a run as a JSON-ready dict."""
    records = list(log.requests.values())
    served = [r for r in records if r.outcome == Outcome.SERVED]
    count = {o.value: sum(r.outcome == o for r in records) for o in Outcome}
    served_pax = sum(r.passengers for r in served)
    boarded = sum(1 for v in log.visits if v.action == "boarded")
    alighted = sum(1 for v in log.visits if v.action == "dropped_off")
    out: dict[str, Any] = {
        "requests": len(records),
        "passengers_requested": sum(r.passengers for r in records),
        "outcomes": {k: v for k, v in count.items() if k not in {"pending", "confirmed", "on_board"}},
        "booked": sum(r.offer is not None for r in records),
        "service_rate": _share(sum(r.offer is not None for r in records), len(records)),
        "served_share": _share(len(served), len(records)),
        "rejection_share": _share(count["rejected"] + count["declined"], len(records)),
        "passengers_served": served_pax,
        "boardings": boarded,
        "alightings": alighted,
        "pooled_share": _share(sum(r.pooled for r in served), len(served)),
        **_stats([wait_s(r) / 60 for r in served], "wait_min"),
        **_stats([ride_s(r) / 60 for r in served], "ride_min"),
        **_stats([ride_s(r) / r.direct_s for r in served if r.direct_s > 0], "detour_factor"),
        "direct_km_mean": round(float(np.mean([r.direct_m for r in served])) / 1000, 2) if served else 0.0,
        **_fleet(legs, vehicles, costs, served_pax),
        "reoptimisations": log.reoptimisations,
        "reoptimisations_improved": log.reoptimisations_improved,
        "batch_plan_rides": sum(b.rides for b in log.batch_plans),
        "batch_plan_km_before": round(sum(b.distance_before_m for b in log.batch_plans) / 1000, 1),
        "batch_plan_km_after": round(sum(b.distance_after_m for b in log.batch_plans) / 1000, 1),
        "anomalies": len(log.anomalies),
        **_refusals(records),
    }
    out.update(_fairness(records))
    return out
