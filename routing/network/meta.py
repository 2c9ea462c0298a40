"""Provenance of a built network: where it came from, when, what it covers, its hash."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Source = Literal["approximate", "osm-extract", "overpass"]
SOURCES: tuple[Source, ...] = ("approximate", "osm-extract", "overpass")

OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"


@dataclass(frozen=True)
class NetworkMeta:
    """What a stored network is: source, build date, bbox (lon/lat), counts, content hash, licences."""

    source: Source
    built_at: str
    bbox: tuple[float, float, float, float]
    nodes: int
    edges: int
    stops: int
    road_km: float
    hash: str
    attribution: str
    inputs: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            msg = f"unknown network source {self.source!r} (expected one of {', '.join(SOURCES)})"
            raise ValueError(msg)

    @property
    def is_approximate(self) -> bool:
        """True for the offline approximation built from stops and settlements (not real roads)."""
        return self.source == "approximate"

    def to_json(self) -> str:
        """The metadata as a JSON object."""
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> NetworkMeta:
        """Metadata from :meth:`to_json` output."""
        raw: dict[str, Any] = json.loads(text)
        raw["bbox"] = tuple(float(x) for x in raw["bbox"])
        return cls(**raw)
