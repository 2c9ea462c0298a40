"""The default pool in data/poolcars: real places, valid cars, and clear errors for broken files."""

from __future__ import annotations

import csv
import tomllib

import pytest

from mobility.domain.poolcar_files import Pool, parse_weekly_hours, pool_from_documents
from mobility.domain.poolcars import StationKind
from tests.poolcars.conftest import REPO


def test_default_stations_sit_on_real_stops(default_pool: Pool) -> None:
    """Every default station has the coordinates of the real stop it names in stops_db_hafas.csv."""
    with (REPO / "data/salzlandkreis/stops_db_hafas.csv").open(encoding="utf-8") as f:
        stops = {row["id"]: row for row in csv.DictReader(f)}
    doc = tomllib.loads((REPO / "data/poolcars/stations.toml").read_text(encoding="utf-8"))
    assert len(default_pool.stations) == 20
    for table, station in zip(doc["station"], default_pool.stations, strict=True):
        stop = stops[station.stop_id]
        assert stop["name"] == table["stop_name"]
        assert (float(stop["lat"]), float(stop["lon"])) == (station.point.lat, station.point.lon)


def test_default_pool_has_the_kreisverwaltung_and_rail_stations(default_pool: Pool) -> None:
    """The Kreisverwaltung in Bernburg is a station, as are rail stations; every station has a car."""
    kinds = {s.kind for s in default_pool.stations}
    assert kinds == set(StationKind)
    kreis = next(s for s in default_pool.stations if s.kind is StationKind.ADMINISTRATION)
    assert kreis.municipality == "Bernburg (Saale)"
    assert {c.station_id for c in default_pool.cars} == {s.id for s in default_pool.stations}
    assert any(c.type.wheelchair_accessible for c in default_pool.cars)


@pytest.mark.parametrize(
    ("cars_doc", "message"),
    [
        (
            {"car_type": [{"id": "t", "name": "T", "seats": "5", "propulsion": "electric", "max_range_km": 1}]},
            "cars.toml: car_type #1: field 'seats' must be int",
        ),
        (
            {"car_type": [{"id": "t", "name": "T", "seats": 5, "propulsion": "steam", "max_range_km": 1}]},
            "cars.toml: car_type #1: field 'propulsion' must be one of",
        ),
        ({"car": [{"id": "c", "name": "C", "type": "nope", "station": "s"}]}, "cars.toml: car #1: unknown car type"),
    ],
)
def test_broken_cars_file_names_file_entry_and_field(cars_doc: dict[str, object], message: str) -> None:
    """A broken cars file is refused with a message naming the file, the entry and the field."""
    stations = {
        "station": [
            {
                "id": "s",
                "name": "S",
                "municipality": "M",
                "kind": "town_centre",
                "lat": 51.8,
                "lon": 11.7,
                "capacity": 1,
            }
        ]
    }
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(")):
        pool_from_documents(stations, cars_doc)


def test_missing_station_field_is_named() -> None:
    """A station without coordinates is refused naming the field."""
    with pytest.raises(ValueError, match=r"stations.toml: station #1: missing field 'lat'"):
        pool_from_documents(
            {
                "station": [
                    {"id": "s", "name": "S", "municipality": "M", "kind": "town_centre", "lon": 11.7, "capacity": 1}
                ]
            },
            {},
        )


def test_opening_hours_parse() -> None:
    """'24/7' means always; weekday ranges and several periods are read; nonsense is refused."""
    assert parse_weekly_hours("24/7") is None
    hours = parse_weekly_hours("Mo-Fr 06:00-22:00; Sa,Su 08:00-20:00")
    assert hours is not None
    assert len(hours.periods) == 7
    with pytest.raises(ValueError, match="cannot read opening hours"):
        parse_weekly_hours("weekdays 6 to 10")
