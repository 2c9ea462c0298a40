"""Vehicles' shifts as empty insertion routes: from the depot stop back to it, with the driver's break."""

from __future__ import annotations

from mobility.domain.fleet import Vehicle
from routing.dispatcher.timebase import TimeBase
from routing.insertion import Route, Task, TaskKind


def route_key(vehicle_id: str, shift_index: int) -> str:
    """The key of a vehicle's shift route."""
    return f"{vehicle_id}@{shift_index}"


def shift_routes(vehicle: Vehicle, depot_loc: int, timebase: TimeBase) -> list[Route]:
    """One route per shift of ``vehicle``; a break is a task at the depot within its start window."""
    routes = []
    for n, shift in enumerate(vehicle.shifts):
        tasks: tuple[Task, ...] = ()
        if shift.break_ is not None:
            b = shift.break_
            tasks = (Task(TaskKind.BREAK, None, depot_loc, timebase.seconds(b.earliest_start),
                          timebase.seconds(b.latest_start), b.duration_s),)
        start = timebase.seconds(shift.start)
        routes.append(Route(
            key=route_key(vehicle.id, n),
            vehicle_id=vehicle.id,
            capacity=vehicle.type.capacity.as_tuple(),
            start_loc=depot_loc,
            ready=start,
            end_loc=depot_loc,
            shift_start=start,
            shift_end=timebase.seconds(shift.end),
            tasks=tasks,
            in_service=vehicle.in_service,
        ))
    return routes
