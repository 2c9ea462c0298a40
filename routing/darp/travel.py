"""A plain integer travel matrix implementing the ``TravelTimes`` protocol (tests, small callers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from routing.darp.errors import ProblemError

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass(frozen=True)
class MatrixTravel:
    """Square matrices of driving time (seconds) and distance (metres) between locations ``0..n-1``."""

    durations: Sequence[Sequence[int]]
    distances: Sequence[Sequence[int]]

    def __post_init__(self) -> None:
        n = len(self.durations)
        for name, matrix in (("durations", self.durations), ("distances", self.distances)):
            if len(matrix) != n or any(len(row) != n for row in matrix):
                msg = f"travel {name} must be a square {n} x {n} matrix"
                raise ProblemError(msg)
            if any(x < 0 for row in matrix for x in row):
                msg = f"travel {name} must not be negative"
                raise ProblemError(msg)

    def __len__(self) -> int:
        return len(self.durations)

    def duration(self, origin: int, destination: int) -> int:
        """Driving time (seconds)."""
        return int(self.durations[origin][destination])

    def distance(self, origin: int, destination: int) -> int:
        """Driving distance (metres)."""
        return int(self.distances[origin][destination])
