"""An independent check of the executed tours (what the vehicles really did), not of the plan.

Hard invariants (``Violation.promise`` false): capacity per load dimension, pickup before drop-off in the same
vehicle, consecutive visits at least the network's travel time apart, back at the depot by the end of the shift,
conservation (every boarding has its drop-off, every request has ended).
Promises (``Violation.promise`` true), the windows the solver's checker enforces on a plan: pickup begins inside
the promised window, arrival by the promised latest arrival, ride at most α·direct + β. Reality can break a
promise the plan kept — a driver waiting for a rider who does not come is late for the next ones — so promises
are counted as punctuality figures, while hard invariants must always hold. Every broken promise names its cause
when one outside the plan explains it (``Violation.cause``): a no-show wait earlier in the same tour, with no
waiting of the vehicle in between (a vehicle that waits at a stop is back on its plan). A broken promise without
such a cause is a defect of the plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from mobility.domain.fleet import Vehicle
from mobility.domain.ports import TravelTimes
from mobility.simulation.legs import visits_by_vehicle
from mobility.simulation.records import ExecutedVisit, Outcome, RunLog

SLACK = timedelta(seconds=1)  # rounding of planned times to whole seconds
PROMISES = frozenset({"window", "arrival", "ride"})


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken invariant or promise of the executed tours."""

    kind: str  # capacity | travel | order | window | arrival | ride | shift | pairing | conservation
    message: str
    cause: str = ""  # what outside the plan explains a broken promise (e.g. a no-show wait before it); "" = none

    @property
    def promise(self) -> bool:
        """Whether a promise to a rider was broken (rather than a hard invariant)."""
        return self.kind in PROMISES

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}" + (f" (after {self.cause})" if self.cause else "")


Causes = dict[tuple[str | None, str], str]  # (booking, action) -> what delayed the vehicle before that visit


def _causes(grouped: Mapping[str, Sequence[ExecutedVisit]]) -> Causes:
    """For every executed visit, the no-show wait that delayed its vehicle, if there was one since the vehicle
    last waited at a stop."""
    found: Causes = {}
    for vehicle_id, driven in grouped.items():
        since = ""
        for visit in driven:
            if visit.action == "no_show":
                since = f"a no-show wait for {visit.booking_id} ({vehicle_id}, {visit.departed_at:%H:%M:%S})"
                continue
            if since:
                found[visit.booking_id, visit.action] = since
            if visit.arrived_at < visit.window_earliest:
                since = ""  # the vehicle waited here: it was early, no delay carried on
    return found


def _begin(visit: ExecutedVisit) -> datetime:
    return max(visit.arrived_at, visit.window_earliest)


def _check_vehicle(
    vehicle: Vehicle, driven: Sequence[ExecutedVisit], depot: int, travel_times: TravelTimes, causes: Causes
) -> list[Violation]:
    problems: list[Violation] = []
    capacity = vehicle.type.capacity
    shift_start = min(s.start for s in vehicle.shifts)
    shift_end = max(s.end for s in vehicle.shifts)
    here, free_at = depot, shift_start
    for visit in driven:
        where = f"{vehicle.id} at {visit.stop.name} ({visit.arrived_at.isoformat()})"
        if not visit.load_after.fits_in(capacity):
            problems.append(Violation("capacity", f"{where}: load {visit.load_after.as_tuple()} exceeds "
                                                   f"capacity {capacity.as_tuple()}"))
        need = timedelta(seconds=travel_times.duration(here, visit.stop.index))
        if visit.arrived_at + SLACK < free_at + need:
            problems.append(Violation("travel", f"{where}: arrived before the drive from the previous stop could end"))
        if visit.departed_at < visit.arrived_at:
            problems.append(Violation("travel", f"{where}: left before it arrived"))
        if visit.action in {"boarded", "dropped_off"} and _begin(visit) > visit.window_latest + SLACK:
            problems.append(Violation("window", f"{where}: service began after its window "
                                                 f"({visit.window_latest.isoformat()})",
                                      causes.get((visit.booking_id, visit.action), "")))
        here, free_at = visit.stop.index, visit.departed_at
    if driven:
        back = free_at + timedelta(seconds=travel_times.duration(here, depot))
        if back > shift_end + SLACK:
            problems.append(Violation("shift", f"{vehicle.id}: back at the depot {back.isoformat()}, after the shift"))
    return problems


def _check_rides(log: RunLog, alpha: float, beta_s: float, causes: Causes) -> list[Violation]:
    problems: list[Violation] = []
    seen: dict[str, dict[str, ExecutedVisit]] = {}
    for visit in log.visits:
        if visit.booking_id is not None and visit.action in {"boarded", "dropped_off"}:
            seen.setdefault(visit.booking_id, {})[visit.action] = visit
    for booking_id, acts in seen.items():
        pickup, dropoff = acts.get("boarded"), acts.get("dropped_off")
        record = log.requests[booking_id]
        if pickup is None or dropoff is None:
            problems.append(Violation("pairing", f"{booking_id}: boarded {pickup is not None}, "
                                                  f"dropped off {dropoff is not None}"))
            continue
        if pickup.vehicle_id != dropoff.vehicle_id or dropoff.arrived_at < pickup.departed_at:
            problems.append(Violation("order", f"{booking_id}: drop-off not after the pickup in the same vehicle"))
        offer = record.offer
        at_pickup = causes.get((booking_id, "boarded"), "")
        cause = at_pickup or causes.get((booking_id, "dropped_off"), "")
        if offer is not None:
            if not offer.pickup_window.earliest - SLACK <= _begin(pickup) <= offer.pickup_window.latest + SLACK:
                window = f"{offer.pickup_window.earliest:%H:%M:%S}–{offer.pickup_window.latest:%H:%M:%S}"
                problems.append(Violation("window", f"{booking_id}: pickup at {_begin(pickup).isoformat()} "
                                                    f"outside the promised window {window} ({pickup.vehicle_id}, "
                                                    f"arrived {pickup.arrived_at:%H:%M:%S})", at_pickup))
            if _begin(dropoff) > offer.latest_arrival + SLACK:
                problems.append(Violation("arrival", f"{booking_id}: arrived after the promised latest arrival",
                                          cause))
        ride = (_begin(dropoff) - pickup.departed_at).total_seconds()
        if ride > alpha * record.direct_s + beta_s + 1:
            problems.append(Violation("ride", f"{booking_id}: ride {ride:.0f} s exceeds "
                                              f"{alpha}·{record.direct_s} + {beta_s:.0f} s", cause))
    return problems


def _check_conservation(log: RunLog) -> list[Violation]:
    problems = []
    boarded = sum(v.action == "boarded" for v in log.visits)
    alighted = sum(v.action == "dropped_off" for v in log.visits)
    if boarded != alighted:
        problems.append(Violation("conservation", f"{boarded} boardings but {alighted} drop-offs"))
    open_ = [r.id for r in log.requests.values() if r.outcome in {Outcome.PENDING, Outcome.CONFIRMED, Outcome.ON_BOARD}]
    if open_:
        problems.append(Violation("conservation", f"requests without an end: {', '.join(open_[:10])}"))
    return problems


def validate_run(
    log: RunLog,
    vehicles: Sequence[Vehicle],
    depot_index: Mapping[str, int],
    travel_times: TravelTimes,
    *,
    alpha: float,
    beta_s: float,
) -> list[Violation]:
    """Every violated invariant or promise of the executed tours (empty when all hold)."""
    grouped = visits_by_vehicle(log.visits)
    causes = _causes(grouped)
    problems: list[Violation] = []
    for vehicle in vehicles:
        problems += _check_vehicle(vehicle, grouped.get(vehicle.id, []), depot_index[vehicle.id], travel_times,
                                   causes)
    return problems + _check_rides(log, alpha, beta_s, causes) + _check_conservation(log)
