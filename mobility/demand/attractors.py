"""Attractors (rail stations, hospitals, schools, town centres, shopping, the county office) found by stop names.

The district's stops carry telling names ("Klinikum, Aschersleben", "Schulzentrum, Könnern", "Markt, Nienburg (Saale)").
An attractor is the stop whose name matches a category's pattern; rail stations are the stops HAFAS flags as served by
regional trains with a station's importance weight. The Kreisverwaltung of the Salzlandkreis is at Karlsplatz 37
in Bernburg: its stop is "Karlsplatz".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from mobility.demand.data import RawStop
from mobility.domain.geo import Point


class AttractorKind(StrEnum):
    """Categories of trip attractors (the keys of ``[demand.attractors]`` in a scenario)."""

    RAIL_STATION = "rail_station"
    HOSPITAL = "hospital"
    SCHOOL = "school"
    TOWN_CENTRE = "town_centre"
    SHOPPING = "shopping"
    COUNTY_OFFICE = "county_office"


# HAFAS weights of real rail stations are 40…900; town stops that merely carry a regional flag have ≤ 3.4
RAIL_STATION_MIN_WEIGHT = 10.0
COUNTY_OFFICE_STOP = "Karlsplatz, Bernburg (Saale)"  # Kreisverwaltung Salzlandkreis, Karlsplatz 37, 06406 Bernburg

_PATTERNS: dict[AttractorKind, re.Pattern[str]] = {
    AttractorKind.HOSPITAL: re.compile(r"Klinikum|Krankenhaus|Klinik\b|Ärztehaus"),
    AttractorKind.SCHOOL: re.compile(r"(?<![Aa]lten )(?<![Aa]lte )(Schule|Gymnasium|Schulzentrum|schule)\b"),
    AttractorKind.TOWN_CENTRE: re.compile(r"(^|\s)(Alter )?Markt\b|Marktstr|Rathaus|\bZOB\b|Busbahnhof"),
    AttractorKind.SHOPPING: re.compile(r"PEP-Markt|Center\b|Einkaufs"),
}


@dataclass(frozen=True, slots=True)
class Attractor:
    """A place many trips go to, located at a real stop."""

    kind: AttractorKind
    name: str  # the stop name it was found by
    point: Point


def classify(stop: RawStop) -> list[AttractorKind]:
    """The attractor categories a stop's name (or its rail flag) puts it in."""
    kinds = [AttractorKind.RAIL_STATION] if stop.regional and stop.weight >= RAIL_STATION_MIN_WEIGHT else []
    name = stop.name.rsplit(",", 1)[0] if "," in stop.name else stop.name
    if stop.name == COUNTY_OFFICE_STOP:
        kinds.append(AttractorKind.COUNTY_OFFICE)
    if _PATTERNS[AttractorKind.SHOPPING].search(name):
        kinds.append(AttractorKind.SHOPPING)
    else:
        kinds += [k for k in (AttractorKind.TOWN_CENTRE,) if _PATTERNS[k].search(name)]
    kinds += [k for k in (AttractorKind.HOSPITAL, AttractorKind.SCHOOL) if _PATTERNS[k].search(name)]
    return kinds


def locate_attractors(stops: Iterable[RawStop]) -> list[Attractor]:
    """Every attractor found among ``stops``, in input order."""
    return [Attractor(kind, s.name, s.point) for s in stops for kind in classify(s)]
