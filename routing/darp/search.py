"""One OR-Tools search from a given start: parameters, loading the start routes, reading the result back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

if TYPE_CHECKING:
    from routing.darp.model import Model

_META = routing_enums_pb2.LocalSearchMetaheuristic


def search_parameters(*, time_limit_s: float, metaheuristic: str = "GUIDED_LOCAL_SEARCH",
                      solution_limit: int | None = None) -> Any:
    """Routing search parameters: parallel cheapest insertion as fallback start, the given metaheuristic."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = getattr(_META, metaheuristic)
    params.time_limit.FromMilliseconds(max(1, round(time_limit_s * 1000)))
    if solution_limit is not None:
        params.solution_limit = solution_limit
    return params


def run_search(model: Model, start: list[list[int]] | None, params: Any) -> Any:
    """Improve ``start`` (inner node sequences per vehicle) with OR-Tools: the best assignment or ``None``.

    The model must be closed (``CloseModelWithParameters``) before."""
    routing = model.routing
    initial = None
    if start is not None:
        initial = routing.ReadAssignmentFromRoutes([[model.index(n) for n in seq] for seq in start], True)
    if initial is not None:
        found = routing.SolveFromAssignmentWithParameters(initial, params)
    else:
        found = routing.SolveWithParameters(params)
    return found


def read_routes(model: Model, assignment: Any) -> list[list[int]]:
    """Inner node sequences per vehicle of an assignment."""
    routing, manager = model.routing, model.manager
    routes = []
    for v in range(model.compiled.n_vehicles):
        seq = []
        index = assignment.Value(routing.NextVar(routing.Start(v)))
        while not routing.IsEnd(index):
            seq.append(int(manager.IndexToNode(index)))
            index = assignment.Value(routing.NextVar(index))
        routes.append(seq)
    return routes


def read_times(model: Model, assignment: Any) -> tuple[list[list[int]], list[tuple[int, ...]]]:
    """Service start times (start + inner + end per vehicle) and break starts of an assignment."""
    routing, time = model.routing, model.time
    times = []
    for v in range(model.compiled.n_vehicles):
        index = routing.Start(v)
        t = [assignment.Min(time.CumulVar(index))]
        while not routing.IsEnd(index):
            index = assignment.Value(routing.NextVar(index))
            t.append(assignment.Min(time.CumulVar(index)))
        times.append(t)
    breaks = [tuple(assignment.StartMin(b) for b in model.breaks[v]) for v in range(model.compiled.n_vehicles)]
    return times, breaks
