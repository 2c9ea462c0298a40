"""Solver output: routes as ordered visits with planned times and loads, rejected requests, cost breakdown."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class VisitKind(StrEnum):
    """What happens at a stop."""

    PICKUP = "pickup"
    DROPOFF = "dropoff"


class Status(StrEnum):
    """Outcome of :func:`routing.darp.solve`."""

    FEASIBLE = "feasible"  # all must-serve requests served, may-reject requests served or rejected
    INFEASIBLE = "infeasible"  # some must-serve request cannot be served (see Solution.unserved_confirmed)


@dataclass(frozen=True, slots=True)
class Visit:
    """One stop of a route: service of ``request_id`` starts at ``start_s``; ``load_after`` is on board after it."""

    request_id: str
    kind: VisitKind
    location: int
    start_s: int
    load_after: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Route:
    """The plan of one vehicle: leave ``start`` at ``departure_s``, visit in order, reach ``end`` at ``arrival_s``."""

    vehicle_id: str
    visits: tuple[Visit, ...]
    departure_s: int
    arrival_s: int
    break_starts_s: tuple[int, ...] = ()

    @property
    def used(self) -> bool:
        """Whether the route has at least one stop."""
        return bool(self.visits)


@dataclass(frozen=True, slots=True)
class CostBreakdown:
    """Terms of the integer objective (see :class:`routing.darp.Objective`), computed from the routes."""

    distance_m: int
    duration_s: int
    vehicles_used: int
    fixed_cost: int
    reject_penalty: int
    excess_ride_s: int
    total: int


@dataclass(frozen=True, slots=True)
class Solution:
    """Result of :func:`routing.darp.solve`."""

    routes: tuple[Route, ...]
    rejected: tuple[str, ...]
    cost: CostBreakdown
    status: Status
    unserved_confirmed: tuple[str, ...] = ()
    seconds: float = 0.0
    stages: tuple[tuple[str, float], ...] = ()  # seconds per solver stage (compile, construct, search, ...)

    def route_of(self, vehicle_id: str) -> Route:
        """The route of ``vehicle_id`` (``KeyError`` if unknown)."""
        for route in self.routes:
            if route.vehicle_id == vehicle_id:
                return route
        raise KeyError(vehicle_id)

    @property
    def served(self) -> tuple[str, ...]:
        """Ids of the requests whose drop-off is planned."""
        return tuple(v.request_id for r in self.routes for v in r.visits if v.kind is VisitKind.DROPOFF)
