"""Readers for the Cordeau DARP and Li & Lim PDPTW benchmark formats.

Both use Euclidean distances with travel time equal to distance (floats). The solver works in integers, so
every time and distance is multiplied by ``scale``: durations are rounded up (a plan that is feasible with
the rounded-up times is feasible with the exact ones), distances to the nearest integer. The exact floats
stay available through :class:`EuclideanTravel` for the independent checker.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from routing.darp.errors import ProblemError
from routing.darp.problem import DarpProblem, Objective, Request, TimeWindow, Vehicle

DEFAULT_SCALE = 1000


@dataclass(frozen=True)
class EuclideanTravel:
    """Euclidean travel between points; implements the ``TravelTimes`` protocol in scaled integers."""

    coords: tuple[tuple[float, float], ...]
    scale: int = DEFAULT_SCALE

    def __len__(self) -> int:
        return len(self.coords)

    def exact(self, origin: int, destination: int) -> float:
        """Unscaled Euclidean distance (= travel time) between two points."""
        (x1, y1), (x2, y2) = self.coords[origin], self.coords[destination]
        return math.hypot(x1 - x2, y1 - y2)

    def duration(self, origin: int, destination: int) -> int:
        """Scaled travel time, rounded up."""
        return math.ceil(self.exact(origin, destination) * self.scale - 1e-9)

    def distance(self, origin: int, destination: int) -> int:
        """Scaled distance, rounded to the nearest integer."""
        return round(self.exact(origin, destination) * self.scale)

    @cached_property
    def _exact_matrix(self) -> np.ndarray:
        xy = np.asarray(self.coords, dtype=np.float64)
        return np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])

    @cached_property
    def durations(self) -> np.ndarray:
        """All scaled travel times (rounded up), as :meth:`duration` computes them one by one."""
        return np.ceil(self._exact_matrix * self.scale - 1e-9).astype(np.int64)

    @cached_property
    def distances(self) -> np.ndarray:
        """All scaled distances (rounded), as :meth:`distance` computes them one by one."""
        return np.round(self._exact_matrix * self.scale).astype(np.int64)

    def exact_duration(self, origin: int, destination: int) -> float:
        """Scaled travel time, not rounded (for the checker)."""
        return self.exact(origin, destination) * self.scale

    def exact_distance(self, origin: int, destination: int) -> float:
        """Scaled distance, not rounded (for the checker)."""
        return self.exact(origin, destination) * self.scale


@dataclass(frozen=True)
class BenchmarkInstance:
    """A benchmark problem with its name and exact Euclidean travel."""

    name: str
    problem: DarpProblem
    travel: EuclideanTravel


def _rows(path: Path) -> list[list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"{path}: cannot read ({exc.strerror})"
        raise ProblemError(msg) from exc
    return [line.split() for line in text.splitlines() if line.strip()]


def _numbers(path: Path, row: list[str], lineno: int, count: int) -> list[float]:
    if len(row) < count:
        msg = f"{path}:{lineno}: expected {count} numbers, found {len(row)}"
        raise ProblemError(msg)
    try:
        return [float(x) for x in row[:count]]
    except ValueError as exc:
        msg = f"{path}:{lineno}: not a number ({exc})"
        raise ProblemError(msg) from exc


def _window(path: Path, lineno: int, lo: float, hi: float, scale: int) -> TimeWindow:
    try:
        return TimeWindow(round(lo * scale), round(hi * scale))
    except ProblemError as exc:
        msg = f"{path}:{lineno}: {exc}"
        raise ProblemError(msg) from exc


def read_cordeau(path: str | Path, *, scale: int = DEFAULT_SCALE) -> BenchmarkInstance:
    """Read a Cordeau (2006) DARP instance: header ``m 2n T Q L``, node lines ``id x y service load e l``.

    Node 0 is the depot, ``i`` the pickup of request ``i`` and ``n+i`` its drop-off; a node ``2n+1``, if
    present, is the end depot. All requests are must-serve; the benchmark objective is the distance.
    """
    path = Path(path)
    rows = _rows(path)
    m, nodes, max_dur, cap, ride = (int(x) for x in _numbers(path, rows[0], 1, 5))
    n = nodes // 2
    data = [_numbers(path, row, i + 2, 7) for i, row in enumerate(rows[1:])]
    if len(data) not in (2 * n + 1, 2 * n + 2):
        msg = f"{path}: expected {2 * n + 1} or {2 * n + 2} node lines for 2n={nodes}, found {len(data)}"
        raise ProblemError(msg)
    travel = EuclideanTravel(tuple((row[1], row[2]) for row in data), scale)
    end = 2 * n + 1 if len(data) == 2 * n + 2 else 0
    requests = []
    for i in range(1, n + 1):
        p, d = data[i], data[n + i]
        if p[4] <= 0 or p[4] != -d[4]:
            msg = f"{path}:{i + 2}: request {i} has load {p[4]} at pickup and {d[4]} at drop-off"
            raise ProblemError(msg)
        requests.append(Request(
            id=str(i), pickup=i, dropoff=n + i, load=(int(p[4]),),
            pickup_window=_window(path, i + 2, p[5], p[6], scale),
            dropoff_window=_window(path, n + i + 2, d[5], d[6], scale),
            pickup_service_s=round(p[3] * scale), dropoff_service_s=round(d[3] * scale),
            max_ride_s=ride * scale, must_serve=True,
        ))
    depot, last = data[0], data[end]  # the end depot's window closes the shift (it is T in these files)
    shift = _window(path, 2, depot[5], min(depot[6], last[6]), scale)
    vehicles = [
        Vehicle(id=f"v{k}", capacity=(cap,), start=0, end=end, shift=shift, max_duration_s=max_dur * scale)
        for k in range(m)
    ]
    problem = DarpProblem(tuple(requests), tuple(vehicles), travel, Objective())
    return BenchmarkInstance(path.stem, problem, travel)


def read_lilim(path: str | Path, *, scale: int = DEFAULT_SCALE, vehicle_cost: int = 0) -> BenchmarkInstance:
    """Read a Li & Lim PDPTW instance: line ``K Q speed``, then ``id x y demand e l service p_sib d_sib``.

    Node 0 is the depot; a pickup names its delivery in the last column, a delivery its pickup in the one
    before. No ride-time limit; ``vehicle_cost`` (scaled units) makes the solver minimise vehicles first.
    """
    path = Path(path)
    rows = _rows(path)
    k, cap, _speed = (int(x) for x in _numbers(path, rows[0], 1, 3))
    data = [_numbers(path, row, i + 2, 9) for i, row in enumerate(rows[1:])]
    if [int(row[0]) for row in data] != list(range(len(data))):
        msg = f"{path}: node ids must run 0..{len(data) - 1} in order"
        raise ProblemError(msg)
    travel = EuclideanTravel(tuple((row[1], row[2]) for row in data), scale)
    requests = []
    for i, row in enumerate(data[1:], start=1):
        if row[7] != 0 or row[8] == 0:
            continue  # a delivery; read with its pickup
        j = int(row[8])
        if not 0 < j < len(data) or int(data[j][7]) != i:
            msg = f"{path}:{i + 2}: pickup {i} names delivery {j}, which does not name it back"
            raise ProblemError(msg)
        requests.append(Request(
            id=str(i), pickup=i, dropoff=j, load=(int(row[3]),),
            pickup_window=_window(path, i + 2, row[4], row[5], scale),
            dropoff_window=_window(path, j + 2, data[j][4], data[j][5], scale),
            pickup_service_s=round(row[6] * scale), dropoff_service_s=round(data[j][6] * scale),
            max_ride_s=round(data[0][5] * scale) + 1, must_serve=True,
        ))
    shift = _window(path, 2, data[0][4], data[0][5], scale)
    vehicles = [Vehicle(id=f"v{n}", capacity=(cap,), start=0, end=0, shift=shift) for n in range(k)]
    objective = Objective(vehicle_fixed_cost=vehicle_cost)
    return BenchmarkInstance(path.stem, DarpProblem(tuple(requests), tuple(vehicles), travel, objective), travel)
