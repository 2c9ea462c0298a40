"""Road classes and speeds: German rural defaults per ``highway`` class, ``maxspeed`` where tagged."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

#: Road classes in storage order; an edge stores the index of its class (uint8).
ROAD_CLASSES: tuple[str, ...] = (
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "road",
    "busway",
    "service",
    "other",
)

#: Typical driving speed (km/h) per class where no ``maxspeed`` is tagged. Outside towns German roads
#: are limited to 100 km/h and motorways have an advisory 130 km/h; the figures below are what a
#: minibus achieves on average on such a road, not the legal limit.
DEFAULT_SPEED_KMH: dict[str, float] = {
    "motorway": 115.0,
    "motorway_link": 60.0,
    "trunk": 90.0,
    "trunk_link": 50.0,
    "primary": 80.0,
    "primary_link": 45.0,
    "secondary": 72.0,
    "secondary_link": 40.0,
    "tertiary": 62.0,
    "tertiary_link": 35.0,
    "unclassified": 50.0,
    "residential": 30.0,
    "living_street": 7.0,
    "road": 40.0,
    "busway": 40.0,
    "service": 20.0,
    "other": 30.0,
}

#: German implicit limits that appear as ``maxspeed`` values (km/h).
_IMPLICIT_KMH: dict[str, float] = {
    "de:urban": 50.0,
    "de:rural": 100.0,
    "de:motorway": 130.0,
    "de:trunk": 100.0,
    "de:living_street": 7.0,
    "de:bicycle_road": 30.0,
    "de:zone30": 30.0,
    "de:zone:30": 30.0,
    "de:zone20": 20.0,
    "de:zone:20": 20.0,
    "none": 130.0,
    "walk": 7.0,
}

_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh)?\s*$")
_MPH_TO_KMH = 1.609344


def class_index(highway: str | list[str] | None) -> int:
    """Index in :data:`ROAD_CLASSES` of an OSM ``highway`` value.

    Of a list (osmnx merges the values of simplified edges, in no fixed order) the most important
    known class counts, so the result does not depend on the order.
    """
    values = highway if isinstance(highway, list) else [highway]
    known = [ROAD_CLASSES.index(v) for v in values if v in DEFAULT_SPEED_KMH]
    return min(known) if known else ROAD_CLASSES.index("other")


def parse_maxspeed(value: str | list[str] | None) -> float | None:
    """Speed limit (km/h) of an OSM ``maxspeed`` value, or ``None`` if absent or unreadable.

    Handles numbers, ``mph``, German implicit values (``DE:urban``, ``DE:rural``, ``DE:zone30`` …),
    ``none`` and ``walk``; of several values (``50;30`` or a list) the lowest counts.
    """
    if value is None:
        return None
    parts = [p for v in (value if isinstance(value, list) else [value]) for p in str(v).split(";")]
    speeds: list[float] = []
    for part in parts:
        key = part.strip().lower()
        if key in _IMPLICIT_KMH:
            speeds.append(_IMPLICIT_KMH[key])
            continue
        match = _NUMBER.match(key)
        if match:
            number = float(match.group(1))
            speeds.append(number * _MPH_TO_KMH if match.group(2) == "mph" else number)
    valid = [s for s in speeds if s > 0]
    return min(valid) if valid else None


def edge_speed_kmh(road_class: int, maxspeed: float | None, profile: SpeedProfile | None = None) -> float:
    """Driving speed of an edge (km/h): the tagged limit where present, else the class default; then the class's
    factor of ``profile`` (default: none) is applied."""
    name = ROAD_CLASSES[road_class]
    if profile is None:
        return DEFAULT_SPEED_KMH[name] if maxspeed is None else min(maxspeed, 130.0)
    base = profile.default_kmh[name] if maxspeed is None else min(maxspeed, 130.0)
    return base * profile.factor[name]


@dataclass(frozen=True)
class SpeedProfile:
    """Speeds per road class: the default km/h where no ``maxspeed`` is tagged and a factor applied to every
    edge of the class (tagged or not), e.g. 0.85 on residential streets for a minibus that stops and turns."""

    default_kmh: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SPEED_KMH))
    factor: dict[str, float] = field(default_factory=lambda: dict.fromkeys(ROAD_CLASSES, 1.0))

    def as_dict(self) -> dict[str, dict[str, float]]:
        """The profile as ``{"speeds": {...}, "factors": {...}}`` (what the region manifest records)."""
        return {"speeds": dict(self.default_kmh), "factors": dict(self.factor)}


def speed_profile(data: dict[str, object], *, source: str = "speeds") -> SpeedProfile:
    """A profile from a mapping ``{"speeds": {class: km/h}, "factors": {class: factor}}`` (both optional; classes
    not named keep the defaults). A ``ValueError`` names ``source``, the table and the class."""
    speeds, factors = dict(DEFAULT_SPEED_KMH), dict.fromkeys(ROAD_CLASSES, 1.0)
    unknown_tables = sorted(set(data) - {"speeds", "factors"})
    if unknown_tables:
        msg = f"{source}: unknown table(s) {unknown_tables}; expected [speeds] and/or [factors]"
        raise ValueError(msg)
    for table, target, low, high in (("speeds", speeds, 1.0, 130.0), ("factors", factors, 0.1, 2.0)):
        raw = data.get(table, {})
        if not isinstance(raw, dict):
            msg = f"{source}: [{table}] must be a table of road class = number"
            raise ValueError(msg)
        for key, value in raw.items():
            if key not in target:
                msg = f"{source}: [{table}] {key!r} is not a road class (known: {', '.join(ROAD_CLASSES)})"
                raise ValueError(msg)
            if isinstance(value, bool) or not isinstance(value, int | float) or not low <= float(value) <= high:
                msg = f"{source}: [{table}] {key} = {value!r} must be a number from {low:g} to {high:g}"
                raise ValueError(msg)
            target[key] = float(value)
    return SpeedProfile(speeds, factors)


def read_speed_profile(path: Path) -> SpeedProfile:
    """The speed profile in the TOML file ``path``; a ``ValueError`` names the file and what is wrong."""
    from mobility.domain.tomlfile import read_toml

    return speed_profile(read_toml(path, "speed file"), source=str(path))


def travel_time_s(length_m: float, speed_kmh: float) -> int:
    """Travel time (seconds, integer, at least 1) of ``length_m`` metres at ``speed_kmh``."""
    if not (speed_kmh > 0 and math.isfinite(length_m) and length_m >= 0):
        msg = f"cannot time {length_m} m at {speed_kmh} km/h"
        raise ValueError(msg)
    return max(1, round(length_m / (speed_kmh / 3.6)))
