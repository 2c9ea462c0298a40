"""Attractors located via the real stop names."""

from __future__ import annotations

from mobility.demand.attractors import AttractorKind, locate_attractors
from mobility.demand.data import default_data_dir, read_stops


def _by_kind() -> dict[AttractorKind, set[str]]:
    out: dict[AttractorKind, set[str]] = {}
    for a in locate_attractors(read_stops(default_data_dir())):
        out.setdefault(a.kind, set()).add(a.name)
    return out


def test_county_office_is_karlsplatz_bernburg() -> None:
    """The Kreisverwaltung (Karlsplatz 37, Bernburg) is found at the stop Karlsplatz, Bernburg (Saale)."""
    assert _by_kind()[AttractorKind.COUNTY_OFFICE] == {"Karlsplatz, Bernburg (Saale)"}


def test_hospitals_schools_centres_and_stations() -> None:
    """Real hospitals, schools, town centres and rail stations are recognised by name or rail flag."""
    kinds = _by_kind()
    assert {"Klinikum, Aschersleben", "Klinikum, Bernburg (Saale)"} <= kinds[AttractorKind.HOSPITAL]
    assert "Schulzentrum, Könnern" in kinds[AttractorKind.SCHOOL]
    assert "Markt, Nienburg (Saale)" in kinds[AttractorKind.TOWN_CENTRE]
    assert {"Bernburg Hbf", "Staßfurt", "Schönebeck(Elbe)"} <= kinds[AttractorKind.RAIL_STATION]
    assert "PEP-Markt, Bernburg (Saale)" in kinds[AttractorKind.SHOPPING]


def test_former_schools_and_town_stops_with_a_rail_flag_are_not_attractors() -> None:
    """'An der alten Schule' is no school; town stops with a regional flag but no station weight are no stations."""
    kinds = _by_kind()
    assert "Atzendorf An der alten Schule, Staßfurt" not in kinds[AttractorKind.SCHOOL]
    assert "Sportforum, Bernburg (Saale)" not in kinds[AttractorKind.RAIL_STATION]
    assert "PEP-Markt, Bernburg (Saale)" not in kinds[AttractorKind.TOWN_CENTRE]
