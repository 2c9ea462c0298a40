"""Ports: the Protocols through which the domain talks to routing, storage and time."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class TravelTimes(Protocol):
    """Travel times and distances between locations addressed by integer index.

    The solver is developed on Euclidean benchmark instances and runs on the road network in the
    product; both implement this Protocol.
    """

    def __len__(self) -> int:
        """Number of locations."""
        ...

    def duration(self, origin: int, destination: int) -> int:
        """Driving time from ``origin`` to ``destination`` (seconds)."""
        ...

    def distance(self, origin: int, destination: int) -> int:
        """Driving distance from ``origin`` to ``destination`` (metres)."""
        ...


class Clock(Protocol):
    """The one source of the current time, so the simulation and tests control it."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...
