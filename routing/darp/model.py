"""The OR-Tools routing model of a compiled dial-a-ride problem (the only module that builds it).

Dimensions: ``time`` (transit = service at the origin + driving time, waiting as slack; cumul = service
start), one ``load{k}`` per load dimension. Pickup/delivery pairs share a vehicle, pickups precede their
drop-offs, and ``CumulVar(drop-off) - CumulVar(pickup) <= max ride + pickup service`` where the tightened
windows do not already imply it. May-reject requests sit in a disjunction with their penalty; must-serve
requests too, with a penalty far above any route cost, so that an infeasible confirmed request is reported
instead of making the whole model fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ortools.constraint_solver import pywrapcp

if TYPE_CHECKING:
    from routing.darp.compiled import Compiled

#: Penalty for leaving a must-serve request out; far above any route cost (int64-safe for 10^6 requests).
MUST_SERVE_PENALTY = 2**42


@dataclass
class Model:
    """The OR-Tools objects of one solve."""

    compiled: Compiled
    manager: Any  # pywrapcp.RoutingIndexManager
    routing: Any  # pywrapcp.RoutingModel
    time: Any  # pywrapcp.RoutingDimension
    breaks: list[list[Any]]  # per vehicle: IntervalVars

    def index(self, node: int) -> int:
        """Routing index of node ``node``."""
        return int(self.manager.NodeToIndex(node))


def build_model(c: Compiled) -> Model:
    """Build the routing model of ``c`` (windows already tightened)."""
    n_v = c.n_vehicles
    vehicles = c.problem.vehicles
    objective = c.problem.objective
    manager = pywrapcp.RoutingIndexManager(c.n_nodes, n_v, list(range(n_v)), [n_v + v for v in range(n_v)])
    routing = pywrapcp.RoutingModel(manager)
    w = objective.distance_weight
    arc = routing.RegisterTransitMatrix(c.dist if w == 1 else [[w * x for x in row] for row in c.dist])
    routing.SetArcCostEvaluatorOfAllVehicles(arc)
    for v, vehicle in enumerate(vehicles):
        routing.SetFixedCostOfVehicle(c.problem.fixed_cost(vehicle), v)
    horizon = max(c.latest) + max(c.service) + 1
    transit = routing.RegisterTransitMatrix(c.step)  # service at the origin + driving time
    routing.AddDimension(transit, horizon, horizon, False, "time")
    time = routing.GetDimensionOrDie("time")
    for node in range(c.n_nodes):
        if c.earliest[node] > c.latest[node]:
            continue  # a node of an unreachable request: kept inactive below
        index = manager.NodeToIndex(node) if node >= 2 * n_v else _depot_index(routing, node, n_v)
        time.CumulVar(index).SetRange(c.earliest[node], c.latest[node])
    for v, vehicle in enumerate(vehicles):
        if vehicle.max_duration_s is not None:
            time.SetSpanUpperBoundForVehicle(vehicle.max_duration_s, v)
        if objective.duration_weight:
            time.SetSpanCostCoefficientForVehicle(objective.duration_weight, v)
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(v)))
        routing.AddVariableMaximizedByFinalizer(time.CumulVar(routing.Start(v)))
    _add_loads(c, routing)
    _add_requests(c, manager, routing, time)
    breaks = _add_breaks(c, manager, routing, time)
    return Model(c, manager, routing, time, breaks)


def _depot_index(routing: Any, node: int, n_v: int) -> int:
    return int(routing.Start(node) if node < n_v else routing.End(node - n_v))


def _add_loads(c: Compiled, routing: Any) -> None:
    vehicles = c.problem.vehicles
    for k in range(c.problem.dimensions):
        demand = routing.RegisterUnaryTransitVector([d[k] for d in c.demand])
        caps = [v.capacity[k] for v in vehicles]
        routing.AddDimensionWithVehicleCapacity(demand, 0, caps, False, f"load{k}")
        dim = routing.GetDimensionOrDie(f"load{k}")
        for v in range(len(vehicles)):
            dim.CumulVar(routing.Start(v)).SetValue(c.initial_load[v][k])


def _add_requests(c: Compiled, manager: Any, routing: Any, time: Any) -> None:
    solver = routing.solver()
    requests = c.problem.requests
    pairs = 0
    fixed_vehicle = {v.fixed_next: i for i, v in enumerate(c.problem.vehicles) if v.fixed_next is not None}
    for ri, r in enumerate(requests):
        p, d = c.pickup_node[ri], c.dropoff_node[ri]
        d_idx = manager.NodeToIndex(d)
        indices = [d_idx] if p < 0 else [manager.NodeToIndex(p), d_idx]
        if ri in c.unreachable:
            if r.id in fixed_vehicle:  # its vehicle cannot start with it: it stays unused
                v = fixed_vehicle[r.id]
                routing.NextVar(routing.Start(v)).SetValue(routing.End(v))
            for idx in indices:
                routing.AddDisjunction([idx], 1)
                routing.ActiveVar(idx).SetValue(0)
            continue
        penalty = MUST_SERVE_PENALTY if r.must_serve else c.problem.penalty(r)
        allowed = list(c.allowed[ri])
        if r.id in fixed_vehicle:
            v = fixed_vehicle[r.id]
            allowed = [v]
            routing.NextVar(routing.Start(v)).SetValue(indices[0])
        for idx in indices:
            if len(allowed) < c.n_vehicles:  # -1: the node may stay unperformed (it is in a disjunction)
                routing.VehicleVar(idx).SetValues([-1, *allowed])
        if p < 0:
            routing.AddDisjunction([d_idx], penalty)
            continue
        p_idx = indices[0]
        routing.AddDisjunction([p_idx], max(1, penalty - penalty // 2))
        routing.AddDisjunction([d_idx], max(1, penalty // 2))
        routing.AddPickupAndDelivery(p_idx, d_idx)
        limit = c.max_ride[ri] + c.service[p]
        solver.Add(routing.VehicleVar(p_idx) == routing.VehicleVar(d_idx))
        solver.Add(time.CumulVar(p_idx) <= time.CumulVar(d_idx))
        if c.latest[d] - c.earliest[p] > limit:
            time.SetPickupToDeliveryLimitFunctionForPair(_Limit(limit), pairs)
            solver.Add(time.CumulVar(d_idx) - time.CumulVar(p_idx) <= limit)
        pairs += 1


class _Limit:
    """Constant pickup-to-delivery limit (a callable for OR-Tools)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def __call__(self, _pickup_alternative: int, _delivery_alternative: int) -> int:
        return self.limit


def _add_breaks(c: Compiled, manager: Any, routing: Any, time: Any) -> list[list[Any]]:
    solver = routing.solver()
    visit = [c.service[manager.IndexToNode(i)] for i in range(routing.Size())]
    visit += [0] * (routing.Size() + c.n_vehicles - len(visit))
    out: list[list[Any]] = []
    for v, vehicle in enumerate(c.problem.vehicles):
        intervals = [
            solver.FixedDurationIntervalVar(b.earliest_start, b.latest_start, b.duration_s, False, f"break{v}_{k}")
            for k, b in enumerate(vehicle.breaks)
        ]
        if intervals:
            time.SetBreakIntervalsOfVehicle(intervals, v, visit)
            for interval in intervals:
                routing.AddIntervalToAssignment(interval)
        out.append(intervals)
    return out
