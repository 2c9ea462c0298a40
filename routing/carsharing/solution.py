"""The outcome of an assignment and an independent checker of its feasibility."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from mobility.domain.geo import haversine_m
from mobility.domain.poolcar_offers import PoolCarOffer
from mobility.domain.poolcars import Slot
from routing.carsharing.problem import CompiledProblem, Option


@dataclass(frozen=True, slots=True)
class Assignment:
    """Chosen option per request index (absent: not served), with how it was found."""

    compiled: CompiledProblem
    chosen: Mapping[int, Option]
    solver: str
    wall_s: float
    optimal: bool = False
    served_bound: int | None = None  # proven upper bound on the served requests (CP-SAT phase 1)

    @property
    def served(self) -> int:
        """Number of served requests."""
        return len(self.chosen)

    @property
    def served_share(self) -> float:
        """Served requests / all requests (1.0 for an empty problem)."""
        n = len(self.compiled.source.requests)
        return self.served / n if n else 1.0

    @property
    def walk_m(self) -> int:
        """Total walk to the stations (metres)."""
        return sum(o.walk_m for o in self.chosen.values())

    @property
    def moves(self) -> int:
        """Number of forced car moves."""
        return sum(o.moved_from >= 0 for o in self.chosen.values())

    @property
    def cost(self) -> int:
        """Total secondary cost (metre-equivalents) of the served requests."""
        return sum(o.cost for o in self.chosen.values())

    def offers(self) -> dict[str, PoolCarOffer]:
        """The assignment as offers, keyed by request id."""
        src = self.compiled.source
        out: dict[str, PoolCarOffer] = {}
        for r, o in self.chosen.items():
            car = src.cars[o.car]
            out[src.requests[r].id] = PoolCarOffer(
                request_id=src.requests[r].id,
                car_id=car.id,
                car_type_id=car.type.id,
                station_id=src.stations[o.station].id,
                slot=self.compiled.slot_of(r, o),
                walk_m=o.walk_m,
                shift_s=o.shift_s,
                moved_from_station_id=None if o.moved_from < 0 else src.stations[o.moved_from].id,
            )
        return out


def check(assignment: Assignment) -> list[str]:
    """Every rule the assignment breaks, re-derived from the source problem (empty list: feasible)."""
    cp = assignment.compiled
    src = cp.source
    errors: list[str] = []
    per_car: dict[int, list[tuple[int, int, int]]] = {}
    for r, o in assignment.chosen.items():
        req, car = src.requests[r], src.cars[o.car]
        slot = cp.slot_of(r, o)
        if not req.fits(car) or not car.in_service:
            errors.append(f"request {req.id}: car {car.id} does not fit or is out of service")
        if abs(o.shift_s) > req.flex_s:
            errors.append(f"request {req.id}: shifted {o.shift_s} s beyond its flexibility {req.flex_s} s")
        station = src.stations[o.station]
        ref = req.point if req.point is not None else next(s.point for s in src.stations if s.id == req.station_id)
        if station.id != req.station_id and haversine_m(ref, station.point) > req.walk_radius_m + 1:
            errors.append(f"request {req.id}: station {station.id} beyond the walking radius")
        home = car.station_id == station.id
        if home == (o.moved_from >= 0):
            errors.append(f"request {req.id}: car {car.id} move flag does not match its home station")
        if car.availability is not None and not car.availability.allows(slot):
            errors.append(f"request {req.id}: car {car.id} is not bookable for {slot}")
        homes = [s for s in src.stations if s.id == car.station_id]
        move = 0 if home else src.settings.move_s(haversine_m(homes[0].point, station.point))
        first = int((slot.start - cp.origin).total_seconds()) - move
        last = int((slot.end - cp.origin).total_seconds()) + move + src.rules.buffer_s
        block = Slot(slot.start - timedelta(seconds=move), slot.end + timedelta(seconds=move + src.rules.buffer_s))
        errors += [
            f"request {req.id}: car {car.id} is blocked at {b}" for b in src.busy.get(car.id, ()) if b.overlaps(block)
        ]
        per_car.setdefault(o.car, []).append((first, last, r))
    for k, blocks in per_car.items():
        blocks.sort()
        for (_, e1, r1), (s2, _, r2) in itertools.pairwise(blocks):
            if s2 < e1:
                errors.append(f"car {src.cars[k].id}: requests {src.requests[r1].id} and {src.requests[r2].id} overlap")
    return errors
