"""Fixtures of the pool-car tests: the default pool and a tiny hand-built one."""

from __future__ import annotations

import tomllib
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from mobility.domain.geo import Point
from mobility.domain.poolcar_files import Pool, pool_from_documents
from mobility.domain.poolcars import Car, CarType, Propulsion, Station, StationKind
from tests.poolcars.service_env import PoolEnv, build_env

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


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def pool_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PoolEnv]:
    """The pool-car API with the default pool at Monday 07:00 on a fresh SQLite file, then in a fresh PostGIS
    schema (dropped afterwards): the API tests run on both stores."""
    schema: str | None = None
    if request.param == "sqlite":
        env = build_env(f"sqlite:///{tmp_path / 'pool.db'}")
    else:
        url: str = request.getfixturevalue("postgis_url")
        schema = "test_poolapi_" + uuid.uuid4().hex[:10]
        admin = sa.create_engine(url)
        with admin.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        env = build_env(url, schema)
    yield env
    env.client.close()
    env.engine.dispose()
    if schema is not None:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
