"""Independent solution checker: recomputes everything from the problem and the planned routes in floats.

It shares no code with the solver (no compiled problem, no tightened windows, no schedule routine): it reads
the original requests and vehicles, replays each route with the exact travel times (``ExactTravel``, e.g.
unrounded Euclidean distances, or the problem's integer matrix) and reports every broken rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Protocol

from routing.darp.solution import VisitKind

if TYPE_CHECKING:
    from routing.darp.problem import DarpProblem, Request, Vehicle
    from routing.darp.solution import Route, Solution, Visit

EPS = 1e-6


class ExactTravel(Protocol):
    """Exact (unrounded) travel time and distance between locations, in the problem's units."""

    def exact_duration(self, origin: int, destination: int) -> float:
        """Travel time (seconds, may be fractional)."""
        ...

    def exact_distance(self, origin: int, destination: int) -> float:
        """Distance (metres, may be fractional)."""
        ...


@dataclass(frozen=True)
class _MatrixExact:
    problem: DarpProblem

    def exact_duration(self, origin: int, destination: int) -> float:
        return float(self.problem.travel.duration(origin, destination))

    def exact_distance(self, origin: int, destination: int) -> float:
        return float(self.problem.travel.distance(origin, destination))


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: ``kind`` (e.g. ``capacity``), the request or vehicle it concerns, and a message."""

    kind: str
    subject: str
    message: str


@dataclass(frozen=True, slots=True)
class Measures:
    """Figures recomputed from the routes: exact distance, vehicles used, requests served and rejected."""

    distance: float
    vehicles: int
    served: int
    rejected: int


def measure(problem: DarpProblem, solution: Solution, exact: ExactTravel | None = None) -> Measures:
    """Recompute the driven distance (floats) and counts of ``solution``."""
    travel = exact or _MatrixExact(problem)
    vehicles = {v.id: v for v in problem.vehicles}
    distance = 0.0
    for route in solution.routes:
        if route.visits:
            locs = [vehicles[route.vehicle_id].start, *(x.location for x in route.visits),
                    vehicles[route.vehicle_id].end]
            distance += sum(travel.exact_distance(a, b) for a, b in pairwise(locs))
    used = sum(1 for r in solution.routes if r.visits)
    served = sum(1 for r in solution.routes for x in r.visits if x.kind is VisitKind.DROPOFF)
    return Measures(distance, used, served, len(solution.rejected))


def check(problem: DarpProblem, solution: Solution, exact: ExactTravel | None = None) -> list[Violation]:
    """Every violated rule of ``solution`` (empty if it is a valid plan for ``problem``)."""
    travel = exact or _MatrixExact(problem)
    requests = {r.id: r for r in problem.requests}
    vehicles = {v.id: v for v in problem.vehicles}
    out: list[Violation] = []
    seen_vehicles: set[str] = set()
    visits: dict[tuple[str, VisitKind], int] = {}
    for route in solution.routes:
        if route.vehicle_id not in vehicles or route.vehicle_id in seen_vehicles:
            out.append(Violation("vehicle", route.vehicle_id, "unknown or repeated vehicle"))
            continue
        seen_vehicles.add(route.vehicle_id)
        for x in route.visits:
            key = (x.request_id, x.kind)
            visits[key] = visits.get(key, 0) + 1
        out += _check_route(problem, requests, vehicles[route.vehicle_id], route, travel)
    out += _check_coverage(problem, solution, visits)
    return out


def _check_coverage(
    problem: DarpProblem, solution: Solution, visits: dict[tuple[str, VisitKind], int]
) -> list[Violation]:
    out = []
    rejected = set(solution.rejected)
    for r in problem.requests:
        n_pick, n_drop = visits.get((r.id, VisitKind.PICKUP), 0), visits.get((r.id, VisitKind.DROPOFF), 0)
        want_pick = 0 if r.onboard is not None else n_drop
        if n_drop > 1 or n_pick != want_pick:
            out.append(Violation("pairing", r.id, f"{n_pick} pickups and {n_drop} drop-offs planned"))
        if n_drop == 0 and r.must_serve:
            out.append(Violation("confirmed", r.id, "confirmed request is not served"))
        if n_drop == 0 and not r.must_serve and r.id not in rejected:
            out.append(Violation("pairing", r.id, "neither served nor rejected"))
        if n_drop > 0 and r.id in rejected:
            out.append(Violation("pairing", r.id, "served and rejected"))
    known = {r.id for r in problem.requests}
    out += [Violation("unknown", rid, "unknown request") for rid in {k for k, _ in visits} - known]
    return out


def _check_route(
    problem: DarpProblem, requests: dict[str, Request], vehicle: Vehicle, route: Route, travel: ExactTravel
) -> list[Violation]:
    out: list[Violation] = []
    vid = vehicle.id
    load = [0] * len(vehicle.capacity)
    for onboard in problem.requests:
        if onboard.onboard == vid:
            load = [a + b for a, b in zip(load, onboard.load, strict=True)]
    picked: dict[str, int] = {}
    if route.departure_s < vehicle.shift.earliest:
        out.append(Violation("shift", vid, f"departs at {route.departure_s} before the shift"))
    if route.visits and vehicle.fixed_next is not None and route.visits[0].request_id != vehicle.fixed_next:
        out.append(Violation("fixed_next", vid, f"first stop is not request {vehicle.fixed_next!r}"))
    prev_loc, ready = vehicle.start, float(route.departure_s)
    gaps: list[tuple[float, float, float]] = []  # (free from, until, travel time) between stops
    for x in route.visits:
        r = requests.get(x.request_id)
        if r is None:
            continue
        leg = travel.exact_duration(prev_loc, x.location)
        gaps.append((ready, float(x.start_s), leg))
        if x.start_s + EPS < ready + leg:
            out.append(Violation("travel", r.id, f"{x.kind} at {x.start_s} is reached at {ready + leg:.3f} at best"))
        out += _check_visit(problem, r, vehicle, x, picked)
        load = [a + (b if x.kind is VisitKind.PICKUP else -b) for a, b in zip(load, r.load, strict=True)]
        if any(a > c or a < 0 for a, c in zip(load, vehicle.capacity, strict=True)):
            out.append(Violation("capacity", r.id, f"load {tuple(load)} exceeds {vehicle.capacity} on {vid!r}"))
        if tuple(load) != x.load_after:
            out.append(Violation("capacity", r.id, f"planned load {x.load_after} differs from {tuple(load)}"))
        service = r.pickup_service_s if x.kind is VisitKind.PICKUP else r.dropoff_service_s
        prev_loc, ready = x.location, float(x.start_s + service)
    leg = travel.exact_duration(prev_loc, vehicle.end) if route.visits else 0.0
    gaps.append((ready, float(route.arrival_s), leg))
    if route.arrival_s + EPS < ready + leg:
        out.append(Violation("travel", vid, f"arrives at {route.arrival_s}, reachable at {ready + leg:.3f} at best"))
    if route.arrival_s > vehicle.shift.latest:
        out.append(Violation("shift", vid, f"arrives at {route.arrival_s} after the shift ends"))
    duration = route.arrival_s - route.departure_s
    if vehicle.max_duration_s is not None and duration > vehicle.max_duration_s:
        out.append(Violation("duration", vid, f"route lasts {duration} s > {vehicle.max_duration_s} s"))
    out += _check_breaks(vehicle, route, gaps)
    return out


def _check_visit(
    problem: DarpProblem, r: Request, vehicle: Vehicle, x: Visit, picked: dict[str, int]
) -> list[Violation]:
    out = []
    if not r.skills <= vehicle.skills:
        out.append(Violation("skill", r.id, f"needs {sorted(r.skills)}, vehicle {vehicle.id!r} lacks them"))
    if r.onboard is not None and r.onboard != vehicle.id:
        out.append(Violation("onboard", r.id, f"on board of {r.onboard!r} but dropped by {vehicle.id!r}"))
    if x.kind is VisitKind.PICKUP:
        window, location = r.pickup_window, r.pickup
        picked[r.id] = x.start_s
    else:
        window, location = r.dropoff_window, r.dropoff
        began = picked.get(r.id, r.picked_up_at)
        if began is None:
            out.append(Violation("precedence", r.id, "dropped off before being picked up"))
        elif x.start_s - began - r.pickup_service_s > problem.max_ride(r):
            ride = x.start_s - began - r.pickup_service_s
            out.append(Violation("ride_time", r.id, f"rides {ride} s > {problem.max_ride(r)} s"))
    if x.location != location:
        out.append(Violation("location", r.id, f"{x.kind} at location {x.location}, expected {location}"))
    if not window.earliest <= x.start_s <= window.latest:
        out.append(Violation("window", r.id, f"{x.kind} at {x.start_s} outside {window}"))
    return out


def _check_breaks(vehicle: Vehicle, route: Route, gaps: list[tuple[float, float, float]]) -> list[Violation]:
    out = []
    if len(route.break_starts_s) != len(vehicle.breaks):
        return [Violation("break", vehicle.id, f"{len(route.break_starts_s)} breaks planned, "
                                               f"{len(vehicle.breaks)} required")]
    needed = [0.0] * len(gaps)
    for brk, start in zip(vehicle.breaks, route.break_starts_s, strict=True):
        if not brk.earliest_start <= start <= brk.latest_start:
            out.append(Violation("break", vehicle.id, f"break at {start} outside its window"))
        end = start + brk.duration_s
        if start >= route.arrival_s or end <= route.departure_s:
            continue  # before the route starts or after it ends
        inside = [k for k, (a, b, _) in enumerate(gaps) if a - EPS <= start and end <= b + EPS]
        if not inside:
            out.append(Violation("break", vehicle.id, f"break at {start} overlaps a stop"))
        else:
            needed[inside[0]] += brk.duration_s
    for (a, b, leg), pause in zip(gaps, needed, strict=True):
        if pause and b - a + EPS < leg + pause:
            out.append(Violation("break", vehicle.id, f"no time for travel and a {pause} s break in [{a}, {b}]"))
    return out
