"""Node-based view of a problem, shared by the construction, the OR-Tools model and the solution reader.

Nodes: ``0..V-1`` vehicle starts, ``V..2V-1`` vehicle ends, then per request its pickup node (absent for a
passenger already on board) and its drop-off node. Windows are tightened here (Cordeau 2006): a drop-off
window and the ride-time limit bound the pickup window and vice versa, and the depots bound both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING

import numpy as np

from routing.darp.errors import ProblemError

if TYPE_CHECKING:
    from mobility.domain.ports import TravelTimes
    from routing.darp.problem import DarpProblem, Request, Vehicle


@dataclass(frozen=True)
class Compiled:
    """Arrays indexed by node, request index or vehicle index (plain lists: read in tight Python loops)."""

    problem: DarpProblem
    loc: list[int]
    service: list[int]
    earliest: list[int]
    latest: list[int]
    demand: list[tuple[int, ...]]
    request_of: list[int]  # request index of a node, -1 for depots
    pickup_node: list[int]  # per request, -1 if the passenger is on board
    dropoff_node: list[int]  # per request
    max_ride: list[int]  # per request (seconds, end of pickup service to start of drop-off service)
    allowed: list[tuple[int, ...]]  # per request: indices of vehicles that may serve it
    initial_load: list[tuple[int, ...]]  # per vehicle: load on board at the start
    dur: list[list[int]]  # node x node driving time (seconds)
    dist: list[list[int]]  # node x node driving distance (metres)
    unreachable: set[int] = field(default_factory=set)  # requests no vehicle can serve in time
    partner: list[int] = field(default_factory=list)  # per node: pickup of a drop-off, -1 pickup, -2 other
    ride_limit: list[int] = field(default_factory=list)  # per drop-off node: max start gap to pickup, -1 none
    step: list[list[int]] = field(default_factory=list)  # node x node: service at the first + driving time
    step_to: list[list[int]] = field(default_factory=list)  # transposed ``step``: step_to[b][a] = step[a][b]
    dist_to: list[list[int]] = field(default_factory=list)  # transposed ``dist``
    related: dict[int, list[int]] = field(default_factory=dict)  # LNS cache: requests by relatedness to one
    empty_options: dict[tuple[int, int], list[tuple[int, int, int, int]]] = field(default_factory=dict)  # LNS
    twin: list[int] = field(default_factory=list)  # per vehicle: lowest index of a vehicle identical when empty

    @property
    def n_vehicles(self) -> int:
        """Number of vehicles."""
        return len(self.problem.vehicles)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.loc)

    def start_node(self, v: int) -> int:
        """Start node of vehicle ``v``."""
        return v

    def end_node(self, v: int) -> int:
        """End node of vehicle ``v``."""
        return self.n_vehicles + v

    def is_pickup(self, node: int) -> bool:
        """Whether ``node`` is a pickup."""
        r = self.request_of[node]
        return r >= 0 and self.pickup_node[r] == node


def compile_problem(problem: DarpProblem) -> Compiled:
    """Build the node arrays of ``problem`` and tighten the windows; raise ``ProblemError`` on empty windows."""
    vehicles, requests = problem.vehicles, problem.requests
    n_v = len(vehicles)
    zero = (0,) * problem.dimensions
    loc = [v.start for v in vehicles] + [v.end for v in vehicles]
    service = [0] * (2 * n_v)
    earliest = [v.shift.earliest for v in vehicles] * 2
    latest = [v.shift.latest for v in vehicles] * 2
    demand = [zero] * (2 * n_v)
    request_of = [-1] * (2 * n_v)
    pickup_node: list[int] = []
    dropoff_node: list[int] = []
    index_of = {v.id: i for i, v in enumerate(vehicles)}
    initial = [list(zero) for _ in vehicles]
    for ri, r in enumerate(requests):
        if r.onboard is None:
            pickup_node.append(len(loc))
            loc.append(r.pickup)
            service.append(r.pickup_service_s)
            earliest.append(r.pickup_window.earliest)
            latest.append(r.pickup_window.latest)
            demand.append(r.load)
            request_of.append(ri)
        else:
            pickup_node.append(-1)
            onboard = initial[index_of[r.onboard]]
            for k, q in enumerate(r.load):
                onboard[k] += q
        dropoff_node.append(len(loc))
        loc.append(r.dropoff)
        service.append(r.dropoff_service_s)
        earliest.append(r.dropoff_window.earliest)
        latest.append(r.dropoff_window.latest)
        demand.append(tuple(-q for q in r.load))
        request_of.append(ri)
    used = sorted(set(loc) | {r.pickup for r in requests})  # on-board pickups: for the direct ride
    sub_dur, sub_dist = _matrices(problem.travel, used)
    pos = {x: k for k, x in enumerate(used)}
    at = [pos[x] for x in loc]
    dur, dist = _node_rows(problem.travel, used, at, sub_dur, sub_dist)
    direct = sub_dur[[pos[r.pickup] for r in requests], [pos[r.dropoff] for r in requests]].tolist()
    compiled = Compiled(
        problem=problem, loc=loc, service=service, earliest=earliest, latest=latest, demand=demand,
        request_of=request_of, pickup_node=pickup_node, dropoff_node=dropoff_node,
        max_ride=[_max_ride(problem, r, int(x)) for r, x in zip(requests, direct, strict=True)],
        allowed=_allowed_per_request(problem), initial_load=[tuple(x) for x in initial], dur=dur, dist=dist,
    )
    _check_capacity(compiled)
    dur_np = sub_dur[np.ix_(at, at)]
    reach, back = _depot_bounds(compiled, dur_np)
    for ri in range(len(requests)):
        _tighten(compiled, ri, reach[ri], back[ri])
    _link_pairs(compiled, dur_np)
    return compiled


def _allowed_per_request(problem: DarpProblem) -> list[tuple[int, ...]]:
    """Per request the vehicles that may serve it; computed once per kind of request (on board of, pinned to,
    skills, load)."""
    vehicles = problem.vehicles
    pinned = {v.fixed_next: i for i, v in enumerate(vehicles) if v.fixed_next is not None}
    allowed_of: dict[tuple[object, ...], tuple[int, ...]] = {}
    allowed = []
    for r in problem.requests:
        key = (r.onboard, pinned.get(r.id), r.skills, r.load)
        if key not in allowed_of:
            allowed_of[key] = _allowed(r, vehicles, pinned.get(r.id))
        allowed.append(allowed_of[key])
    return allowed


def _matrices(travel: TravelTimes, used: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Duration and distance matrices (int64) between the ``used`` locations, in that order.

    A travel object with ``durations`` and ``distances`` matrices (``MatrixTravel``, numpy tables) is read in
    one indexing operation; any other ``TravelTimes`` pair by pair.
    """
    out = []
    for name, scalar in (("durations", travel.duration), ("distances", travel.distance)):
        table = getattr(travel, name, None)
        if table is not None:
            full = np.asarray(table)  # index first: converting the whole district table took longer than the rest
            out.append(full[np.ix_(used, used)].astype(np.int64))
        else:
            flat = np.fromiter((scalar(a, b) for a in used for b in used), dtype=np.int64, count=len(used) ** 2)
            out.append(flat.reshape(len(used), len(used)))
    return out[0], out[1]


def _node_rows(travel: TravelTimes, used: list[int], at: list[int], sub_dur: np.ndarray,
               sub_dist: np.ndarray) -> tuple[list[list[int]], list[list[int]]]:
    """Node x node duration and distance tables as lists: the rows of the ``used`` locations (the travel's own
    lists if it keeps them for exactly these locations, else one conversion of the smaller location table),
    picked per node by ``at`` (positions in ``used``) without converting each entry again."""
    kept = getattr(travel, "tables_for", None)
    tables = kept(used) if kept is not None else None
    dur_rows, dist_rows = tables if tables is not None else (sub_dur.tolist(), sub_dist.tolist())
    if len(at) == 1:
        return [[dur_rows[at[0]][at[0]]]], [[dist_rows[at[0]][at[0]]]]
    pick = itemgetter(*at)
    return [list(pick(dur_rows[p])) for p in at], [list(pick(dist_rows[p])) for p in at]


def _link_pairs(c: Compiled, dur: np.ndarray) -> None:
    """Fill ``partner``, ``ride_limit`` (-1 where the windows already imply it) and the derived matrices
    (``dur``: the node x node durations as an array)."""
    c.partner.extend([-2] * c.n_nodes)
    c.twin.extend(_twins(c))
    step = (dur + np.asarray(c.service, dtype=np.int64)[:, None]).tolist()
    c.step.extend(step)
    c.step_to.extend(list(col) for col in zip(*step, strict=True))  # transposed: the same int objects
    c.dist_to.extend(list(col) for col in zip(*c.dist, strict=True))
    c.ride_limit.extend([-1] * c.n_nodes)
    for ri, (p, d) in enumerate(zip(c.pickup_node, c.dropoff_node, strict=True)):
        if p < 0:
            continue
        c.partner[p], c.partner[d] = -1, p
        limit = c.max_ride[ri] + c.service[p]
        if c.latest[d] - c.earliest[p] > limit:
            c.ride_limit[d] = limit


def _twins(c: Compiled) -> list[int]:
    """Per vehicle the first vehicle that, with an empty route, offers exactly the same insertions."""
    first: dict[tuple[object, ...], int] = {}
    out = []
    for v, vehicle in enumerate(c.problem.vehicles):
        end = c.end_node(v)
        key = (c.loc[v], c.loc[end], c.earliest[v], c.latest[v], c.earliest[end], c.latest[end], c.service[v],
               c.service[end], vehicle.capacity, vehicle.max_duration_s, vehicle.skills, vehicle.fixed_next,
               c.initial_load[v], c.problem.fixed_cost(vehicle))
        out.append(first.setdefault(key, v))
    return out


def _max_ride(problem: DarpProblem, r: Request, direct: int) -> int:
    return r.max_ride_s if r.max_ride_s is not None else problem.ride_rule.limit(direct)


def _allowed(r: Request, vehicles: tuple[Vehicle, ...], pinned_to: int | None) -> tuple[int, ...]:
    return tuple(
        i for i, v in enumerate(vehicles)
        if (r.onboard is None or r.onboard == v.id)
        and (pinned_to is None or pinned_to == i)
        and r.skills <= v.skills
        and all(q <= c for q, c in zip(r.load, v.capacity, strict=True))
    )


def _check_capacity(c: Compiled) -> None:
    """Vehicles that cannot work at all: more on board than they hold, or no time to reach their end location."""
    n_v = len(c.problem.vehicles)
    for v, vehicle in enumerate(c.problem.vehicles):
        if any(q > cap for q, cap in zip(c.initial_load[v], vehicle.capacity, strict=True)):
            msg = f"vehicle {vehicle.id!r}: passengers on board {c.initial_load[v]} exceed capacity {vehicle.capacity}"
            raise ProblemError(msg)
        drive = c.dur[v][n_v + v]
        if vehicle.shift.earliest + drive > vehicle.shift.latest:
            msg = (f"vehicle {vehicle.id!r}: its shift {vehicle.shift} is too short to drive from its start to its "
                   f"end location ({drive} s)")
            raise ProblemError(msg)


def _depot_bounds(c: Compiled, dur: np.ndarray) -> tuple[list[int], list[int]]:
    """Per request, over the vehicles allowed to serve it: the earliest one can reach its first node (the pickup,
    or the drop-off of a rider on board) from its start, and the latest its drop-off service can begin for one to
    still reach its end in time (0 for a request no vehicle may serve). Vehicle nodes' windows are not tightened,
    so these hold throughout ``_tighten``; one numpy reduction per distinct set of allowed vehicles."""
    n_v = c.n_vehicles
    start_e, end_lt = np.asarray(c.earliest[:n_v], dtype=np.int64), np.asarray(c.latest[n_v:], dtype=np.int64)
    service = np.asarray(c.service, dtype=np.int64)
    reach, back = [0] * len(c.allowed), [0] * len(c.allowed)
    by_allowed: dict[tuple[int, ...], list[int]] = {}
    for ri, allowed in enumerate(c.allowed):
        by_allowed.setdefault(allowed, []).append(ri)
    for allowed, ris in by_allowed.items():
        if not allowed:
            continue  # _tighten raises
        vs = np.asarray(allowed, dtype=np.intp)
        first = np.asarray([c.pickup_node[ri] if c.pickup_node[ri] >= 0 else c.dropoff_node[ri] for ri in ris],
                           dtype=np.intp)
        drops = np.asarray([c.dropoff_node[ri] for ri in ris], dtype=np.intp)
        got = (start_e[vs][:, None] + dur[np.ix_(vs, first)]).min(axis=0).tolist()
        late = ((end_lt[vs][None, :] - dur[np.ix_(drops, vs + n_v)]).max(axis=1) - service[drops]).tolist()
        for ri, x, y in zip(ris, got, late, strict=True):
            reach[ri], back[ri] = x, y
    return reach, back


def _tighten(c: Compiled, ri: int, reach: int, back: int) -> None:
    """Cordeau (2006) window tightening for request ``ri``, in place (``reach``, ``back``: its depot bounds,
    see ``_depot_bounds``).

    Windows that contradict each other (pickup window, drop-off window, direct ride, ride limit) raise
    ``ProblemError``; windows no vehicle can reach from its depot within its shift mark the request unreachable.
    """
    r = c.problem.requests[ri]
    if not c.allowed[ri]:
        msg = f"request {r.id!r}: no vehicle may serve it (skills, capacity, on board or fixed next stop)"
        raise ProblemError(msg)
    p, d, ride = c.pickup_node[ri], c.dropoff_node[ri], c.max_ride[ri]
    e, lt = c.earliest, c.latest
    if p < 0:  # on board: drop-off within the ride limit after the pickup that happened
        assert r.picked_up_at is not None
        lt[d] = min(lt[d], r.picked_up_at + r.pickup_service_s + ride)
        if e[d] > lt[d]:
            msg = f"request {r.id!r}: on board since {r.picked_up_at} s, its drop-off window cannot be met"
            raise ProblemError(msg)
        e[d] = max(e[d], reach)
        lt[d] = min(lt[d], back)
        if e[d] > lt[d]:
            c.unreachable.add(ri)
        return
    direct = c.dur[p][d]
    if direct > ride:
        msg = f"request {r.id!r}: max ride time {ride} s is shorter than the direct ride {direct} s"
        raise ProblemError(msg)
    for _ in range(2):
        _tighten_pair(c, p, d, direct, ride)
    if e[p] > lt[p] or e[d] > lt[d]:
        msg = (f"request {r.id!r}: pickup window {r.pickup_window} and drop-off window {r.dropoff_window} "
               f"cannot both be met with the direct ride {direct} s and max ride {ride} s")
        raise ProblemError(msg)
    e[p] = max(e[p], reach)
    lt[d] = min(lt[d], back)
    for _ in range(2):
        _tighten_pair(c, p, d, direct, ride)
    if e[p] > lt[p] or e[d] > lt[d]:
        c.unreachable.add(ri)  # its windows stay empty: every schedule through it fails


def _tighten_pair(c: Compiled, p: int, d: int, direct: int, ride: int) -> None:
    e, lt, s_p = c.earliest, c.latest, c.service[p]
    e[p] = max(e[p], e[d] - ride - s_p)
    lt[p] = min(lt[p], lt[d] - direct - s_p)
    e[d] = max(e[d], e[p] + s_p + direct)
    lt[d] = min(lt[d], lt[p] + s_p + ride)
