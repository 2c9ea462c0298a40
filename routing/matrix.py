"""Travel-time matrices between stops: multi-source Dijkstra (scipy csgraph), cached on disk by hash."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

#: Combined Dijkstra weight ``time_s * TIME_SCALE + length_m``: minimises time, ties broken by
#: length, and both sums stay exact in float64 (path lengths below 4,194 km).
TIME_SCALE = float(2**22)

#: Duration and distance of a pair that cannot be reached (largest int32).
UNREACHABLE = int(np.iinfo(np.int32).max)

ProgressFn = Callable[[int], None]


@dataclass(frozen=True)
class TravelTimeMatrix:
    """Driving times (seconds) and distances (metres) between all pairs of ``N`` locations.

    Implements :class:`mobility.domain.ports.TravelTimes`. Unreachable pairs hold :data:`UNREACHABLE`.
    """

    durations: NDArray[np.int32]
    distances: NDArray[np.int32]

    def __post_init__(self) -> None:
        shape = self.durations.shape
        if len(shape) != 2 or shape[0] != shape[1] or self.distances.shape != shape:
            msg = f"a travel-time matrix must be square with equal shapes, got {shape}, {self.distances.shape}"
            raise ValueError(msg)
        if self.durations.dtype != np.int32 or self.distances.dtype != np.int32:
            msg = "durations and distances must be int32"
            raise ValueError(msg)

    def __len__(self) -> int:
        """Number of locations."""
        return int(self.durations.shape[0])

    def duration(self, origin: int, destination: int) -> int:
        """Driving time from ``origin`` to ``destination`` (seconds)."""
        return int(self.durations[origin, destination])

    def distance(self, origin: int, destination: int) -> int:
        """Driving distance from ``origin`` to ``destination`` (metres)."""
        return int(self.distances[origin, destination])

    def reachable(self, origin: int, destination: int) -> bool:
        """Whether ``destination`` can be reached from ``origin`` at all."""
        return int(self.durations[origin, destination]) != UNREACHABLE

    def save(self, path: Path) -> Path:
        """Write the matrix to ``path`` (``.npz``, uncompressed for fast loading), atomically."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, durations=self.durations, distances=self.distances)
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: Path) -> TravelTimeMatrix:
        """Read a matrix written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as data:
            return cls(durations=data["durations"], distances=data["distances"])


def split_weights(weights: NDArray[np.float64]) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """Durations and distances from combined weights ``time * TIME_SCALE + length`` (inf → unreachable)."""
    finite = np.isfinite(weights)
    safe = np.where(finite, weights, 0.0)
    seconds = np.floor(safe / TIME_SCALE)
    metres = safe - seconds * TIME_SCALE
    durations = np.where(finite, seconds, UNREACHABLE).astype(np.int32)
    distances = np.where(finite, metres, UNREACHABLE).astype(np.int32)
    return durations, distances


def many_to_many(
    graph: csr_matrix,
    sources: NDArray[np.int64],
    targets: NDArray[np.int64],
    *,
    batch: int = 64,
    progress: ProgressFn | None = None,
) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """Durations and distances (``len(sources)`` × ``len(targets)``) over a combined-weight graph.

    Runs Dijkstra from ``batch`` sources at a time, so memory stays at ``batch`` × nodes floats.
    ``progress`` is called with the number of sources finished after each batch.
    """
    from scipy.sparse.csgraph import dijkstra

    durations = np.empty((len(sources), len(targets)), dtype=np.int32)
    distances = np.empty_like(durations)
    for start in range(0, len(sources), batch):
        chunk = sources[start : start + batch]
        weights = dijkstra(graph, directed=True, indices=chunk)
        weights = np.atleast_2d(weights)[:, targets]
        durations[start : start + len(chunk)], distances[start : start + len(chunk)] = split_weights(weights)
        if progress is not None:
            progress(len(chunk))
    return durations, distances


def cached_matrix(cache_path: Path | None, compute: Callable[[], TravelTimeMatrix], size: int) -> TravelTimeMatrix:
    """The matrix at ``cache_path`` if it has ``size`` rows, else ``compute()`` (stored there if given)."""
    if cache_path is not None and cache_path.is_file():
        try:
            matrix = TravelTimeMatrix.load(cache_path)
        except (OSError, ValueError, KeyError):
            matrix = None
        if matrix is not None and len(matrix) == size:
            return matrix
    matrix = compute()
    if cache_path is not None:
        matrix.save(cache_path)
    return matrix
