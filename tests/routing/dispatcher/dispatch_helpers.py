"""Helpers of the dispatcher tests: the test day, minibuses at real stops, trips between stops, plan checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mobility.domain.fleet import Shift, Vehicle, VehicleKind, VehicleType
from mobility.domain.rides import Load, RideRequest
from routing.directory import NetworkStopDirectory
from routing.dispatcher import LiveDispatcher

DAY = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday; 06:00 UTC is 07:00 in Bernburg


def minibus(
    vid: str,
    depot: str,
    directory: NetworkStopDirectory,
    *,
    seats: int = 8,
    wheelchairs: int = 0,
    start_h: int = 5,
    end_h: int = 21,
) -> Vehicle:
    """A minibus at the stop called ``depot`` with one shift on DAY (hours UTC)."""
    stop = directory.find_stop(depot)
    vtype = VehicleType(f"bus-{seats}-{wheelchairs}", "Kleinbus", VehicleKind.MINIBUS, Load(seats, wheelchairs, 1))
    shift = Shift(DAY + timedelta(hours=start_h), DAY + timedelta(hours=end_h))
    return Vehicle(vid, vid, vtype, stop.point, stop.name, (shift,))


def trip(directory: NetworkStopDirectory, rid: str, origin: str, destination: str, when: datetime, *,
         now: datetime | None = None, arrival: bool = False, passengers: int = 1,
         wheelchairs: int = 0) -> RideRequest:
    """A request between two stops (ids or names) leaving (or arriving) at ``when``."""
    a, b = directory.find_stop(origin), directory.find_stop(destination)
    timing = {"arrival": when} if arrival else {"departure": when}
    return RideRequest(rid, f"customer-{rid}", a.point, b.point, now or when - timedelta(hours=1),
                       passengers=passengers, wheelchairs=wheelchairs, origin_stop_id=a.id,
                       destination_stop_id=b.id, **timing)


def assert_plan_valid(dispatcher: LiveDispatcher) -> None:
    """Every route passes the exact check and every commitment is planned exactly once."""
    from routing.insertion import check

    with dispatcher.lock:
        state = dispatcher.state
        for route in state.routes.values():
            assert check(route, dispatcher.durations) == [], route.key
        planned: dict[str, int] = {}
        for route in state.routes.values():
            for rid in route.request_ids():
                planned[rid] = planned.get(rid, 0) + 1
        assert planned == dict.fromkeys(state.commitments, 1)
        for bid, c in state.commitments.items():
            assert bid in state.routes[c.route_key].request_ids()
