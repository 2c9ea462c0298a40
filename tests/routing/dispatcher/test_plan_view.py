"""The incrementally built plan equals the plan converted from scratch; the shift index finds what a scan finds."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mobility.domain.events import Event, EventType
from mobility.domain.fleet import Break, Shift, Vehicle
from mobility.domain.plan import Duty, Tour
from mobility.domain.rides import Offer
from routing.directory import NetworkStopDirectory
from routing.dispatcher import EventError, LiveDispatcher
from routing.dispatcher.plan_view import PlanView, route_visits
from routing.dispatcher.state import PlanState
from routing.insertion import Route, TaskKind
from routing.matrix import TravelTimeMatrix
from tests.routing.dispatcher.dispatch_helpers import DAY, minibus, trip

STOPS = ["959000", "958851", "959054", "959185", "953445", "958908"]
NOW = DAY + timedelta(hours=5)


def scratch_tours(d: LiveDispatcher) -> dict[str, Tour]:
    """Every tour converted from the state from scratch (what plan() did before it kept converted routes)."""
    with d.lock:
        state = d.state
        earliest = {bid: c.spec.pickup_earliest for bid, c in state.commitments.items()}
        latest = {bid: c.spec.pickup_latest for bid, c in state.commitments.items()}
        tours = {}
        for vehicle_id in state.vehicles:
            visits = list(state.history.get(vehicle_id, ()))
            own = sorted((r for r in state.routes.values() if r.vehicle_id == vehicle_id), key=lambda r: r.shift_start)
            for route in own:
                visits.extend(route_visits(route, state.schedules[route.key], stops=d.stops_by_index,
                                           timebase=d.timebase, arrived=route.key in state.arrived,
                                           pickup_earliest=earliest, promised_latest=latest))
            tours[vehicle_id] = Tour(vehicle_id, tuple(visits))
        return tours


def scratch_duties(d: LiveDispatcher) -> list[tuple[str, Duty]]:
    """Every duty as a plan view that never saw the state before builds it (in its order)."""
    with d.lock:
        view = PlanView(service_area=d.config.service_area, stops=d.stops_by_index, timebase=d.timebase)
        touched = set(d.state.touched)
        plan = view.build(d.state, NOW)
        d.state.touched |= touched  # the dispatcher's own view has not seen these yet
    return list(plan.duties.items())


def two_shift_bus(vid: str, depot: str, directory: NetworkStopDirectory) -> Vehicle:
    """A minibus with an early and a late shift (each with a break) on DAY, the late one listed first."""
    bus = minibus(vid, depot, directory, seats=3)
    early = Shift(DAY + timedelta(hours=4), DAY + timedelta(hours=12),
                  Break(DAY + timedelta(hours=8), DAY + timedelta(hours=9), 1_200))
    late = Shift(DAY + timedelta(hours=12), DAY + timedelta(hours=20),
                 Break(DAY + timedelta(hours=15), DAY + timedelta(hours=16), 1_200))
    return Vehicle(bus.id, bus.name, bus.type, bus.depot, bus.depot_name, (late, early))


def drive(d: LiveDispatcher, vehicle: str, *, no_show: bool) -> None:
    """Report the vehicle's next task (break, pickup or drop-off) at its planned time."""
    with d.lock:
        route = next((r for r in d.state.routes_of(vehicle) if r.tasks), None)
        if route is None:
            return
        task = route.tasks[0]
        sched = d.state.schedules[route.key]
        at, leave = d.timebase.instant(sched.begin[1]), d.timebase.instant(sched.departure[1])
    if task.kind is TaskKind.BREAK:
        data = (("stop_id", d.stops_by_index[task.loc].id), ("visit_kind", "break"))
        d.record(Event(EventType.VEHICLE_ARRIVED, at, vehicle_id=vehicle, data=data))
        return
    d.record(Event(EventType.VEHICLE_ARRIVED, at, booking_id=task.request_id, vehicle_id=vehicle))
    if task.kind is TaskKind.DROPOFF:
        d.record(Event(EventType.PASSENGER_DROPPED_OFF, at, booking_id=task.request_id))
    elif no_show:
        d.record(Event(EventType.PASSENGER_NO_SHOW, leave + timedelta(minutes=10), booking_id=task.request_id))
    else:
        d.record(Event(EventType.PASSENGER_BOARDED, at, booking_id=task.request_id))


steps = st.lists(
    st.one_of(
        st.tuples(st.just("book"), st.integers(0, 5), st.integers(0, 5), st.integers(30, 800), st.integers(1, 3)),
        st.tuples(st.just("cancel"), st.integers(0, 20)),
        st.tuples(st.just("drive"), st.integers(0, 1), st.booleans()),
        st.tuples(st.just("out"), st.integers(0, 1)),
        st.tuples(st.just("in"), st.integers(0, 1)),
        st.tuples(st.just("begin"), st.integers(0, 1)),
    ),
    min_size=1, max_size=16,
)


def apply(d: LiveDispatcher, directory: NetworkStopDirectory, n: int, op: tuple[object, ...],
          confirmed: list[str]) -> None:
    """One operation of the property below."""
    if op[0] == "book":
        _, a, b, minutes, pax = op
        if a == b:
            return
        request = trip(directory, f"r{n}", STOPS[int(str(a))], STOPS[int(str(b))],
                       NOW + timedelta(minutes=int(str(minutes))), now=NOW, passengers=int(str(pax)))
        offer = d.quote(request, NOW)
        if isinstance(offer, Offer) and isinstance(d.confirm(offer, f"b{n}", NOW), Offer):
            confirmed.append(f"b{n}")
    elif op[0] == "cancel" and confirmed:
        d.cancel(confirmed[int(str(op[1])) % len(confirmed)], NOW)
    elif op[0] == "drive":
        with contextlib.suppress(EventError):  # e.g. a no-show the rules do not allow yet: nothing changes
            drive(d, f"V{op[1]}", no_show=bool(op[2]))
    elif op[0] == "begin":  # the duty begins: no route changes, the duty's status does
        with contextlib.suppress(EventError):
            d.record(Event(EventType.DUTY_STARTED, NOW, vehicle_id=f"V{op[1]}"))
    elif op[0] in {"out", "in"}:
        kind = EventType.VEHICLE_OUT_OF_SERVICE if op[0] == "out" else EventType.VEHICLE_IN_SERVICE
        d.record(Event(kind, NOW, vehicle_id=f"V{op[1]}"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps)
def test_incremental_plan_equals_plan_from_scratch(directory: NetworkStopDirectory, matrix: TravelTimeMatrix,
                                                   ops: list[tuple[object, ...]]) -> None:
    """After every operation (and after a restore) plan() shows exactly what a conversion from scratch shows."""
    fleet = [two_shift_bus("V0", "959000", directory), two_shift_bus("V1", "953445", directory)]
    d = LiveDispatcher(directory=directory, travel=matrix, fleet=fleet, origin=DAY)
    assert d.plan().tours == scratch_tours(d)
    confirmed: list[str] = []
    for n, op in enumerate(ops):
        apply(d, directory, n, op, confirmed)
        plan = d.plan()
        assert plan.version == d.state.version
        assert plan.tours == scratch_tours(d), op
        assert list(plan.duties.items()) == scratch_duties(d), op
    d.restore(d.plan(), (), NOW)  # every route is rebuilt from the stored plan: the plan must follow
    assert d.plan().tours == scratch_tours(d)
    assert list(d.plan().duties.items()) == scratch_duties(d)


def test_a_confirm_converts_only_the_changed_tour(directory: NetworkStopDirectory, matrix: TravelTimeMatrix) -> None:
    """Tours of vehicles a confirm did not touch are the very objects of the previous plan."""
    fleet = [two_shift_bus(f"V{k}", STOPS[k], directory) for k in range(3)]
    d = LiveDispatcher(directory=directory, travel=matrix, fleet=fleet, origin=DAY)
    before = d.plan()
    offer = d.quote(trip(directory, "r1", STOPS[0], STOPS[1], NOW + timedelta(hours=1), now=NOW), NOW)
    assert isinstance(offer, Offer)
    assert isinstance(d.confirm(offer, "b1", NOW), Offer)
    after = d.plan()
    assert after.version == before.version + 1
    for vehicle_id, tour in after.tours.items():
        if vehicle_id == offer.vehicle_id:
            assert tour != before.tours[vehicle_id]
            assert [v.booking_id for v in tour.visits if v.booking_id] == ["b1", "b1"]
        else:
            assert tour is before.tours[vehicle_id]
    assert after.tours == scratch_tours(d)


def _route(key: str, start: int, length: int, *, in_service: bool = True) -> Route:
    return Route(key=key, vehicle_id=key.partition("@")[0], capacity=(3, 0, 0), start_loc=0, ready=start, end_loc=0,
                 shift_start=start, shift_end=start + length, in_service=in_service)


shifts = st.lists(st.tuples(st.integers(0, 50), st.integers(0, 100), st.integers(0, 30), st.booleans()),
                  min_size=1, max_size=30)


@given(shifts, st.integers(-40, 160), st.integers(0, 60))
def test_shift_index_finds_what_a_scan_finds(routes: list[tuple[int, int, int, bool]], earliest: int,
                                             width: int) -> None:
    """searchable() gives the routes a scan of all routes gives, in the order they were added; routes_of too."""
    state = PlanState([[0]], {})
    for number, start, length, in_service in routes:
        key = f"V{number % 4}@{start}-{length}"
        state.put_route(_route(key, start, length, in_service=in_service))
    latest = earliest + width
    found = [r.key for r, _ in state.searchable(earliest, latest)]
    scan = [k for k, r in state.routes.items()
            if r.in_service and r.shift_end >= earliest and r.shift_start <= latest]
    assert found == scan
    for vehicle in {r.vehicle_id for r in state.routes.values()}:
        own = sorted((r for r in state.routes.values() if r.vehicle_id == vehicle), key=lambda r: r.shift_start)
        assert state.routes_of(vehicle) == own
