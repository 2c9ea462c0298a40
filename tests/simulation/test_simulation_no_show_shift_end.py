"""A rider who does not show up for the last ride of a shift: the bus must still be back at its depot in time.

The smallest real case of the hard violation the 10,000-request day showed once ("v139: back at the depot
23:00:04, after the shift"): the plan brought the bus back just before its shift end, but the driver waits
``no_show_wait_s`` (5 min) for a rider who does not come before reporting the no-show, which the plan had not
budgeted. The plan now keeps that wait in reserve before the shift end at every pickup still to be done.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from mobility.cli.simulate import World
from mobility.demand.generator import SyntheticRequest
from mobility.domain.clock import ManualClock
from mobility.domain.rides import RideRequest
from mobility.simulation.engine import SimulationSetup, run_simulation
from mobility.simulation.fleet import build_fleet
from mobility.simulation.records import Outcome
from mobility.simulation.scenario import parse_scenario
from mobility.simulation.validate import validate_run

TZ = ZoneInfo("Europe/Berlin")
DEPOT = "Busbahnhof, Bernburg (Saale)"
FAR = "Markt, Nienburg (Saale)"
WAIT_S, SERVICE_S = 300, 60


def test_no_show_on_the_last_ride_keeps_the_shift_end(world: World) -> None:
    """The shift ends less than a minute after the planned return of a ride at 21:30 whose rider does not show."""
    stop = world.directory.find_stop
    far, depot = stop(FAR), stop(DEPOT)
    drive = world.travel.duration(far.index, depot.index)
    day = parse_scenario({}).scenario.date
    wished = datetime(day.year, day.month, day.day, 21, 30, tzinfo=TZ)
    planned_back = wished + timedelta(seconds=SERVICE_S + drive + SERVICE_S)  # pickup, ride to the depot, drop-off
    shift_end = wished.replace(second=0) + timedelta(minutes=math.ceil((planned_back - wished).total_seconds() / 60))
    assert wished + timedelta(seconds=WAIT_S + drive) > shift_end  # the no-show wait does not fit the plan's slack
    scenario = parse_scenario({
        "fleet": {"vehicles": 1, "depots": [DEPOT], "shift_end": shift_end.strftime("%H:%M"),
                  "types": [{"id": "bus", "seats": 8}]},
        "dispatch": {"reoptimise_interval_s": 0, "no_show_wait_s": WAIT_S, "stop_service_s": SERVICE_S},
    })
    vehicles = build_fleet(scenario.fleet, world.directory, day, TZ)
    clock = ManualClock(wished - timedelta(hours=12))
    request = RideRequest("r1", "c-r1", far.point, depot.point, wished - timedelta(hours=3), departure=wished,
                          origin_stop_id=far.id, destination_stop_id=depot.id)
    rider = SyntheticRequest(request, far.municipality, depot.municipality, prebooked=True, outbound=False,
                             no_show=True)
    setup = SimulationSetup(scenario, world.make_dispatcher(scenario, vehicles, clock), world.directory,
                            world.travel, clock, vehicles, [rider])
    log = run_simulation(setup)

    assert log.requests["r1"].outcome is Outcome.NO_SHOW  # booked (at another time), the bus drove there
    hard = [v for v in validate_run(log, vehicles, {vehicles[0].id: depot.index}, world.travel, alpha=1.5,
                                    beta_s=600) if not v.promise]
    assert hard == []
