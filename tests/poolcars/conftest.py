"""Fixtures of the pool-car tests: the default pool and a tiny hand-built one."""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mobility.domain.geo import Point
from mobility.domain.poolcar_files import Pool, pool_from_documents
from mobility.domain.poolcars import Car, CarType, Propulsion, Station, StationKind

REPO = Path(__file__).resolve().parents[2]
TZ = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 3, 2, tzinfo=TZ)

EV = CarType("ev", "Kleinwagen elektrisch", 5, False, Propulsion.ELECTRIC, 300_000)
VAN = CarType("van", "Rollstuhlbus", 7, True, Propulsion.COMBUSTION_DIESEL, 800_000)
# Two real places in Bernburg (Saale), 700 m apart, and Staßfurt Bahnhof ~11 km away.
KREIS = Station(
    "kreis", "Kreisverwaltung", "Bernburg (Saale)", Point(11.742556, 51.794806), StationKind.ADMINISTRATION, 4
)
HBF = Station(
    "hbf", "Bernburg Hauptbahnhof", "Bernburg (Saale)", Point(11.751455, 51.79612), StationKind.RAIL_STATION, 2
)
SFT = Station("sft", "Staßfurt Bahnhof", "Staßfurt", Point(11.587898, 51.851258), StationKind.RAIL_STATION, 2)


def car(car_id: str, station: Station = KREIS, car_type: CarType = EV, **kw: object) -> Car:
    """A car at ``station``."""
    return Car(car_id, f"Auto {car_id}", car_type, station.id, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def default_pool() -> Pool:
    """The pool configured in data/poolcars."""
    with (REPO / "data/poolcars/stations.toml").open("rb") as f, (REPO / "data/poolcars/cars.toml").open("rb") as g:
        return pool_from_documents(tomllib.load(f), tomllib.load(g))
