"""Assignment problem data: which car may serve which reservation request, as integer-second options.

An :class:`AssignmentProblem` (cars, stations, requests, each car's blocked periods, rules, settings) compiles
into :class:`CompiledProblem`: per request a list of :class:`Option` — a car, a start shift and the half-open
period ``[block_start, block_end)`` (seconds since ``origin``) the car is kept busy, relocation and buffer
included. Options that collide with a car's fixed blocked periods or its calendar are never generated, so both
solvers (CP-SAT and greedy) only decide *between* options.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from mobility.domain.geo import haversine_m
from mobility.domain.poolcar_offers import PoolCarRequest
from mobility.domain.poolcars import Car, PoolRules, Slot, Station, merge_slots


@dataclass(frozen=True, slots=True)
class AssignmentSettings:
    """Weights and limits of the assignment (distances in metres, speeds in km/h).

    A *forced move* is a staff trip that brings a car from its home station to the requested one (and back
    afterwards); it costs ``move_cost`` metre-equivalents and blocks the car for the drive both ways.
    """

    max_move_m: int = 15_000
    move_candidates: int = 2  # nearest other stations whose cars may be moved
    move_speed_kmh: float = 40.0
    road_factor: float = 1.3  # road distance / straight-line distance
    move_cost: int = 5_000
    shift_cost_per_min: int = 20

    def __post_init__(self) -> None:
        if self.max_move_m < 0 or self.move_candidates < 0 or self.move_cost < 0 or self.shift_cost_per_min < 0:
            msg = "assignment settings must not be negative"
            raise ValueError(msg)
        if self.move_speed_kmh <= 0 or self.road_factor < 1:
            msg = "move_speed_kmh must be positive and road_factor at least 1"
            raise ValueError(msg)

    def move_s(self, straight_m: float) -> int:
        """Driving time of a staff move over ``straight_m`` metres straight-line distance (seconds)."""
        return math.ceil(straight_m * self.road_factor / (self.move_speed_kmh / 3.6) / 60) * 60


@dataclass(frozen=True, slots=True)
class AssignmentProblem:
    """Everything the assignment needs; ``busy`` holds blocked periods per car id (buffer included)."""

    cars: Sequence[Car]
    stations: Sequence[Station]
    requests: Sequence[PoolCarRequest]
    rules: PoolRules = field(default_factory=PoolRules)
    settings: AssignmentSettings = field(default_factory=AssignmentSettings)
    busy: Mapping[str, Sequence[Slot]] = field(default_factory=dict)
    promised: frozenset[str] = frozenset()  # request ids already promised: served before any new one
    not_before: datetime | None = None  # no slot may start earlier (e.g. now)

    def __post_init__(self) -> None:
        station_ids = {s.id for s in self.stations}
        for car in self.cars:
            if car.station_id not in station_ids:
                msg = f"car {car.id!r} is at unknown station {car.station_id!r}"
                raise ValueError(msg)
        for r in self.requests:
            if r.station_id is not None and r.station_id not in station_ids:
                msg = f"request {r.id!r} asks for unknown station {r.station_id!r}"
                raise ValueError(msg)
        if len({r.id for r in self.requests}) != len(self.requests):
            msg = "request ids must be unique"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class Option:
    """One way to serve a request: a car, a start shift, and the car's blocked period (seconds since origin)."""

    car: int
    station: int  # where the person picks the car up
    shift_s: int
    walk_m: int
    moved_from: int  # station index the car is brought from, -1 without a move
    block_start: int
    block_end: int
    cost: int  # metre-equivalents: walk + shift + move


@dataclass(frozen=True, slots=True)
class CompiledProblem:
    """Integer form of an :class:`AssignmentProblem`: ``options[r]`` lists request ``r``'s options, cheapest first."""

    source: AssignmentProblem
    origin: datetime
    options: tuple[tuple[Option, ...], ...]
    weights: tuple[int, ...]  # reward for serving request r (dominates every possible total cost)

    def slot_of(self, r: int, option: Option) -> Slot:
        """The slot the person gets with ``option``."""
        return self.source.requests[r].slot.shifted(option.shift_s)


def _seconds(origin: datetime, t: datetime) -> int:
    return int((t - origin).total_seconds())


def _shifts(flex_s: int, step_s: int) -> list[int]:
    out = [0]
    k = step_s
    while k <= flex_s:
        out += [-k, k]
        k += step_s
    return out


class _Calendar:
    """Open periods and fixed blocked periods of one car, in seconds since origin, for fast containment tests."""

    def __init__(self, car: Car, busy: Sequence[Slot], origin: datetime, horizon: Slot) -> None:
        if car.availability is None:
            self.open: list[tuple[int, int]] | None = None
        else:
            self.open = [
                (_seconds(origin, s.start), _seconds(origin, s.end)) for s in car.availability.open_slots(horizon)
            ]
        merged = merge_slots(list(busy))
        self.busy_starts = [_seconds(origin, s.start) for s in merged]
        self.busy_ends = [_seconds(origin, s.end) for s in merged]

    def allows(self, use_start: int, use_end: int, block_start: int, block_end: int) -> bool:
        """Whether the car is open for ``[use_start, use_end)`` and free for ``[block_start, block_end)``."""
        if self.open is not None:
            i = bisect.bisect_right(self.open, (use_start, math.inf)) - 1
            if i < 0 or self.open[i][1] < use_end:
                return False
        j = bisect.bisect_left(self.busy_ends, block_start + 1)
        return j >= len(self.busy_starts) or self.busy_starts[j] >= block_end


def compile_problem(problem: AssignmentProblem) -> CompiledProblem:
    """Generate every feasible option per request and the rewards that make serving lexicographically first."""
    reqs = problem.requests
    rules, settings = problem.rules, problem.settings
    pad = timedelta(seconds=rules.max_flex_s + 2 * settings.move_s(settings.max_move_m) + rules.buffer_s)
    if reqs:
        origin = min(r.slot.start for r in reqs) - pad
        horizon = Slot(origin, max(r.slot.end for r in reqs) + pad)
    else:
        origin = problem.not_before or datetime(2000, 1, 1).astimezone()
        horizon = Slot(origin, origin + timedelta(seconds=1))
    index = {s.id: i for i, s in enumerate(problem.stations)}
    calendars = [_Calendar(c, problem.busy.get(c.id, ()), origin, horizon) for c in problem.cars]
    by_station: dict[int, list[int]] = {}
    for k, car in enumerate(problem.cars):
        if car.in_service:
            by_station.setdefault(index[car.station_id], []).append(k)
    dist = _station_distances(problem.stations)
    floor = None if problem.not_before is None else _seconds(origin, problem.not_before)
    ctx = _Context(problem, origin, calendars, by_station, dist, index, floor)
    options = tuple(tuple(_request_options(ctx, r)) for r in reqs)
    worst = sum(max((o.cost for o in opts), default=0) for opts in options)
    base = worst + 1
    promised_weight = base * (len(reqs) + 1)
    weights = tuple(promised_weight if r.id in problem.promised else base for r in reqs)
    return CompiledProblem(problem, origin, options, weights)


def _station_distances(stations: Sequence[Station]) -> list[list[float]]:
    return [[haversine_m(a.point, b.point) for b in stations] for a in stations]


@dataclass(frozen=True, slots=True)
class _Context:
    problem: AssignmentProblem
    origin: datetime
    calendars: list[_Calendar]
    by_station: dict[int, list[int]]  # station index -> indices of its cars in service
    dist: list[list[float]]  # straight-line metres between stations
    index: dict[str, int]  # station id -> index
    floor: int | None  # earliest allowed start (seconds since origin)


def _candidates(ctx: _Context, r: PoolCarRequest) -> list[tuple[int, int, int, int]]:
    """``(car, station, walk_m, moved_from)`` for cars within walking reach and cars that may be moved there."""
    stations, settings, by_station = ctx.problem.stations, ctx.problem.settings, ctx.by_station
    ref = stations[ctx.index[r.station_id]].point if r.station_id is not None else r.point
    assert ref is not None
    walks = [(i, round(haversine_m(ref, s.point))) for i, s in enumerate(stations)]
    near = {i: w for i, w in walks if w <= r.walk_radius_m or stations[i].id == r.station_id}
    if r.station_id is not None:
        near[ctx.index[r.station_id]] = 0
    pairs = [(k, i, w, -1) for i, w in near.items() for k in by_station.get(i, ())]
    if near and settings.move_candidates > 0:
        target = min(near, key=lambda i: near[i])
        others = sorted((ctx.dist[target][j], j) for j in by_station if j not in near)
        for d, j in others[: settings.move_candidates]:
            if d <= settings.max_move_m:
                pairs += [(k, target, near[target], j) for k in by_station[j]]
    return pairs


def _request_options(ctx: _Context, r: PoolCarRequest) -> list[Option]:
    """All options of request ``r``, cheapest first."""
    problem, origin, calendars, dist, floor = ctx.problem, ctx.origin, ctx.calendars, ctx.dist, ctx.floor
    rules, settings = problem.rules, problem.settings
    pairs = _candidates(ctx, r)
    start, end = _seconds(origin, r.slot.start), _seconds(origin, r.slot.end)
    out: list[Option] = []
    for k, i, w, j in pairs:
        car = problem.cars[k]
        if not r.fits(car):
            continue
        move = settings.move_s(dist[j][i]) if j >= 0 else 0
        for shift in _shifts(min(r.flex_s, rules.max_flex_s), rules.flex_step_s):
            s, e = start + shift, end + shift
            if floor is not None and s < floor:
                continue
            bs, be = s - move, e + move + rules.buffer_s
            if not calendars[k].allows(s - move, e + move, bs, be):
                continue
            cost = w + abs(shift) // 60 * settings.shift_cost_per_min + (settings.move_cost if j >= 0 else 0)
            out.append(Option(k, i, shift, w, j, bs, be, cost))
    out.sort(key=lambda o: (o.cost, o.car, o.shift_s))
    return out
