"""A tiny day checked by hand: one minibus, two requests, every key figure recomputed from the travel-time matrix."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from mobility.cli.simulate import World
from mobility.demand.generator import SyntheticRequest
from mobility.domain.clock import ManualClock
from mobility.domain.rides import RideRequest
from mobility.simulation.engine import SimulationSetup, run_simulation
from mobility.simulation.fleet import build_fleet
from mobility.simulation.kpis import compute_kpis
from mobility.simulation.legs import build_legs
from mobility.simulation.scenario import parse_scenario
from mobility.simulation.validate import validate_run

TZ = ZoneInfo("Europe/Berlin")
DEPOT = "Busbahnhof, Bernburg (Saale)"
A, B, C = "Alter Markt, Bernburg (Saale)", "Klinikum, Bernburg (Saale)", "Markt, Nienburg (Saale)"


def _at(hh: int, mm: int) -> datetime:
    return datetime(2026, 3, 10, hh, mm, tzinfo=TZ)


def _request(world: World, rid: str, trip: tuple[str, str], submitted: datetime, departure: datetime
             ) -> SyntheticRequest:
    origin, destination = trip
    o, d = world.directory.find_stop(origin), world.directory.find_stop(destination)
    request = RideRequest(rid, f"c-{rid}", o.point, d.point, submitted, departure=departure,
                          origin_stop_id=o.id, destination_stop_id=d.id)
    return SyntheticRequest(request, o.municipality, d.municipality, prebooked=True, outbound=True)


def test_two_rides_one_bus_by_hand(world: World) -> None:
    """Waits are zero, rides are the direct drives, and km, occupancy, hours, CO₂ and cost follow from the matrix."""
    scenario = parse_scenario({
        "fleet": {"vehicles": 1, "depots": [DEPOT], "types": [{"id": "bus", "seats": 8, "co2_g_per_km": 250}]},
        "dispatch": {"reoptimise_interval_s": 0},
    })
    vehicles = build_fleet(scenario.fleet, world.directory, scenario.scenario.date, TZ)
    clock = ManualClock(_at(0, 0))
    requests = [
        _request(world, "r1", (A, B), _at(7, 0), _at(8, 0)),
        _request(world, "r2", (B, C), _at(11, 50), _at(12, 0)),
    ]
    setup = SimulationSetup(scenario, world.make_dispatcher(scenario, vehicles, clock), world.directory,
                            world.travel, clock, vehicles, requests)
    log = run_simulation(setup)
    stop = world.directory.find_stop
    depot, a, b, c = (stop(n).index for n in (DEPOT, A, B, C))
    tt = world.travel
    depot_index = {vehicles[0].id: depot}
    legs = build_legs(log.visits, vehicles, depot_index, tt)
    k = compute_kpis(log, legs, vehicles, scenario.costs)

    assert k["outcomes"]["served"] == 2
    assert k["wait_min_mean"] == 0.0
    assert k["ride_min_mean"] == pytest.approx((tt.duration(a, b) + tt.duration(b, c)) / 2 / 60, abs=0.01)
    assert k["detour_factor_mean"] == pytest.approx(1.0)
    assert k["pooled_share"] == 0.0
    vkm = (tt.distance(depot, a) + tt.distance(a, b) + tt.distance(b, c) + tt.distance(c, depot)) / 1000
    pkm = (tt.distance(a, b) + tt.distance(b, c)) / 1000
    assert k["vehicle_km"] == pytest.approx(vkm, abs=0.01)
    assert k["passenger_km"] == pytest.approx(pkm, abs=0.01)
    assert k["occupancy"] == pytest.approx(pkm / vkm, abs=0.001)
    assert k["empty_km_share"] == pytest.approx(1 - pkm / vkm, abs=0.001)
    assert k["vehicle_hours"] == 17.5  # 05:30–23:00
    assert k["passengers_per_vehicle_hour"] == pytest.approx(2 / 17.5, abs=0.001)
    assert k["co2_kg"] == pytest.approx(vkm * 250 / 1000, abs=0.01)
    assert k["cost_eur"] == pytest.approx(17.5 * 42 + vkm * 0.30, abs=0.01)
    assert k["cost_per_passenger_eur"] == pytest.approx((17.5 * 42 + vkm * 0.30) / 2, abs=0.01)
    assert log.requests["r1"].direct_s == tt.duration(a, b)
    assert log.requests["r1"].pickup_at == _at(8, 0)
    assert validate_run(log, vehicles, depot_index, tt, alpha=1.5, beta_s=600) == []
