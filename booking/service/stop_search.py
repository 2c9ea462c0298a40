"""Finding stops as people type: town names lead to their central stop, umlaut and ß variants, small typos.

The search works over the stops of the StopDirectory port (booking never imports routing). Names of the district's
stops come in two shapes — ``"ZOB, Egeln"`` (stop, town) and ``"Förderstedt Bahnhof (Bus), Staßfurt"`` (village
and stop, town) — so a stop belongs to a *locality*: the village its name starts with when that word starts the
names of several nearby stops, else its municipality. Every locality has a *central* stop: the one named ZOB or
Busbahnhof, else Markt, else Mitte/Zentrum/Rathaus, else Bahnhof — or, when none is named so, the stop nearest to
the middle of the locality's stops. A query that names a locality (``"Egeln"``, ``"Markt Egeln"``) finds that
central stop first.

Matching per typed word, best first: the same word, the start of a word (typing in progress), part of a word,
one or two letters off (typos, Damerau–Levenshtein). Words are folded: case, accents and ``ß`` → ``ss``, and
``ae/oe/ue`` → ``a/o/u`` so ``Schoenebeck`` finds ``Schönebeck``.
"""

from __future__ import annotations

import re
import threading
import unicodedata
import weakref
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from mobility.domain.geo import Point, haversine_m
from mobility.domain.ports import StopDirectory
from mobility.domain.stops import Stop, StopKind

#: Words that name a town's centre, with how central a stop named only so is (lower: more central).
CENTRAL_RANK = {"zob": 0, "busbahnhof": 0, "markt": 1, "marktplatz": 1, "ortsmitte": 2, "mitte": 2,
                "stadtmitte": 2, "zentrum": 2, "rathaus": 2, "bahnhof": 3, "hbf": 3, "hauptbahnhof": 3,
                "bahnhofsplatz": 3, "bf": 3, "bhf": 3}
#: Words a central stop's name may carry besides its central word ("Bahnhof (Bus)", "Alter Markt").
CENTRAL_FILLERS = frozenset({"bus", "alter", "alte", "altes", "platz"})
DIRECTIONS = frozenset({"nord", "sud", "ost", "west"})
NOT_CENTRAL = 9  # a locality without a stop named as its centre: the stop nearest to the middle of its stops
LOCALITY_SPREAD_M = 5_000.0  # a name's first word is a village if its stops lie within this of their middle


class Match(IntEnum):
    """How a typed word matched a word of a stop (lower is better)."""

    EXACT = 0
    PREFIX = 1
    INFIX = 2
    TYPO = 3


@dataclass(frozen=True, slots=True)
class Hit:
    """A stop found for a query and how: ``central`` (the centre of the town typed), ``exact`` (every typed word
    is a word of the stop), ``prefix``, ``partial`` or ``typo``."""

    stop: Stop
    match: str
    locality: str


def fold(text: str) -> str:
    """Lower case without accents; ß → ss; ae/oe/ue → a/o/u (``Schoenebeck`` and ``Schönebeck`` fold alike)."""
    text = text.casefold().replace("ß", "ss")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.replace("ae", "a").replace("oe", "o").replace("ue", "u")
    return text.replace("strasse", "str")


def words(text: str) -> list[str]:
    """The folded words of ``text``."""
    return re.findall(r"[a-z0-9]+", fold(text))


def distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance of ``a`` and ``b`` (a swap of neighbours counts once); ``limit + 1`` as
    soon as it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, row = row, current
    return row[-1]


def typo_limit(word: str) -> int:
    """How many letters a typed word may be off: none below 4 letters, one up to 7, two from 8."""
    return 0 if len(word) < 4 else 1 if len(word) < 8 else 2


def match_word(typed: str, word: str) -> Match | None:
    """How ``typed`` matches ``word`` (both folded), or ``None``."""
    if typed == word:
        return Match.EXACT
    if word.startswith(typed):
        return Match.PREFIX
    if len(typed) >= 3 and typed in word:
        return Match.INFIX
    limit = typo_limit(typed)
    if limit and (distance(typed, word, limit) <= limit or distance(typed, word[: len(typed)], limit) <= limit):
        return Match.TYPO
    return None


Rank = tuple[int, int, int, int, str]


@dataclass(frozen=True, slots=True)
class _Entry:
    stop: Stop
    words: frozenset[str]  # of name and municipality
    name_words: tuple[str, ...]
    locality: tuple[str, ...]  # folded words of its locality
    locality_name: str
    central_rank: int  # how central the stop is in its locality (see CENTRAL_RANK)


class StopIndex:
    """The stops of one directory, prepared for :meth:`search` (built once, read by many threads)."""

    def __init__(self, stops: Sequence[Stop]) -> None:
        self.entries = _entries(stops)
        self.centre: dict[tuple[str, ...], _Entry] = {}
        for entry in self.entries:
            best = self.centre.get(entry.locality)
            if best is None or (entry.central_rank, entry.stop.name) < (best.central_rank, best.stop.name):
                self.centre[entry.locality] = entry
        self._medoids(stops)
        self.vocabulary = frozenset(w for e in self.entries for w in e.words)

    def _medoids(self, stops: Sequence[Stop]) -> None:
        """Localities without a stop named as their centre: the stop nearest to the middle of their stops."""
        members: dict[tuple[str, ...], list[_Entry]] = defaultdict(list)
        for entry in self.entries:
            members[entry.locality].append(entry)
        for key, entries in members.items():
            if self.centre[key].central_rank < NOT_CENTRAL:
                continue
            lon = sum(e.stop.point.lon for e in entries) / len(entries)
            lat = sum(e.stop.point.lat for e in entries) / len(entries)
            self.centre[key] = min(entries, key=lambda e: haversine_m(e.stop.point, Point(lon, lat)))

    def _matches(self, typed: str) -> dict[str, Match]:
        """Every word of the stops that ``typed`` matches, and how."""
        return {w: m for w in self.vocabulary if (m := match_word(typed, w)) is not None}

    def search(self, query: str, limit: int = 20) -> list[Hit]:
        """Stops matching every word of ``query``; the centre of a locality named first, then by closeness."""
        typed = words(query)
        if not typed:
            return [Hit(e.stop, "partial", e.locality_name) for e in sorted(self.entries, key=lambda e: e.stop.name)
                    ][:limit]
        matches = [self._matches(t) for t in typed]
        scored: list[tuple[Rank, Hit]] = []
        literal_localities: set[tuple[str, ...]] = set()
        for entry in self.entries:
            levels = []
            for found in matches:
                level = min((found[w] for w in entry.words if w in found), default=None)
                if level is None:
                    break
                levels.append(level)
            else:
                literal_localities.add(entry.locality)
                names_town = _names_locality(typed, matches, entry.locality) and entry is self.centre[entry.locality]
                starts = 0 if entry.name_words and matches[0].get(entry.name_words[0], Match.TYPO) <= 1 else 1
                kind = "central" if names_town else ("exact", "prefix", "partial", "typo")[max(levels)]
                rank = (0 if names_town else 1, sum(levels), starts, int(entry.stop.kind is not StopKind.STOP),
                        entry.stop.name)
                scored.append((rank, Hit(entry.stop, kind, entry.locality_name)))
        scored += self._centres_for_central_words(typed, matches, literal_localities)
        scored.sort(key=lambda s: s[0])
        seen: set[str] = set()
        hits = []
        for _, hit in scored:
            if hit.stop.id not in seen:
                seen.add(hit.stop.id)
                hits.append(hit)
        return hits[:limit]

    def _centres_for_central_words(self, typed: list[str], matches: list[dict[str, Match]],
                                   literal: set[tuple[str, ...]]) -> list[tuple[Rank, Hit]]:
        """"Markt Egeln" where Egeln has no stop called Markt: the centre of Egeln."""
        if not any(t in CENTRAL_RANK for t in typed):
            return []
        found = []
        for locality, entry in self.centre.items():
            if locality not in literal and _names_locality(typed, matches, locality):
                found.append(((0, 1, 0, 0, entry.stop.name), Hit(entry.stop, "central", entry.locality_name)))
        return found


def _names_locality(typed: list[str], matches: list[dict[str, Match]], locality: tuple[str, ...]) -> bool:
    """Whether the typed words, besides central words, are the locality's name (typos allowed)."""
    rest = [(t, found) for t, found in zip(typed, matches, strict=True) if t not in CENTRAL_RANK]
    if len(rest) != len(locality) or not rest:
        return False
    allowed = (Match.EXACT, Match.PREFIX, Match.TYPO)
    return all(found.get(w) in allowed and (len(t) >= 3 or found.get(w) is Match.EXACT)
               for (t, found), w in zip(rest, locality, strict=True))


def _entries(stops: Sequence[Stop]) -> list[_Entry]:
    municipalities = {tuple(words(_short(s.municipality))) for s in stops if s.municipality}
    villages = _villages(stops, municipalities)
    entries = []
    for stop in stops:
        own = words(stop.name.split(",")[0])
        town = tuple(words(_short(stop.municipality)))
        first = own[:1]
        if first and tuple(first) in villages:
            locality, name = tuple(first), stop.name.split(",")[0].split()[0]
            own = own[1:]
        else:
            locality, name = town, _short(stop.municipality)
            if tuple(own[: len(town)]) == town:
                own = own[len(town):]
        entries.append(_Entry(stop, frozenset(words(f"{stop.name} {stop.municipality}")), tuple(words(stop.name)),
                              locality, name, _central_rank(own)))
    return entries


def _short(municipality: str) -> str:
    """``"Schönebeck (Elbe)"`` → ``"Schönebeck"``."""
    return municipality.split("(", maxsplit=1)[0].strip()


def _villages(stops: Sequence[Stop], municipalities: set[tuple[str, ...]]) -> set[tuple[str, ...]]:
    """First words of stop names that are villages: they start the names of two or more stops that lie close
    together (``Förderstedt …``, ``Westeregeln …``), are no town, no centre word and no street."""
    groups: dict[str, list[Stop]] = defaultdict(list)
    for stop in stops:
        head = stop.name.split(",")[0].split()
        if len(head) > 1 and "," in stop.name:
            groups[fold(head[0])].append(stop)
    villages: set[tuple[str, ...]] = set()
    for word, members in groups.items():
        key = tuple(words(word))
        if (len(members) < 2 or len(key) != 1 or len(word) < 4 or key in municipalities or key[0] in CENTRAL_RANK
                or word.endswith(("str", "weg", "er")) or not word.isalpha()):
            continue
        lon = sum(s.point.lon for s in members) / len(members)
        lat = sum(s.point.lat for s in members) / len(members)
        middle = Point(lon, lat)
        if all(haversine_m(s.point, middle) <= LOCALITY_SPREAD_M for s in members):
            villages.add(key)
    return villages


def _central_rank(own: list[str]) -> int:
    """How central a stop whose name (without its locality) has the words ``own`` is."""
    if not own:
        return 0  # the stop is named like its town: "Staßfurt"
    core = [w for w in own if w not in CENTRAL_FILLERS]
    extra = [w for w in core if w in DIRECTIONS]
    central = [w for w in core if w in CENTRAL_RANK]
    if len(central) != 1 or len(core) != len(central) + len(extra) or len(extra) > 1:
        return NOT_CENTRAL
    return CENTRAL_RANK[central[0]] + len(extra)


_INDEXES: weakref.WeakKeyDictionary[StopDirectory, StopIndex] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def stop_index(directory: StopDirectory) -> StopIndex:
    """The search index of ``directory``'s stops, built on first use and kept while the directory lives."""
    with _LOCK:
        index = _INDEXES.get(directory)
        if index is None:
            index = _INDEXES[directory] = StopIndex(directory.stops())
        return index
