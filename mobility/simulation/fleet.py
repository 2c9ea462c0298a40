"""The simulated fleet, built from the scenario's ``[fleet]`` table (pure domain objects)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mobility.demand.params import minutes_of_day
from mobility.domain.fleet import Shift, Vehicle, VehicleKind, VehicleType
from mobility.domain.ports import StopDirectory
from mobility.domain.rides import Load
from mobility.simulation.scenario import FleetParams, ScenarioError


def _at(day: date, clock: str, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz) + timedelta(minutes=minutes_of_day(clock))


def type_counts(params: FleetParams) -> list[int]:
    """How many vehicles of each type (largest remainder of the shares)."""
    total = sum(t.share for t in params.types)
    exact = [params.vehicles * t.share / total for t in params.types]
    counts = [int(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: params.vehicles - sum(counts)]:
        counts[i] += 1
    return counts


def build_fleet(params: FleetParams, directory: StopDirectory, day: date, tz: ZoneInfo) -> list[Vehicle]:
    """``params.vehicles`` vehicles spread round-robin over the depots, one shift each on ``day``."""
    depots = []
    for k, name in enumerate(params.depots):
        try:
            depots.append(directory.find_stop(name))
        except ValueError as exc:
            msg = f"fleet.depots.{k}: {exc}"
            raise ScenarioError(msg) from None
    shift = Shift(_at(day, params.shift_start, tz), _at(day, params.shift_end, tz))
    types = [
        VehicleType(t.id, t.name or t.id, VehicleKind(t.kind), Load(t.seats, t.wheelchairs, t.strollers),
                    t.co2_g_per_km)
        for t in params.types
    ]
    kinds = [vt for vt, n in zip(types, type_counts(params), strict=True) for _ in range(n)]
    vehicles = []
    for k, vehicle_type in enumerate(kinds):
        depot = depots[k % len(depots)]
        vehicles.append(
            Vehicle(f"v{k + 1:03d}", f"Fahrzeug {k + 1}", vehicle_type, depot.point, depot.name, (shift,))
        )
    return vehicles
