"""Fast insertion construction: requests in order of urgency, each at its cheapest feasible place.

Confirmed and on-board requests go first, then by the earliest start of their first stop. Each request is
inserted with :meth:`routing.darp.state.Plan.insert_best` (bounds-pruned candidates, exact schedule check).
Vehicles with a fixed next stop start with that request. Requests that fit nowhere stay unplanned.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from routing.darp.schedule import earliest_schedule, loads_fit
from routing.darp.state import Plan

if TYPE_CHECKING:
    from routing.darp.compiled import Compiled


def fixed_first_nodes(c: Compiled) -> dict[int, int]:
    """Vehicle index -> node that must be its first stop (from ``Vehicle.fixed_next``)."""
    index = {r.id: i for i, r in enumerate(c.problem.requests)}
    fixed = {}
    for v, vehicle in enumerate(c.problem.vehicles):
        if vehicle.fixed_next is not None:
            ri = index[vehicle.fixed_next]
            p = c.pickup_node[ri]
            fixed[v] = p if p >= 0 else c.dropoff_node[ri]
    return fixed


def place_fixed(plan: Plan) -> None:
    """Start every empty route of a vehicle with a fixed next stop with that request, if feasible."""
    c = plan.c
    for v, node in plan.fixed_first.items():
        ri = c.request_of[node]
        if plan.routes[v] or plan.where[ri] >= 0:
            continue
        seq = [node, c.dropoff_node[ri]] if c.is_pickup(node) else [node]
        times = earliest_schedule(c, v, seq)
        if times is not None and loads_fit(c, v, seq):
            plan.place(ri, v, seq, times)


def construct(c: Compiled, *, seed: int = 0) -> Plan:
    """A first plan by cheapest feasible insertion (ties in urgency broken by ``seed``)."""
    plan = Plan(c, [[] for _ in range(c.n_vehicles)], fixed_first_nodes(c))
    place_fixed(plan)
    rng = random.Random(seed)
    keys = {ri: (_urgency(c, ri), rng.random()) for ri in plan.unplanned()}
    for ri in sorted(keys, key=keys.__getitem__):
        plan.insert_best(ri)
    return plan


def _urgency(c: Compiled, ri: int) -> int:
    """Must-serve and on-board requests first, then by the earliest start of the first stop."""
    p = c.pickup_node[ri]
    first = p if p >= 0 else c.dropoff_node[ri]
    rank = 0 if c.problem.requests[ri].must_serve else 1
    return rank * 10**12 + c.earliest[first]
