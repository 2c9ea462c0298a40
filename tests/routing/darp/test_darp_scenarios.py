"""Hand-made live-plan cases (MATSim style): each builds a tiny instance and checks the plan and the checker."""

from __future__ import annotations

from routing.darp import (
    Break,
    DarpProblem,
    Request,
    SolverParams,
    Status,
    TimeWindow,
    Vehicle,
    VisitKind,
    solve,
)
from routing.darp.checker import check
from tests.routing.darp.darp_builders import line_travel

#: Locations at km 0 (depot), 2, 5, 9, 12 on one road.
TRAVEL = line_travel([0, 2, 5, 9, 12])
FAST = SolverParams(iterations=40)


def _solve(problem: DarpProblem):  # type: ignore[no-untyped-def]
    solution = solve(problem, time_limit_s=5, seed=1, params=FAST)
    assert check(problem, solution) == []
    return solution


def _bus(vid: str = "bus", cap: tuple[int, int] = (4, 0), **kw: object) -> Vehicle:
    return Vehicle(id=vid, capacity=cap, start=0, end=0, **kw)  # type: ignore[arg-type]


def test_empty_vehicle_serves_single_request() -> None:
    """An empty vehicle picks up and drops off a lone request in order, at the direct-ride cost."""
    problem = DarpProblem((Request(id="r", pickup=1, dropoff=3, load=(1, 0)),), (_bus(),), TRAVEL)
    route = _solve(problem).route_of("bus")
    assert [(v.request_id, v.kind) for v in route.visits] == [("r", VisitKind.PICKUP), ("r", VisitKind.DROPOFF)]
    assert [v.load_after for v in route.visits] == [(1, 0), (0, 0)]


def test_full_vehicle_cannot_take_more() -> None:
    """Two 3-seat groups with overlapping rides do not share a 4-seat bus: the second bus takes one."""
    window = TimeWindow(120, 300)
    requests = tuple(Request(id=f"g{k}", pickup=1, dropoff=4, load=(3, 0), pickup_window=window, must_serve=True)
                     for k in range(2))
    problem = DarpProblem(requests, (_bus("a"), _bus("b")), TRAVEL)
    solution = _solve(problem)
    assert solution.status is Status.FEASIBLE
    assert {r.vehicle_id for r in solution.routes if r.visits} == {"a", "b"}


def test_full_fleet_rejects_what_cannot_fit() -> None:
    """With one 4-seat bus and two simultaneous 3-seat groups, one may-reject group is rejected."""
    window = TimeWindow(120, 300)
    requests = tuple(Request(id=f"g{k}", pickup=1, dropoff=4, load=(3, 0), pickup_window=window,
                             dropoff_window=TimeWindow(0, 900)) for k in range(2))
    solution = _solve(DarpProblem(requests, (_bus(),), TRAVEL))
    assert len(solution.rejected) == 1
    assert solution.cost.reject_penalty == 1_000_000


def test_onboard_passenger_is_dropped_by_its_vehicle() -> None:
    """A passenger already on board is dropped by that vehicle, within its ride limit, and no pickup is planned;
    the two seats are counted as taken from the start until that drop-off."""
    onboard = Request(id="in", pickup=1, dropoff=4, load=(2, 0), onboard="b", picked_up_at=0, must_serve=True,
                      max_ride_s=900)
    other = Request(id="new", pickup=2, dropoff=3, load=(1, 0))
    vehicles = (_bus("a"), Vehicle(id="b", capacity=(4, 0), start=1, end=0, shift=TimeWindow(60, 10_000)))
    solution = _solve(DarpProblem((onboard, other), vehicles, TRAVEL))
    route = solution.route_of("b")
    visits = [(v.request_id, v.kind) for v in route.visits]
    assert visits.count(("in", VisitKind.DROPOFF)) == 1
    assert ("in", VisitKind.PICKUP) not in visits
    assert "in" not in {v.request_id for v in solution.route_of("a").visits}
    seats = 2  # on board when the plan starts
    for visit in route.visits:
        seats += {"in": 2, "new": 1}[visit.request_id] * (1 if visit.kind is VisitKind.PICKUP else -1)
        assert visit.load_after == (seats, 0), visits
    drop = route.visits[visits.index(("in", VisitKind.DROPOFF))]
    assert drop.start_s <= 900  # picked up at 0, at most 900 s on board (km 2 → km 9 is 420 s)


def test_wheelchair_request_only_on_capable_vehicle() -> None:
    """A wheelchair request is served by the bus with a wheelchair place, never by the pool car."""
    car = Vehicle(id="car", capacity=(4, 0), start=2, end=2)
    bus = Vehicle(id="bus", capacity=(8, 1), start=0, end=0, skills=frozenset({"wheelchair"}))
    wheelchair = Request(id="w", pickup=2, dropoff=3, load=(1, 1), skills=frozenset({"wheelchair"}), must_serve=True)
    solution = _solve(DarpProblem((wheelchair,), (car, bus), TRAVEL))
    assert [v.request_id for v in solution.route_of("bus").visits] == ["w", "w"]
    assert not solution.route_of("car").visits


def test_break_is_respected() -> None:
    """A 30-minute break fits between stops; the checker confirms the gap holds travel and break."""
    bus = _bus(shift=TimeWindow(0, 3 * 3600), breaks=(Break(1800, 2400, 1800),))
    requests = (
        Request(id="early", pickup=1, dropoff=2, load=(1, 0), pickup_window=TimeWindow(600, 900), must_serve=True),
        Request(id="late", pickup=3, dropoff=4, load=(1, 0), pickup_window=TimeWindow(3600, 4200), must_serve=True),
    )
    problem = DarpProblem(requests, (bus,), TRAVEL)
    solution = _solve(problem)
    route = solution.route_of("bus")
    assert solution.status is Status.FEASIBLE
    assert len(route.break_starts_s) == 1
    assert 1800 <= route.break_starts_s[0] <= 2400


def test_shift_end_is_respected() -> None:
    """A request that cannot be finished before the shift ends is rejected, not planned late."""
    bus = _bus(shift=TimeWindow(0, 1200))
    late = Request(id="late", pickup=3, dropoff=4, load=(1, 0), pickup_window=TimeWindow(900, 1000))
    ok = Request(id="ok", pickup=1, dropoff=2, load=(1, 0))
    solution = _solve(DarpProblem((late, ok), (bus,), TRAVEL))
    assert solution.rejected == ("late",)
    assert solution.route_of("bus").arrival_s <= 1200


def test_fixed_next_stop_is_kept() -> None:
    """A vehicle whose next stop is fixed visits that request first even if another is closer."""
    near = Request(id="near", pickup=1, dropoff=2, load=(1, 0))
    far = Request(id="far", pickup=4, dropoff=3, load=(1, 0))
    bus = _bus(fixed_next="far")
    solution = _solve(DarpProblem((near, far), (bus,), TRAVEL))
    assert solution.route_of("bus").visits[0].request_id == "far"


def test_infeasible_confirmed_request_is_reported() -> None:
    """A confirmed request no vehicle can reach in time is listed as unserved, with status INFEASIBLE."""
    bus = _bus(shift=TimeWindow(0, 3600))
    urgent = Request(id="urgent", pickup=4, dropoff=1, load=(1, 0), pickup_window=TimeWindow(0, 60), must_serve=True)
    fine = Request(id="fine", pickup=1, dropoff=2, load=(1, 0), must_serve=True)
    problem = DarpProblem((urgent, fine), (bus,), TRAVEL)
    solution = solve(problem, time_limit_s=5, seed=1, params=FAST)
    assert [(v.kind, v.subject) for v in check(problem, solution)] == [("confirmed", "urgent")]
    assert solution.status is Status.INFEASIBLE
    assert solution.unserved_confirmed == ("urgent",)
    assert solution.served == ("fine",)


def test_no_requests_gives_empty_routes_quickly() -> None:
    """A problem without requests is solved at once with every vehicle idle and zero cost."""
    solution = solve(DarpProblem((), (_bus("a"), _bus("b")), TRAVEL), time_limit_s=5)
    assert [r.visits for r in solution.routes] == [(), ()]
    assert solution.cost.total == 0
    assert solution.status is Status.FEASIBLE
    assert solution.served == solution.rejected == ()


def test_onboard_pickup_location_need_not_be_a_stop() -> None:
    """An on-board passenger's pickup place (used only for the direct ride) may appear nowhere else."""
    onboard = Request(id="in", pickup=3, dropoff=2, load=(1, 0), onboard="bus", picked_up_at=0, must_serve=True)
    solution = _solve(DarpProblem((onboard,), (_bus(shift=TimeWindow(60, 10_000)),), TRAVEL))
    assert solution.served == ("in",)
