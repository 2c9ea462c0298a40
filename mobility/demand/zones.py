"""Zones of the gravity model: every virtual stop with its municipality, residents and attraction.

Residents: each municipality's Destatis population is spread over its stops — a share ``1 - village_share`` follows
the GeoNames settlements (each settlement's inhabitants split evenly over the stops within ``settlement_radius_m`` of
its centre, or its nearest stop), the rest (hamlets under 500 inhabitants, which GeoNames omits) evenly over all stops
of the municipality. Attraction: the residents of a stop plus, for every attractor within ``attractor_attach_m``,
the attractor's weight in equivalent inhabitants.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mobility.demand.attractors import Attractor, locate_attractors
from mobility.demand.data import Municipality, RawStop, Settlement
from mobility.demand.params import DemandParams
from mobility.domain.geo import EARTH_RADIUS_M, Point
from mobility.domain.stops import Stop

FloatArray = npt.NDArray[np.float64]


class ZoneError(ValueError):
    """The stops cannot carry a demand model (e.g. none of them lies in a known municipality)."""


@dataclass(frozen=True)
class Zones:
    """Per virtual stop: municipality index, residents and attraction (inhabitant equivalents)."""

    stops: tuple[Stop, ...]
    municipalities: tuple[Municipality, ...]
    municipality_of: npt.NDArray[np.int64]  # index into ``municipalities`` per stop
    residents: FloatArray
    attraction: FloatArray
    attractors: tuple[tuple[Attractor, int], ...]  # (attractor, stop position)

    @property
    def population(self) -> int:
        """Total inhabitants of the municipalities."""
        return sum(m.population for m in self.municipalities)


def distance_matrix_m(a: Sequence[Point], b: Sequence[Point]) -> FloatArray:
    """Great-circle distances between every point of ``a`` and of ``b`` (metres)."""
    lon1, lat1 = (np.radians(np.array([[p.lon, p.lat] for p in a], dtype=np.float64))).T
    lon2, lat2 = (np.radians(np.array([[p.lon, p.lat] for p in b], dtype=np.float64))).T
    dphi = lat2[None, :] - lat1[:, None]
    dlmb = lon2[None, :] - lon1[:, None]
    h = np.sin(dphi / 2) ** 2 + np.cos(lat1)[:, None] * np.cos(lat2)[None, :] * np.sin(dlmb / 2) ** 2
    out: FloatArray = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return out


def _norm(name: str) -> str:
    name = name.split(", Stadt", maxsplit=1)[0]
    folded = unicodedata.normalize("NFKD", name.casefold())
    return re.sub(r"[^a-z0-9ß]", "", "".join(c for c in folded if not unicodedata.combining(c)))


def assign_municipalities(
    stops: Sequence[Stop], municipalities: Sequence[Municipality], raw_stops: Sequence[RawStop]
) -> npt.NDArray[np.int64]:
    """The municipality (index) of every stop: by its name, else that of the nearest real stop named after one."""
    by_name = {_norm(m.short_name): i for i, m in enumerate(municipalities)}
    named = [(s.point, by_name[_norm(s.town)]) for s in raw_stops if _norm(s.town) in by_name]
    if not named:
        msg = "no real stop names one of the municipalities"
        raise ZoneError(msg)
    out = np.full(len(stops), -1, dtype=np.int64)
    unknown = []
    for k, stop in enumerate(stops):
        idx = by_name.get(_norm(stop.municipality))
        if idx is None:
            unknown.append(k)
        else:
            out[k] = idx
    if unknown:
        d = distance_matrix_m([stops[k].point for k in unknown], [p for p, _ in named])
        owners = np.array([m for _, m in named], dtype=np.int64)
        out[unknown] = owners[np.argmin(d, axis=1)]
    return out


def _residents(
    stops: Sequence[Stop], owner: npt.NDArray[np.int64], municipalities: Sequence[Municipality],
    settlements: Sequence[Settlement], params: DemandParams,
) -> FloatArray:
    d = distance_matrix_m([s.point for s in settlements], [s.point for s in stops])
    near = d <= params.settlement_radius_m
    near[np.arange(len(settlements)), np.argmin(d, axis=1)] = True
    settled = np.zeros(len(stops))  # settlement inhabitants per stop (GeoNames)
    for k, settlement in enumerate(settlements):
        members = np.flatnonzero(near[k])
        settled[members] += settlement.population / len(members)
    residents = np.zeros(len(stops))
    for m, municipality in enumerate(municipalities):
        mine = owner == m
        if not mine.any():
            continue
        even = np.where(mine, 1.0 / mine.sum(), 0.0)
        total = settled[mine].sum()
        share = np.where(mine, settled / total, 0.0) if total > 0 else even
        village = params.village_share if total > 0 else 1.0
        residents += municipality.population * ((1 - village) * share + village * even)
    return residents


def build_zones(
    stops: Sequence[Stop],
    municipalities: Sequence[Municipality],
    settlements: Sequence[Settlement],
    raw_stops: Sequence[RawStop],
    params: DemandParams,
) -> Zones:
    """The gravity model's zones over ``stops`` (the virtual stops of the network)."""
    if len(stops) < 2:
        msg = f"a demand model needs at least two stops, got {len(stops)}"
        raise ZoneError(msg)
    owner = assign_municipalities(stops, municipalities, raw_stops)
    residents = _residents(stops, owner, municipalities, settlements, params)
    attraction = residents.copy()
    found = locate_attractors(raw_stops)
    attached: dict[tuple[str, int], Attractor] = {}
    if found:
        d = distance_matrix_m([a.point for a in found], [s.point for s in stops])
        for k, attractor in enumerate(found):
            nearest = int(np.argmin(d[k]))
            if d[k, nearest] <= params.attractor_attach_m:
                attached.setdefault((attractor.kind.value, nearest), attractor)
    for (kind, pos), _ in attached.items():
        attraction[pos] += getattr(params.attractors, kind)
    return Zones(
        tuple(stops),
        tuple(municipalities),
        owner,
        residents,
        attraction,
        tuple((a, pos) for (_, pos), a in attached.items()),
    )
