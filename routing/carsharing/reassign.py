"""Re-planning when a car breaks down: its not-yet-started reservations go to other cars of the same station and
type, swapping other not-yet-started reservations among those cars where that keeps more promises (CP-SAT).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from mobility.domain.poolcar_offers import PoolCarRequest, Reassignment
from mobility.domain.poolcars import Car, PoolRules, Reservation, ReservationState, Slot, Station
from routing.carsharing.cpsat import CpSatParams, solve_cpsat
from routing.carsharing.problem import AssignmentProblem, AssignmentSettings, CompiledProblem, compile_problem


def reassign_after_breakdown(
    broken_car_id: str,
    *,
    reservations: Sequence[Reservation],
    cars: Sequence[Car],
    stations: Sequence[Station],
    now: datetime,
    rules: PoolRules,
    busy: Mapping[str, Sequence[Slot]] | None = None,
    params: CpSatParams | None = None,
) -> Reassignment:
    """New cars for the broken car's pending reservations, keeping as many as possible with the fewest changes."""
    broken = next((c for c in cars if c.id == broken_car_id), None)
    if broken is None:
        msg = f"unknown car {broken_car_id!r}"
        raise ValueError(msg)
    peers = [
        c
        for c in cars
        if c.id != broken.id and c.in_service and c.station_id == broken.station_id and c.type.id == broken.type.id
    ]
    peer_ids = {c.id for c in peers}
    movable = [
        r
        for r in reservations
        if r.state is ReservationState.CONFIRMED
        and r.slot.end > now
        and (r.car_id in peer_ids or r.car_id == broken.id)
    ]
    blocked: dict[str, list[Slot]] = {c.id: list((busy or {}).get(c.id, ())) for c in peers}
    for r in reservations:
        if r.car_id in peer_ids and r.state is ReservationState.STARTED:
            blocked[r.car_id].append(r.slot.padded(rules.buffer_s))
    requests = [
        PoolCarRequest(
            id=r.id,
            customer_id=r.customer_id,
            slot=r.slot,
            submitted_at=r.created_at,
            station_id=broken.station_id,
            walk_radius_m=0,
            car_type_id=broken.type.id,
        )
        for r in movable
    ]
    problem = AssignmentProblem(
        cars=peers,
        stations=[s for s in stations if s.id == broken.station_id],
        requests=requests,
        rules=rules,
        settings=AssignmentSettings(move_candidates=0),
        busy=blocked,
        promised=frozenset(r.id for r in requests),
    )
    compiled = _prefer_current_car(compile_problem(problem), movable, peers)
    best = solve_cpsat(compiled, params or CpSatParams(time_limit_s=5.0))
    new_car = {movable[r].id: peers[o.car].id for r, o in best.chosen.items() if peers[o.car].id != movable[r].car_id}
    unkept = tuple(movable[r].id for r in range(len(movable)) if r not in best.chosen)
    return Reassignment(new_car=new_car, unkept=unkept)


def _prefer_current_car(
    compiled: CompiledProblem, movable: Sequence[Reservation], peers: Sequence[Car]
) -> CompiledProblem:
    """Cost 1 for every reservation that changes car; every kept reservation outweighs all changes together."""
    options = tuple(
        tuple(replace(o, cost=int(peers[o.car].id != movable[r].car_id)) for o in opts)
        for r, opts in enumerate(compiled.options)
    )
    weight = len(movable) + 1
    return replace(compiled, options=options, weights=tuple(weight for _ in movable))
