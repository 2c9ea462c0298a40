"""The simulated driver's decisions on hand-made manifests: when it begins, leaves, arrives, takes the break, sees to
riders (alight first, no-show only after the wait) and ends the duty; and when it is blocked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mobility.app import Routing, load_routing
from mobility.config import Settings
from mobility.demand.generator import SyntheticRequest
from mobility.domain.geo import Point
from mobility.domain.rides import RideRequest
from mobility.rehearsal.api import Api
from mobility.rehearsal.clock import Agenda, SteppingClock
from mobility.rehearsal.decisions import Done, Go, Post, Wait
from mobility.rehearsal.drivers import Driver, DriverHabits
from mobility.rehearsal.ledger import Ledger, Ride
from mobility.rehearsal.manifest import Manifest, parse_manifest
from mobility.rehearsal.world import Noise, World

T0 = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)  # 06:00 in Berlin, the shift start
DEPOT, A, B = "959000", "8010043", "8010332"  # Busbahnhof Bernburg, Bernburg Hbf, Staßfurt Bf


@pytest.fixture(scope="module")
def routing() -> Routing:
    """The bundled network (matrix cached)."""
    return load_routing(Settings(cache_dir=Path("/tmp/salzland-mobility-test-cache")))


def make_driver(routing: Routing, ledger: Ledger | None = None) -> Driver:
    """A driver on the real network's travel times; its API client is never used by ``decide``."""
    clock = SteppingClock(T0)
    world = World(routing.directory, routing.matrix, Noise(dwell_s=(60, 60), rider_late_s=(0, 0)), seed=1)
    return Driver("BBG-1", "fahrer-bbg-1", Api("http://127.0.0.1:9", clock), world, Agenda(), ledger or Ledger(),
                  DriverHabits(), last_new_duty=T0 + timedelta(hours=3))


def iso(minutes: float) -> str:
    """T0 plus ``minutes`` as ISO text."""
    return (T0 + timedelta(minutes=minutes)).isoformat()


def manifest(*, status: str = "under_way", actions: tuple[str, ...] = (), stops: tuple[dict[str, Any], ...] = (),
             start: float = 0, on_break: float | None = None) -> Manifest:
    """A manifest of BBG-1's duty 06:00–14:00 (``start`` shifts it)."""
    return parse_manifest({
        "vehicle_id": "BBG-1", "plan_version": 1, "now": iso(0), "actions": list(actions), "overdue": 0,
        "duty": {"id": "BBG-1-20260310-0600", "start": iso(start), "end": iso(start + 480), "status": status,
                 "began_at": None, "on_break_since": None if on_break is None else iso(on_break), "in_service": True,
                 "depot": {"stop_id": DEPOT, "name": "Busbahnhof"}},
        "stops": list(stops)})


def stop(stop_id: str, arrival: float, *, status: str = "planned", board: tuple[dict[str, Any], ...] = (),
         alight: tuple[dict[str, Any], ...] = (), kind: str = "stop", minutes: int = 0) -> dict[str, Any]:
    """One manifest entry."""
    return {"stop_id": stop_id, "kind": kind, "planned_arrival": iso(arrival),
            "planned_departure": iso(arrival + (minutes or 1)), "status": status, "overdue": False,
            "break": {"minutes": minutes} if kind == "break" else None, "board": list(board), "alight": list(alight)}


def rider(booking_id: str, earliest: float, *, state: str = "CONFIRMED", no_show_from: float | None = None
          ) -> dict[str, Any]:
    """A rider with a 15-minute window from ``earliest``."""
    return {"booking_id": booking_id, "state": state,
            "window": {"earliest": iso(earliest), "latest": iso(earliest + 15)},
            "no_show_from": None if no_show_from is None else iso(no_show_from)}


def test_a_duty_is_begun_ten_minutes_before_the_shift(routing: Routing) -> None:
    """Before: wait until then; then duty_begin; a later duty without rides is not begun at all."""
    driver = make_driver(routing)
    planned = manifest(status="planned", actions=("duty_begin",), stops=(stop(A, 30),))
    assert driver.decide(planned, T0 - timedelta(hours=1)) == Wait(T0 - timedelta(minutes=10))
    assert driver.decide(planned, T0 - timedelta(minutes=10)) == Post("duty_begin")
    assert driver.decide(manifest(status="planned", start=8 * 60), T0) == Done()


def test_the_driver_leaves_when_the_plan_expects_and_arrives_where_it_stands(routing: Routing) -> None:
    """From the depot it leaves at the planned arrival minus the matrix time; standing at the stop it arrives."""
    driver = make_driver(routing)
    driver.location = DEPOT
    m = manifest(stops=(stop(B, 60, board=(rider("b1", 60),)),))
    leave = T0 + timedelta(minutes=60) - timedelta(seconds=driver.world.planned_s(DEPOT, B))
    assert driver.decide(m, T0) == Wait(min(leave, T0 + timedelta(minutes=5)))
    assert driver.decide(m, leave) == Go(B)
    driver.location, driver.just_arrived = B, True
    assert driver.decide(m, leave + timedelta(minutes=20)) == Post("arrived", stop_id=B)


def test_riders_alight_first_then_board_after_their_dwell(routing: Routing) -> None:
    """At an arrived stop: the drop-off after one dwell, then the boarding once the rider is there plus a dwell."""
    driver = make_driver(routing)
    driver.location, driver.free_at = A, T0 + timedelta(minutes=10)
    m = manifest(stops=(stop(A, 10, status="arrived", alight=(rider("a1", 0, state="STARTED"),),
                             board=(rider("b1", 20),)),))
    assert driver.decide(m, T0 + timedelta(minutes=10)) == Wait(T0 + timedelta(minutes=11))
    assert driver.decide(m, T0 + timedelta(minutes=11)) == Post("dropped_off", "a1")
    driver.posted.add(("dropped_off", "a1"))
    assert driver.decide(m, T0 + timedelta(minutes=11)) == Wait(T0 + timedelta(minutes=21))
    assert driver.decide(m, T0 + timedelta(minutes=21)) == Post("boarded", "b1")


def test_a_no_show_is_reported_only_from_no_show_from(routing: Routing) -> None:
    """A rider chosen not to come: nothing before the manifest's no_show_from, then no_show."""
    ledger = Ledger()
    request = RideRequest("r1", "c1", Point(11.7, 51.8), Point(11.6, 51.85), T0, departure=T0)
    ride = Ride(SyntheticRequest(request, "Bernburg", "Staßfurt", prebooked=False, outbound=True, no_show=True),
                "app", booking_id="n1")
    ledger.booked(ride)
    driver = make_driver(routing, ledger)
    driver.location, driver.free_at = A, T0
    m = manifest(stops=(stop(A, 0, status="arrived", board=(rider("n1", 0, no_show_from=5),)),))
    assert driver.decide(m, T0 + timedelta(minutes=1)) == Wait(T0 + timedelta(minutes=5))
    assert driver.decide(m, T0 + timedelta(minutes=5)) == Post("no_show", "n1")


def test_break_and_end_of_duty(routing: Routing) -> None:
    """The break begins at its planned start at its place and ends after its minutes; the duty ends at the shift end
    at the depot; a needed action the service does not offer blocks the driver."""
    driver = make_driver(routing)
    driver.location = DEPOT
    brk = manifest(actions=("break_begin",), stops=(stop(DEPOT, 210, kind="break", minutes=30),))
    assert driver.decide(brk, T0 + timedelta(minutes=200)) == Wait(T0 + timedelta(minutes=205))
    assert driver.decide(brk, T0 + timedelta(minutes=210)) == Post("break_begin")
    on_break = manifest(actions=("break_end",), on_break=210, stops=(stop(DEPOT, 210, kind="break", minutes=30),))
    end = driver.decide(on_break, T0 + timedelta(minutes=215))
    assert isinstance(end, Wait)
    assert T0 + timedelta(minutes=237) <= end.until <= T0 + timedelta(minutes=240)
    assert driver.decide(on_break, end.until) == Post("break_end")
    assert driver.decide(manifest(actions=("duty_end",)), T0 + timedelta(hours=8)) == Post("duty_end")
    blocked = driver.decide(manifest(), T0 + timedelta(hours=8))
    assert isinstance(blocked, Wait)
    assert "duty_end is not offered" in blocked.blocked
