"""Property: after any sequence of quotes, confirms, cancels and driver events the plan keeps capacity,
precedence, windows and ride limits, and no confirmed booking disappears without being reported."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mobility.domain.events import Event, EventType
from mobility.domain.rides import Offer
from routing.directory import NetworkStopDirectory
from routing.dispatcher import LiveDispatcher
from routing.insertion import TaskKind
from routing.matrix import TravelTimeMatrix
from tests.routing.dispatcher.dispatch_helpers import DAY, assert_plan_valid, minibus, trip

STOPS = ["959000", "958851", "959054", "959185", "953445", "958908"]
NOW = DAY + timedelta(hours=5)

steps = st.lists(
    st.one_of(
        st.tuples(st.just("book"), st.integers(0, 5), st.integers(0, 5), st.integers(30, 240), st.integers(1, 3)),
        st.tuples(st.just("cancel"), st.integers(0, 20)),
        st.tuples(st.just("drive"), st.integers(0, 1)),
        st.tuples(st.just("out"), st.integers(0, 1)),
    ),
    min_size=1, max_size=14,
)


def drive(d: LiveDispatcher, vehicle: str) -> set[str]:
    """Report the vehicle's next rider task as done at its planned time; ids of finished bookings."""
    with d.lock:
        routes = [r for r in d.state.routes_of(vehicle) if any(t.kind is not TaskKind.BREAK for t in r.tasks)]
        if not routes:
            return set()
        route = routes[0]
        k, task = next((k, t) for k, t in enumerate(route.tasks, start=1) if t.kind is not TaskKind.BREAK)
        at = d.timebase.instant(d.state.schedules[route.key].begin[k])
    assert task.request_id is not None
    d.record(Event(EventType.VEHICLE_ARRIVED, at, booking_id=task.request_id, vehicle_id=vehicle))
    if task.kind is TaskKind.PICKUP:
        d.record(Event(EventType.PASSENGER_BOARDED, at, booking_id=task.request_id))
        return set()
    d.record(Event(EventType.PASSENGER_DROPPED_OFF, at, booking_id=task.request_id))
    return {task.request_id}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps)
def test_plan_stays_valid(directory: NetworkStopDirectory, matrix: TravelTimeMatrix,
                          ops: list[tuple[object, ...]]) -> None:
    """Every plan along a random sequence of operations is valid and accounts for every confirmed booking."""
    fleet = [minibus("V0", "959000", directory, seats=3), minibus("V1", "953445", directory, seats=3)]
    d = LiveDispatcher(directory=directory, travel=matrix, fleet=fleet, origin=DAY)
    confirmed: list[str] = []
    gone: set[str] = set()
    for n, op in enumerate(ops):
        if op[0] == "book":
            _, a, b, minutes, pax = op
            if a == b:
                continue
            request = trip(directory, f"r{n}", STOPS[a], STOPS[b], NOW + timedelta(minutes=minutes), now=NOW,
                           passengers=pax)
            offer = d.quote(request, NOW)
            if isinstance(offer, Offer) and isinstance(d.confirm(offer, f"b{n}", NOW), Offer):
                confirmed.append(f"b{n}")
        elif op[0] == "cancel" and confirmed:
            bid = confirmed[int(op[1]) % len(confirmed)]
            with d.lock:
                boarded = bid in d.state.commitments and d.state.commitments[bid].boarded_at is not None
            d.cancel(bid, NOW)
            if not boarded:
                gone.add(bid)
        elif op[0] == "drive":
            gone |= drive(d, f"V{op[1]}")
        elif op[0] == "out":
            gone |= set(d.record(Event(EventType.VEHICLE_OUT_OF_SERVICE, NOW, vehicle_id=f"V{op[1]}")))
        assert_plan_valid(d)
        kept = set(d.commitments())
        assert set(confirmed) - gone <= kept, "a confirmed booking vanished without being reported"
