"""Fares in integer cents: a distance band table per passenger plus an on-demand surcharge.

The default table is illustrative (shaped like a regional bus tariff with an on-demand surcharge); a service
configures its own with :func:`fare_table_from_mapping`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FareBand:
    """Trips up to ``up_to_km`` kilometres (direct driving distance) cost ``cents`` per adult."""

    up_to_km: float
    cents: int


@dataclass(frozen=True, slots=True)
class FareTable:
    """Price per trip: the band of the direct distance per adult, further passengers at ``companion_pct`` per cent,
    plus ``surcharge_cents`` per booking; wheelchair users travel at the adult fare (companions as set).

    ``beyond_cents`` prices trips longer than the last band.
    """

    bands: tuple[FareBand, ...]
    beyond_cents: int
    surcharge_cents: int = 0
    companion_pct: int = 50

    def __post_init__(self) -> None:
        if not self.bands:
            msg = "a fare table needs at least one band"
            raise ValueError(msg)
        limits = [b.up_to_km for b in self.bands]
        if limits != sorted(limits) or len(set(limits)) != len(limits) or limits[0] <= 0:
            msg = f"fare bands must have increasing positive up_to_km, got {limits}"
            raise ValueError(msg)
        cents = [b.cents for b in self.bands] + [self.beyond_cents, self.surcharge_cents]
        if any(c < 0 for c in cents) or not 0 <= self.companion_pct <= 100:
            msg = "fares must not be negative and companion_pct must lie in 0..100"
            raise ValueError(msg)

    def adult_fare(self, direct_m: int) -> int:
        """Fare of one adult for a trip of ``direct_m`` metres direct driving distance (cents)."""
        km = direct_m / 1000
        for band in self.bands:
            if km <= band.up_to_km:
                return band.cents
        return self.beyond_cents

    def price(self, direct_m: int, passengers: int) -> int:
        """Price of a booking for ``passengers`` riders (cents, rounded to whole cents)."""
        if passengers < 1:
            msg = f"passengers must be at least 1, got {passengers}"
            raise ValueError(msg)
        adult = self.adult_fare(direct_m)
        companions = (passengers - 1) * adult * self.companion_pct // 100
        return adult + companions + self.surcharge_cents


DEFAULT_FARES = FareTable(
    bands=(FareBand(5, 200), FareBand(10, 280), FareBand(20, 360), FareBand(35, 460)),
    beyond_cents=560,
    surcharge_cents=100,
    companion_pct=50,
)


def fare_table_from_mapping(data: Mapping[str, object], *, source: str = "fare table") -> FareTable:
    """A fare table from parsed TOML/JSON: ``bands = [{up_to_km, cents}, …]``, ``beyond_cents``, ``surcharge_cents``,
    ``companion_pct``; a ``ValueError`` names ``source`` and the field on bad input."""
    bands_raw = data.get("bands")
    if not isinstance(bands_raw, list) or not bands_raw:
        msg = f"{source}: 'bands' must be a non-empty list of {{up_to_km, cents}}"
        raise ValueError(msg)
    bands = []
    for n, raw in enumerate(bands_raw):
        if not isinstance(raw, Mapping):
            msg = f"{source}: bands[{n}] must be a table with up_to_km and cents"
            raise ValueError(msg)
        bands.append(FareBand(float(_number(raw, "up_to_km", f"{source}: bands[{n}]")),
                              int(_number(raw, "cents", f"{source}: bands[{n}]"))))
    try:
        return FareTable(
            bands=tuple(bands),
            beyond_cents=int(_number(data, "beyond_cents", source)),
            surcharge_cents=int(_number(data, "surcharge_cents", source, 0)),
            companion_pct=int(_number(data, "companion_pct", source, 50)),
        )
    except ValueError as exc:
        msg = f"{source}: {exc}"
        raise ValueError(msg) from exc


def _number(data: Mapping[str, object], key: str, where: str, default: float | None = None) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"{where}: '{key}' must be a number, got {value!r}"
        raise ValueError(msg)
    return value
