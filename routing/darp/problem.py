"""Frozen, validated problem data for the dial-a-ride solver.

All times are integer seconds since a common reference (e.g. midnight of the service day), all distances
integer metres, all loads integer counts per load dimension (e.g. seats, wheelchair places, luggage).
Benchmark readers scale their floating-point data into these integers; see :mod:`routing.darp.readers`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from routing.darp.errors import ProblemError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from mobility.domain.ports import TravelTimes

#: Open upper bound for windows and shifts that are not given (seconds, about 68 years).
HORIZON = 2**31 - 1


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Closed interval ``[earliest, latest]`` for the start of service (seconds)."""

    earliest: int = 0
    latest: int = HORIZON

    def __post_init__(self) -> None:
        if self.earliest < 0:
            msg = f"time window earliest={self.earliest} is negative"
            raise ProblemError(msg)
        if self.latest < self.earliest:
            msg = f"time window latest={self.latest} is before earliest={self.earliest}"
            raise ProblemError(msg)


@dataclass(frozen=True, slots=True)
class RideTimeRule:
    """Maximum ride time ``alpha * direct + beta`` (MATSim DRT), used where a request sets no absolute limit."""

    alpha: float = 1.5
    beta_s: int = 600

    def __post_init__(self) -> None:
        if self.alpha < 1.0 or self.beta_s < 0:
            msg = f"ride time rule needs alpha >= 1 and beta_s >= 0, got alpha={self.alpha}, beta_s={self.beta_s}"
            raise ProblemError(msg)

    def limit(self, direct_s: int) -> int:
        """Maximum ride time (seconds) for a trip whose direct driving time is ``direct_s``."""
        return int(self.alpha * direct_s) + self.beta_s


@dataclass(frozen=True, slots=True)
class Request:
    """One booking: carry ``load`` from location ``pickup`` to location ``dropoff``.

    ``onboard`` names the vehicle a passenger already sits in (the pickup is done, only the drop-off is
    planned, pinned to that vehicle); ``picked_up_at`` is then the time the pickup service began.
    ``must_serve`` marks confirmed requests: never rejected, solving fails loudly if they cannot be served.
    ``max_ride_s`` is the absolute ride-time limit (from end of pickup service to start of drop-off service);
    ``None`` uses the problem's :class:`RideTimeRule`. ``skills`` must all be offered by the vehicle.
    """

    id: str
    pickup: int
    dropoff: int
    load: tuple[int, ...]
    pickup_window: TimeWindow = field(default_factory=TimeWindow)
    dropoff_window: TimeWindow = field(default_factory=TimeWindow)
    pickup_service_s: int = 0
    dropoff_service_s: int = 0
    max_ride_s: int | None = None
    must_serve: bool = False
    reject_penalty: int | None = None
    onboard: str | None = None
    picked_up_at: int | None = None
    skills: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        where = f"request {self.id!r}"
        if not self.load or any(q < 0 for q in self.load):
            msg = f"{where}: load {self.load} must be a non-empty tuple of non-negative integers"
            raise ProblemError(msg)
        if self.pickup_service_s < 0 or self.dropoff_service_s < 0:
            msg = f"{where}: service times must not be negative"
            raise ProblemError(msg)
        if self.max_ride_s is not None and self.max_ride_s < 0:
            msg = f"{where}: max_ride_s={self.max_ride_s} is negative"
            raise ProblemError(msg)
        if self.reject_penalty is not None and self.reject_penalty < 0:
            msg = f"{where}: reject_penalty={self.reject_penalty} is negative"
            raise ProblemError(msg)
        if (self.onboard is None) != (self.picked_up_at is None):
            msg = f"{where}: onboard and picked_up_at must be given together"
            raise ProblemError(msg)
        if self.onboard is not None and not self.must_serve:
            msg = f"{where}: a passenger on board must be served (must_serve=True)"
            raise ProblemError(msg)


@dataclass(frozen=True, slots=True)
class Break:
    """A driver break of ``duration_s`` that must start within ``[earliest_start, latest_start]``."""

    earliest_start: int
    latest_start: int
    duration_s: int

    def __post_init__(self) -> None:
        if self.duration_s <= 0 or self.earliest_start < 0 or self.latest_start < self.earliest_start:
            msg = f"break {self} needs duration_s > 0 and 0 <= earliest_start <= latest_start"
            raise ProblemError(msg)


@dataclass(frozen=True, slots=True)
class Vehicle:
    """One vehicle with its capacity per load dimension, depots, shift and skills.

    ``start`` may be the vehicle's current position in a live plan (then ``shift.earliest`` is "now").
    ``fixed_next`` pins the vehicle's next stop: the id of a request whose next stop (pickup, or drop-off if
    the passenger is on board) must be the first stop of the route.
    """

    id: str
    capacity: tuple[int, ...]
    start: int
    end: int
    shift: TimeWindow = field(default_factory=TimeWindow)
    max_duration_s: int | None = None
    breaks: tuple[Break, ...] = ()
    skills: frozenset[str] = frozenset()
    fixed_next: str | None = None
    fixed_cost: int | None = None

    def __post_init__(self) -> None:
        where = f"vehicle {self.id!r}"
        if not self.capacity or any(q < 0 for q in self.capacity):
            msg = f"{where}: capacity {self.capacity} must be a non-empty tuple of non-negative integers"
            raise ProblemError(msg)
        if self.max_duration_s is not None and self.max_duration_s < 0:
            msg = f"{where}: max_duration_s={self.max_duration_s} is negative"
            raise ProblemError(msg)
        if self.fixed_cost is not None and self.fixed_cost < 0:
            msg = f"{where}: fixed_cost={self.fixed_cost} is negative"
            raise ProblemError(msg)
        for brk in self.breaks:
            if brk.earliest_start < self.shift.earliest or brk.latest_start > self.shift.latest:
                msg = f"{where}: break {brk} lies outside the shift {self.shift}"
                raise ProblemError(msg)


@dataclass(frozen=True, slots=True)
class Objective:
    """Weights of the minimised cost (all integer; the cost is a sum of weighted integer terms).

    cost = distance_weight * metres driven + duration_weight * seconds of route duration (driving, service,
    waiting) + fixed cost per used vehicle + reject penalty per rejected request
    + excess_ride_weight * seconds of passenger ride time beyond the direct ride.
    """

    distance_weight: int = 1
    duration_weight: int = 0
    vehicle_fixed_cost: int = 0
    reject_penalty: int = 1_000_000
    excess_ride_weight: int = 0

    def __post_init__(self) -> None:
        values = (self.distance_weight, self.duration_weight, self.vehicle_fixed_cost, self.reject_penalty,
                  self.excess_ride_weight)
        if any(v < 0 for v in values):
            msg = f"objective weights must not be negative: {self}"
            raise ProblemError(msg)


@dataclass(frozen=True)
class DarpProblem:
    """A validated dial-a-ride instance. Construction raises :class:`ProblemError` on bad input."""

    requests: tuple[Request, ...]
    vehicles: tuple[Vehicle, ...]
    travel: TravelTimes
    objective: Objective = field(default_factory=Objective)
    ride_rule: RideTimeRule = field(default_factory=RideTimeRule)

    def __post_init__(self) -> None:
        object.__setattr__(self, "requests", tuple(self.requests))
        object.__setattr__(self, "vehicles", tuple(self.vehicles))
        if not self.vehicles:
            msg = "a problem needs at least one vehicle"
            raise ProblemError(msg)
        _check_ids(self.requests, "request")
        _check_ids(self.vehicles, "vehicle")
        dims = {len(v.capacity) for v in self.vehicles} | {len(r.load) for r in self.requests}
        if len(dims) > 1:
            msg = f"all loads and capacities need the same number of dimensions, found {sorted(dims)}"
            raise ProblemError(msg)
        n_loc = len(self.travel)
        for v in self.vehicles:
            _check_location(v.start, n_loc, f"vehicle {v.id!r} start")
            _check_location(v.end, n_loc, f"vehicle {v.id!r} end")
        vehicle_ids = {v.id for v in self.vehicles}
        for r in self.requests:
            _check_location(r.pickup, n_loc, f"request {r.id!r} pickup")
            _check_location(r.dropoff, n_loc, f"request {r.id!r} dropoff")
            _check_request_fits(r, self.vehicles, vehicle_ids)
        by_id = {r.id: r for r in self.requests}
        fixed: set[str] = set()
        for v in self.vehicles:
            if v.fixed_next is None:
                continue
            if v.fixed_next not in by_id or v.fixed_next in fixed:
                msg = f"vehicle {v.id!r}: fixed_next names an unknown or already fixed request {v.fixed_next!r}"
                raise ProblemError(msg)
            fixed.add(v.fixed_next)

    @property
    def dimensions(self) -> int:
        """Number of load dimensions."""
        return len(self.vehicles[0].capacity)

    def request(self, request_id: str) -> Request:
        """The request with this id (``KeyError`` if unknown)."""
        for r in self.requests:
            if r.id == request_id:
                return r
        raise KeyError(request_id)

    def max_ride(self, request: Request) -> int:
        """Maximum ride time (seconds) of ``request``: its own limit or the problem's ride rule."""
        if request.max_ride_s is not None:
            return request.max_ride_s
        return self.ride_rule.limit(self.travel.duration(request.pickup, request.dropoff))

    def penalty(self, request: Request) -> int:
        """Cost of rejecting ``request`` (its own penalty or the objective's default)."""
        return self.objective.reject_penalty if request.reject_penalty is None else request.reject_penalty

    def fixed_cost(self, vehicle: Vehicle) -> int:
        """Fixed cost of using ``vehicle`` (its own or the objective's default)."""
        return self.objective.vehicle_fixed_cost if vehicle.fixed_cost is None else vehicle.fixed_cost


def _check_ids(items: Sequence[Request] | Sequence[Vehicle], kind: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            msg = f"duplicate {kind} id {item.id!r}"
            raise ProblemError(msg)
        seen.add(item.id)


def _check_location(index: int, n_loc: int, where: str) -> None:
    if not 0 <= index < n_loc:
        msg = f"{where}: unknown location {index} (the travel matrix has {n_loc} locations)"
        raise ProblemError(msg)


def _check_request_fits(r: Request, vehicles: Sequence[Vehicle], vehicle_ids: set[str]) -> None:
    where = f"request {r.id!r}"
    if r.onboard is not None:
        if r.onboard not in vehicle_ids:
            msg = f"{where}: on board of unknown vehicle {r.onboard!r}"
            raise ProblemError(msg)
        candidates: Iterable[Vehicle] = (v for v in vehicles if v.id == r.onboard)
    else:
        candidates = vehicles
    # the first vehicle that fits settles it (a live group states ~110 requests on ~25 vehicles)
    if not any(r.skills <= v.skills and all(q <= c for q, c in zip(r.load, v.capacity, strict=True))
               for v in candidates):
        msg = f"{where}: load {r.load} with skills {sorted(r.skills)} fits no vehicle"
        raise ProblemError(msg)
