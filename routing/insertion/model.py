"""The insertion model: a route as a vehicle entry (start, planned tasks, end) in integer seconds.

Everything here is integer seconds since the dispatcher's reference instant and integer stop indices into the
travel-time matrix, so the search never touches a ``datetime`` (MATSim's ``VehicleEntry`` idea).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

LoadVector = tuple[int, ...]


class TaskKind(StrEnum):
    """What a vehicle does at a planned task."""

    PICKUP = "pickup"
    DROPOFF = "dropoff"
    BREAK = "break"


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """A request as the insertion sees it: stop indices, load vector and its time constraints (seconds).

    The pickup must begin in ``[pickup_earliest, pickup_latest]``, the drop-off must begin by ``dropoff_latest``,
    and the ride (end of pickup service to begin of drop-off service) must not exceed ``max_ride_s``.
    ``pickup_reserve_s`` keeps the plan that much inside the promised window: the plan begins the pickup by
    :attr:`pickup_due` so that a vehicle delayed on the road still arrives inside the window it promised.
    """

    id: str
    pickup: int
    dropoff: int
    load: LoadVector
    pickup_earliest: int
    pickup_latest: int
    dropoff_latest: int
    max_ride_s: int
    pickup_service_s: int = 60
    dropoff_service_s: int = 60
    pickup_reserve_s: int = 0

    def __post_init__(self) -> None:
        where = f"request {self.id!r}"
        if self.pickup_latest < self.pickup_earliest:
            msg = f"{where}: pickup window ends ({self.pickup_latest}) before it starts ({self.pickup_earliest})"
            raise ValueError(msg)
        if min(self.max_ride_s, self.pickup_service_s, self.dropoff_service_s, self.pickup_reserve_s) < 0:
            msg = f"{where}: ride limit and service times must not be negative"
            raise ValueError(msg)
        if any(q < 0 for q in self.load) or not any(self.load):
            msg = f"{where}: load {self.load} must be non-negative and not empty"
            raise ValueError(msg)

    @property
    def pickup_due(self) -> int:
        """The latest begin of the pickup the plan allows: the promised window's end less the reserve."""
        return max(self.pickup_earliest, self.pickup_latest - self.pickup_reserve_s)

    def pickup_task(self) -> Task:
        """The pickup task of this request (planned to begin by :attr:`pickup_due`)."""
        return Task(TaskKind.PICKUP, self.id, self.pickup, self.pickup_earliest, self.pickup_due,
                    self.pickup_service_s, self.load)

    def dropoff_task(self) -> Task:
        """The drop-off task of this request (carries the ride-time limit)."""
        return Task(TaskKind.DROPOFF, self.id, self.dropoff, 0, self.dropoff_latest, self.dropoff_service_s,
                    self.load, self.max_ride_s)


@dataclass(frozen=True, slots=True)
class Task:
    """One planned task: service begins in ``[earliest, latest]`` at stop ``loc`` and lasts ``service_s``.

    ``load`` is added at a pickup and removed at a drop-off; ``max_ride_s`` is set on drop-offs only.
    A break has no request and no load; ``loc`` is where the driver takes it.
    """

    kind: TaskKind
    request_id: str | None
    loc: int
    earliest: int
    latest: int
    service_s: int
    load: LoadVector = ()
    max_ride_s: int | None = None


@dataclass(frozen=True, slots=True)
class Route:
    """A vehicle's shift as an insertion target: where and when it is free, what it carries, what it plans.

    ``ready`` is when the vehicle can leave ``start_loc`` (it waits there rather than at the first task);
    ``onboard`` is the load already in the vehicle and ``boarded`` the pickup departure times of those riders.
    ``pinned`` leading tasks cannot get anything inserted before them (the vehicle is driving to or standing at
    them). The route ends at ``end_loc`` no later than ``shift_end`` — even if two riders still to be picked up
    fail to show and the driver waits ``no_show_wait_s`` for each before leaving (the no-show reserve).
    """

    key: str
    vehicle_id: str
    capacity: LoadVector
    start_loc: int
    ready: int
    end_loc: int
    shift_start: int
    shift_end: int
    tasks: tuple[Task, ...] = ()
    onboard: LoadVector = (0, 0, 0)
    boarded: Mapping[str, int] = field(default_factory=dict)
    pinned: int = 0
    in_service: bool = True
    no_show_wait_s: int = 0

    def request_ids(self) -> set[str]:
        """Ids of the requests with a task in this route (on board ones included)."""
        return {t.request_id for t in self.tasks if t.request_id is not None}


def add_load(a: LoadVector, b: LoadVector) -> LoadVector:
    """Component-wise sum of two load vectors."""
    if len(a) == 3 == len(b):  # seats, wheelchairs, strollers: the hot path of every insertion search
        return (a[0] + b[0], a[1] + b[1], a[2] + b[2])
    return tuple(x + y for x, y in zip(a, b, strict=True))


def sub_load(a: LoadVector, b: LoadVector) -> LoadVector:
    """Component-wise difference of two load vectors."""
    return tuple(x - y for x, y in zip(a, b, strict=True))


def fits(load: LoadVector, capacity: LoadVector) -> bool:
    """Whether ``load`` fits in ``capacity`` in every dimension."""
    if len(load) == 3 == len(capacity):  # the hot path (a loop over a generator costs more than the comparisons)
        return load[0] <= capacity[0] and load[1] <= capacity[1] and load[2] <= capacity[2]
    return all(x <= c for x, c in zip(load, capacity, strict=True))
