"""The default Salzlandkreis fleet file and the errors of a bad fleet file."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from mobility.domain.fleet import VehicleKind
from routing.directory import NetworkStopDirectory
from routing.fleet import FleetFileError, load_fleet, load_fleet_spec, parse_fleet


def test_default_fleet() -> None:
    """40 vehicles at four depots: minibuses (some with a wheelchair place) and four volunteer pool cars."""
    fleet = load_fleet(first_day=date(2026, 3, 2), days=7)
    assert len(fleet) == 40
    assert {v.depot_name.split(", ")[-1] for v in fleet} == {"Bernburg (Saale)", "Staßfurt", "Schönebeck (Elbe)",
                                                             "Aschersleben"}
    pool = [v for v in fleet if v.type.kind is VehicleKind.POOL_CAR]
    assert len(pool) == 4
    assert all(v.type.capacity.seats == 4 and v.type.capacity.wheelchairs == 0 for v in pool)
    assert all(v.shifts[0].end - v.shifts[0].start == timedelta(hours=4) for v in pool)
    assert all(s.start.weekday() < 5 for v in pool for s in v.shifts), "volunteers drive on weekdays"
    assert sum(v.type.capacity.wheelchairs > 0 for v in fleet) == 8
    for v in fleet:
        assert all(a.end <= b.start for a, b in zip(v.shifts, v.shifts[1:], strict=False)), v.id


def test_depots_are_real_stops_of_the_network(directory: NetworkStopDirectory) -> None:
    """Every depot lies at a stop of the district network."""
    for vehicle in load_fleet_spec().vehicles:
        stop = directory.find_stop(vehicle.depot.stop_id)
        assert stop.point == vehicle.depot.point


def test_bad_fleet_file_names_file_and_field(tmp_path: Path) -> None:
    """A fleet file with a broken field is refused naming the file and the field."""
    path = tmp_path / "fleet.toml"
    path.write_text('[vehicle_types.bus]\nname = "Bus"\nkind = "minibus"\nseats = "acht"\n', encoding="utf-8")
    with pytest.raises(FleetFileError, match=r"fleet.toml \[vehicle_types.bus\]: field 'seats'"):
        load_fleet_spec(path)
    with pytest.raises(FleetFileError, match="groups\\[0\\]: type 'tram' is not defined"):
        parse_fleet({"groups": [{"type": "tram", "depot": "x", "count": 1, "shifts": []}]})
    with pytest.raises(FleetFileError, match="cannot read"):
        load_fleet_spec(tmp_path / "missing.toml")
