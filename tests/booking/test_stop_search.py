"""Place search as people type: a town leads to its central stop, umlaut and ß variants, small typos."""

from __future__ import annotations

import pytest

from booking.service.stop_search import StopIndex, distance, fold, stop_index
from mobility.app import Routing
from tests.booking.conftest import EnvFactory


@pytest.fixture(scope="module")
def index(routing_parts: Routing) -> StopIndex:
    return StopIndex(routing_parts.directory.stops())


def first(index: StopIndex, query: str) -> str:
    hits = index.search(query, 5)
    assert hits, f"nothing found for {query!r}"
    return hits[0].stop.name


@pytest.mark.parametrize(("query", "central"), [
    ("Egeln", "ZOB, Egeln"),
    ("Markt Egeln", "ZOB, Egeln"),  # Egeln has no stop called Markt: its centre
    ("egeln zob", "ZOB, Egeln"),
    ("Eglen", "ZOB, Egeln"),  # two letters swapped
    ("Stassfurt", "Staßfurt"),
    ("Staßfurt", "Staßfurt"),
    ("Schoenebeck", "Busbahnhof, Schönebeck (Elbe)"),
    ("Schönebeck", "Busbahnhof, Schönebeck (Elbe)"),
    ("Schonebek", "Busbahnhof, Schönebeck (Elbe)"),  # two letters off
    ("Bernburg", "Busbahnhof, Bernburg (Saale)"),
    ("Hoym", "Hoym Markt, Seeland"),  # a village inside a municipality
    ("Foerderstedt", "Förderstedt"),
])
def test_a_town_name_finds_its_central_stop_first(index: StopIndex, query: str, central: str) -> None:
    """A town or village typed in any spelling leads to its central stop (ZOB, Markt, Bahnhof …) first."""
    hits = index.search(query, 8)
    assert hits[0].stop.name == central
    assert hits[0].match == "central"


def test_a_stop_named_literally_beats_the_town_centre(index: StopIndex) -> None:
    """'Schönebeck Markt' is the Markt of Schönebeck, not its Busbahnhof; 'bernburg hbf' is exactly one stop."""
    assert first(index, "Schoenebeck Markt") == "Markt, Schönebeck (Elbe)"
    assert [h.stop.name for h in index.search("bernburg hbf", 10)] == ["Bernburg Hbf"]
    assert first(index, "Marktstrasse Stassfurt") == "Marktstr., Staßfurt"


def test_typing_in_progress_and_the_rest_of_the_town(index: StopIndex) -> None:
    """A word begun ('Ege') already finds the town; after the centre come the town's other stops."""
    hits = index.search("Ege", 8)
    assert hits[0].stop.name == "ZOB, Egeln"
    assert all("egeln" in fold(f"{h.stop.name} {h.stop.municipality}") for h in hits)
    assert {h.match for h in hits[1:]} <= {"prefix", "partial"}


def test_nothing_silly_for_short_or_unknown_words(index: StopIndex) -> None:
    """One letter names no town; a word far from every stop finds nothing."""
    assert not any(h.match == "central" for h in index.search("a", 5))
    assert index.search("Xylophon", 5) == []


def test_spelling_folds_and_typo_distance() -> None:
    """ß, umlauts and their ae/oe/ue spelling fold alike; a swap of neighbours is one typo."""
    assert fold("Staßfurt") == fold("Stassfurt") == fold("STASSFURT")
    assert fold("Schönebeck") == fold("Schoenebeck") == fold("Schonebeck")
    assert distance("eglen", "egeln", 2) == 1
    assert distance("schonebek", "schonebeck", 2) == 1
    assert distance("aschersleben", "bernburg", 2) == 3  # beyond the limit: limit + 1


def test_the_index_is_built_once_per_directory(routing_parts: Routing) -> None:
    """The API builds the index on first use and keeps it."""
    assert stop_index(routing_parts.directory) is stop_index(routing_parts.directory)


def test_stop_search_over_http_says_how_each_stop_matched(any_env_factory: EnvFactory) -> None:
    """GET /stops?q=Egeln: the centre first, marked central with its town; the fields of a stop stay as they were."""
    env = any_env_factory()
    hits = env.client.get("/api/v1/stops", params={"q": "Egeln", "limit": 5}).json()
    assert hits[0]["name"] == "ZOB, Egeln"
    assert hits[0]["match"] == "central"
    assert hits[0]["locality"] == "Egeln"
    assert set(hits[0]) >= {"id", "name", "municipality", "kind", "coordinates"}
    markt = env.client.get("/api/v1/stops", params={"q": "Markt Egeln"}).json()
    assert [h["name"] for h in markt] == ["ZOB, Egeln"]
