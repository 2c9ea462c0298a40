"""An independent check of the executed tours (what the vehicles really did), not of the plan.

Invariants, the same the solver's checker enforces on a plan: capacity per load dimension, pickup before drop-off
in the same vehicle, pickup begins inside the promised window, arrival by the promised latest arrival, ride time at
most α·direct + β, consecutive visits at least the network's travel time apart, shifts kept; and conservation:
every boarding has its drop-off, nobody stays on board.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from mobility.domain.fleet import Vehicle
from mobility.domain.ports import TravelTimes
from mobility.simulation.legs import visits_by_vehicle
from mobility.simulation.records import ExecutedVisit, Outcome, RunLog

SLACK = timedelta(seconds=1)  # rounding of planned times to whole seconds


def _begin(visit: ExecutedVisit) -> datetime:
    return max(visit.arrived_at, visit.window_earliest)


def _check_vehicle(
    vehicle: Vehicle, driven: Sequence[ExecutedVisit], depot: int, travel_times: TravelTimes
) -> list[str]:
    problems: list[str] = []
    capacity = vehicle.type.capacity
    shift_start = min(s.start for s in vehicle.shifts)
    shift_end = max(s.end for s in vehicle.shifts)
    here, free_at = depot, shift_start
    for visit in driven:
        where = f"{vehicle.id} at {visit.stop.name} ({visit.arrived_at.isoformat()})"
        if not visit.load_after.fits_in(capacity):
            problems.append(f"{where}: load {visit.load_after.as_tuple()} exceeds capacity {capacity.as_tuple()}")
        need = timedelta(seconds=travel_times.duration(here, visit.stop.index))
        if visit.arrived_at + SLACK < free_at + need:
            problems.append(f"{where}: arrived before the drive from the previous stop could end")
        if visit.departed_at < visit.arrived_at:
            problems.append(f"{where}: left before it arrived")
        if visit.action in {"boarded", "dropped_off"} and _begin(visit) > visit.window_latest + SLACK:
            problems.append(f"{where}: service began after its window ({visit.window_latest.isoformat()})")
        here, free_at = visit.stop.index, visit.departed_at
    if driven:
        back = free_at + timedelta(seconds=travel_times.duration(here, depot))
        if back > shift_end + SLACK:
            problems.append(f"{vehicle.id}: back at the depot {back.isoformat()}, after the shift ends")
    return problems


def _check_rides(log: RunLog, alpha: float, beta_s: float) -> list[str]:
    problems: list[str] = []
    seen: dict[str, dict[str, ExecutedVisit]] = {}
    for visit in log.visits:
        if visit.booking_id is not None and visit.action in {"boarded", "dropped_off"}:
            seen.setdefault(visit.booking_id, {})[visit.action] = visit
    for booking_id, acts in seen.items():
        pickup, dropoff = acts.get("boarded"), acts.get("dropped_off")
        record = log.requests[booking_id]
        if pickup is None or dropoff is None:
            problems.append(f"{booking_id}: boarded {pickup is not None}, dropped off {dropoff is not None}")
            continue
        if pickup.vehicle_id != dropoff.vehicle_id or dropoff.arrived_at < pickup.departed_at:
            problems.append(f"{booking_id}: drop-off not after the pickup in the same vehicle")
        offer = record.offer
        if offer is not None:
            if not offer.pickup_window.earliest - SLACK <= _begin(pickup) <= offer.pickup_window.latest + SLACK:
                problems.append(f"{booking_id}: pickup at {_begin(pickup).isoformat()} outside the promised window")
            if _begin(dropoff) > offer.latest_arrival + SLACK:
                problems.append(f"{booking_id}: arrived after the promised latest arrival")
        ride = (_begin(dropoff) - pickup.departed_at).total_seconds()
        if ride > alpha * record.direct_s + beta_s + 1:
            problems.append(f"{booking_id}: ride {ride:.0f} s exceeds {alpha}·{record.direct_s} + {beta_s:.0f} s")
    return problems


def _check_conservation(log: RunLog) -> list[str]:
    problems = []
    boarded = sum(v.action == "boarded" for v in log.visits)
    alighted = sum(v.action == "dropped_off" for v in log.visits)
    if boarded != alighted:
        problems.append(f"{boarded} boardings but {alighted} drop-offs")
    open_ = [r.id for r in log.requests.values() if r.outcome in {Outcome.PENDING, Outcome.CONFIRMED, Outcome.ON_BOARD}]
    if open_:
        problems.append(f"requests without an end: {', '.join(open_[:10])}")
    return problems


def validate_run(
    log: RunLog,
    vehicles: Sequence[Vehicle],
    depot_index: Mapping[str, int],
    travel_times: TravelTimes,
    *,
    alpha: float,
    beta_s: float,
) -> list[str]:
    """Every violated invariant of the executed tours (empty when all hold)."""
    grouped = visits_by_vehicle(log.visits)
    problems: list[str] = []
    for vehicle in vehicles:
        problems += _check_vehicle(vehicle, grouped.get(vehicle.id, []), depot_index[vehicle.id], travel_times)
    return problems + _check_rides(log, alpha, beta_s) + _check_conservation(log)
