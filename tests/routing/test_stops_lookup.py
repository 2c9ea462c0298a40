"""Stop candidates from the district data and finding stops by name or id."""

from __future__ import annotations

import pytest

from mobility.config import REPO_ROOT
from routing.network import RoadNetwork, UnknownStop
from routing.stops import district_stop_candidates, municipality_of

MUNICIPALITIES = ["Bernburg (Saale)", "Staßfurt", "Seeland", "Arnstein"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Markt, Staßfurt", "Staßfurt"),
        ("Karlsplatz, Bernburg (Saale)", "Bernburg (Saale)"),
        ("Schlossgarten, Bernburg (Saale", "Bernburg (Saale)"),
        ("Kirche, Gerbstedt", None),
        ("Bernburg Hbf", None),
        ("Post, Ort, Seeland", "Seeland"),
        ("Post, See", None),
    ],
)
def test_municipality_after_last_comma(name: str, expected: str | None) -> None:
    """The town after the last comma names the municipality; cut-off names match by unique prefix."""
    assert municipality_of(name, MUNICIPALITIES) == expected


def test_stations_without_town_join_the_nearest_municipality() -> None:
    """Railway stations named without a town take the municipality of the nearest named stop."""
    by_name = {c.name: c for c in district_stop_candidates(REPO_ROOT / "data" / "salzlandkreis")}
    assert by_name["Bernburg Hbf"].municipality == "Bernburg (Saale)"
    assert by_name["Schönebeck(Elbe)"].municipality == "Schönebeck (Elbe)"
    assert "Meisdorf" not in by_name  # a station of Falkenstein/Harz, outside the district


def test_find_by_id_and_name(district_network: RoadNetwork) -> None:
    """A stop is found by its id, its exact name, any case, and a unique part of its name."""
    stop = district_network.stops[10]
    assert district_network.find_stop(stop.id) == stop
    assert district_network.find_stop(stop.name.upper()) == stop
    assert district_network.find_stop("Bernburg Hbf").municipality == "Bernburg (Saale)"


def test_unknown_stop_names_input_and_suggests(district_network: RoadNetwork) -> None:
    """An unknown name raises UnknownStop naming the input and suggesting close names."""
    with pytest.raises(UnknownStop, match=r"'Marktplatz, Stassfurt'.*did you mean") as info:
        district_network.find_stop("Marktplatz, Stassfurt")
    assert "Staßfurt" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_ambiguous_name_lists_candidates(district_network: RoadNetwork) -> None:
    """A name shared by several stops is refused with the candidates' ids."""
    with pytest.raises(UnknownStop, match=r"ambiguous.*Sportforum, Bernburg"):
        district_network.find_stop("Sportforum, Bernburg (Saale)")


def test_empty_name_is_refused(district_network: RoadNetwork) -> None:
    """An empty stop name is refused clearly."""
    with pytest.raises(UnknownStop, match="empty"):
        district_network.find_stop("  ")
