"""Virtual stops: real public-transport stops and meeting points where riders board and alight."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mobility.domain.geo import Point


class StopKind(StrEnum):
    """Where a virtual stop comes from."""

    STOP = "stop"  # a real public-transport stop
    MEETING_POINT = "meeting_point"  # a settlement without a stop: a meeting point at its centre


@dataclass(frozen=True, slots=True)
class Stop:
    """A place where a vehicle picks up or drops off riders.

    ``index`` is the stop's row in the travel-time matrix of the network it was snapped to.
    """

    id: str
    name: str
    municipality: str
    point: Point
    kind: StopKind = StopKind.STOP
    index: int = -1
