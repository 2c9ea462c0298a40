"""``CarsharingPlanner``: the routing side of the ``PoolCarPlanner`` port (offers, re-assignment)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from mobility.domain.poolcar_offers import PoolCarOffer, PoolCarRequest, Reassignment
from mobility.domain.poolcars import Car, PoolRules, Reservation, Slot, Station
from routing.carsharing.cpsat import CpSatParams
from routing.carsharing.problem import AssignmentProblem, AssignmentSettings, compile_problem
from routing.carsharing.reassign import reassign_after_breakdown


@dataclass(frozen=True, slots=True)
class CarsharingPlanner:
    """Offers from the cheapest free options of one request; CP-SAT re-assignment after a breakdown."""

    settings: AssignmentSettings = field(default_factory=AssignmentSettings)
    params: CpSatParams = field(default_factory=lambda: CpSatParams(time_limit_s=5.0))

    def offers(
        self,
        request: PoolCarRequest,
        *,
        cars: Sequence[Car],
        stations: Sequence[Station],
        busy: Mapping[str, Sequence[Slot]],
        rules: PoolRules,
    ) -> list[PoolCarOffer]:
        """Up to ``rules.max_offers`` distinct offers (station, slot, car type, move), cheapest first."""
        problem = AssignmentProblem(
            cars=cars,
            stations=stations,
            requests=[request],
            rules=rules,
            settings=self.settings,
            busy=busy,
            not_before=request.submitted_at,
        )
        compiled = compile_problem(problem)
        seen: set[tuple[int, int, str, int]] = set()
        out: list[PoolCarOffer] = []
        for o in compiled.options[0]:
            car = cars[o.car]
            key = (o.station, o.shift_s, car.type.id, o.moved_from)
            if key in seen:
                continue
            seen.add(key)
            out.append(
                PoolCarOffer(
                    request_id=request.id,
                    car_id=car.id,
                    car_type_id=car.type.id,
                    station_id=stations[o.station].id,
                    slot=compiled.slot_of(0, o),
                    walk_m=o.walk_m,
                    shift_s=o.shift_s,
                    moved_from_station_id=None if o.moved_from < 0 else stations[o.moved_from].id,
                )
            )
            if len(out) >= rules.max_offers:
                break
        return out

    def reassign(
        self,
        broken_car_id: str,
        *,
        reservations: Sequence[Reservation],
        cars: Sequence[Car],
        stations: Sequence[Station],
        now: datetime,
        rules: PoolRules,
        busy: Mapping[str, Sequence[Slot]] | None = None,
    ) -> Reassignment:
        """See :func:`routing.carsharing.reassign.reassign_after_breakdown`."""
        return reassign_after_breakdown(
            broken_car_id,
            reservations=reservations,
            cars=cars,
            stations=stations,
            now=now,
            rules=rules,
            busy=busy,
            params=self.params,
        )
