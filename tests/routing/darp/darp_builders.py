"""Builders for tiny hand-made dial-a-ride instances on a line (1 km = 60 s = 1000 m)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from routing.darp import MatrixTravel

#: The folder of the real benchmark fixtures.
DATA = Path(__file__).resolve().parents[2] / "data" / "darp"


def line_travel(positions_km: Sequence[int]) -> MatrixTravel:
    """Locations at integer kilometres on a straight road, driven at 60 km/h."""
    durations = [[abs(a - b) * 60 for b in positions_km] for a in positions_km]
    distances = [[abs(a - b) * 1000 for b in positions_km] for a in positions_km]
    return MatrixTravel(durations, distances)
