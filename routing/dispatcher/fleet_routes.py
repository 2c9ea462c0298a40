"""Vehicles' shifts as empty insertion routes: from the depot stop back to it, with the driver's break."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from mobility.domain.fleet import Vehicle
from routing.dispatcher.state import PlanState
from routing.dispatcher.timebase import TimeBase
from routing.fleet import following_shifts
from routing.insertion import Route, Task, TaskKind


def route_key(vehicle_id: str, shift_index: int) -> str:
    """The key of a vehicle's shift route."""
    return f"{vehicle_id}@{shift_index}"


def shift_routes(vehicle: Vehicle, depot_loc: int, timebase: TimeBase, *, first: int = 0,
                 no_show_wait_s: int = 0) -> list[Route]:
    """One route per shift of ``vehicle`` from shift number ``first`` on; a break is a task at the depot. Each
    route keeps the reserve for ``no_show_wait_s`` at its pickups before the shift end."""
    routes = []
    for n, shift in enumerate(vehicle.shifts[first:], start=first):
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
            no_show_wait_s=no_show_wait_s,
        ))
    return routes


def extend_shifts(state: PlanState, depots: Mapping[str, int], timebase: TimeBase, *, last_day: date,
                  through: date, timezone: str, no_show_wait_s: int = 0) -> int:
    """Lay the weekly shifts out on the local days after ``last_day`` through ``through`` as new routes.

    Each vehicle gets the shifts of the same weekday a week earlier (:func:`routing.fleet.following_shifts`),
    appended to its shifts (so the route keys continue its shift numbers, as a restore lays them out again).
    Returns the number of routes added.
    """
    added = 0
    for vehicle_id, vehicle in list(state.vehicles.items()):
        later = following_shifts(vehicle.shifts, last_day=last_day, through=through, timezone=timezone)
        if not later:
            continue
        extended = replace(vehicle, shifts=(*vehicle.shifts, *later))
        state.vehicles[vehicle_id] = extended
        for route in shift_routes(extended, depots[vehicle_id], timebase, first=len(vehicle.shifts),
                                  no_show_wait_s=no_show_wait_s):
            state.put_route(route)
            added += 1
    return added
