"""A region pack on disk: ``region.toml`` (the manifest) names the pack's files, rules, provenance and licences.

Layout of a pack built by ``mobility region build`` (paths in ``[files]`` are relative to the pack folder, so a
bundled pack may point at files elsewhere in the repository)::

    region.toml            name, timezone, booking rules, [files], [[provenance]], [validation]
    network.npz            the road network with the snapped stops and the service area (routing.network)
    stops.csv              the served stops (id, name, municipality, lon, lat) — for people and other tools
    service_area.geojson   the service area
    fleet.toml             vehicle types, shift patterns, depots, vehicle groups (routing.fleet format)
    poolcars/              stations.toml and cars.toml (pool-car stations and cars)
    fares.toml             the fare table
    demand/                municipalities, settlements and stops for the simulation's demand model
    report.json            the build's validation report (stops dropped with reasons, depots, components)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mobility.domain.tomlfile import read_toml
from routing.region.errors import RegionError

MANIFEST = "region.toml"
FILE_KEYS = ("network", "fleet", "poolcars", "fares", "demand")
OPTIONAL_KEYS = ("stops", "service_area", "report")


@dataclass(frozen=True)
class RegionPack:
    """A region pack as read from its manifest (every file checked to exist)."""

    root: Path
    name: str
    title: str
    service_name: str  # as riders know the service: pages' titles, header, footer
    timezone: str
    approximate: bool
    booking_rules: str
    files: dict[str, Path]
    provenance: list[dict[str, str]]
    validation: dict[str, Any]

    @property
    def network(self) -> Path:
        """The network file."""
        return self.files["network"]

    @property
    def fleet(self) -> Path:
        """The fleet file."""
        return self.files["fleet"]

    @property
    def poolcars(self) -> Path:
        """The folder with the pool-car stations.toml and cars.toml."""
        return self.files["poolcars"]

    @property
    def fares(self) -> Path:
        """The fare table."""
        return self.files["fares"]

    @property
    def demand(self) -> Path:
        """The folder with the demand model's data (municipalities, settlements, stops)."""
        return self.files["demand"]


def _str(table: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or not value:
        msg = f"{where}: field '{key}' is missing or not a text (got {value!r})"
        raise RegionError(msg)
    return value


def load_pack(root: Path) -> RegionPack:
    """Read the pack in folder ``root``; :class:`RegionError` names the file and field that is missing or wrong."""
    manifest = root / MANIFEST
    if not root.is_dir():
        msg = f"region pack not found: {root} is not a folder (build one with `mobility region build`)"
        raise RegionError(msg)
    doc = read_toml(manifest, f"region manifest of {root}", RegionError)
    region = doc.get("region")
    raw_files = doc.get("files")
    if not isinstance(region, dict) or not isinstance(raw_files, dict):
        msg = f"{manifest}: the tables [region] and [files] are required"
        raise RegionError(msg)
    files: dict[str, Path] = {}
    for key in (*FILE_KEYS, *OPTIONAL_KEYS):
        if key not in raw_files and key in OPTIONAL_KEYS:
            continue
        path = (root / _str(raw_files, key, f"{manifest} [files]")).resolve()
        if not path.exists():
            msg = f"{manifest} [files] {key} = {raw_files[key]!r}: {path} does not exist"
            raise RegionError(msg)
        files[key] = path
    from mobility.domain.rules import RULE_SETS

    rules = _str(region, "booking_rules", f"{manifest} [region]", "instant")
    if rules not in RULE_SETS:
        msg = f"{manifest} [region] booking_rules = {rules!r}: choose one of {', '.join(sorted(RULE_SETS))}"
        raise RegionError(msg)
    provenance = [{str(k): str(v) for k, v in p.items()} for p in doc.get("provenance", []) if isinstance(p, dict)]
    return RegionPack(root=root.resolve(), name=_str(region, "name", f"{manifest} [region]"),
                      title=str(region.get("title", region["name"])),
                      service_name=_str(region, "service_name", f"{manifest} [region]",
                                        f"Rufbus {region.get('title', region['name'])}"),
                      timezone=_str(region, "timezone", f"{manifest} [region]", "Europe/Berlin"),
                      approximate=bool(region.get("approximate", False)), booking_rules=rules, files=files,
                      provenance=provenance, validation=dict(doc.get("validation", {})))
