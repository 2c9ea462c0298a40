"""Reading TOMP request bodies: what the spec requires, in this service's terms (errors name the field).

Only what the adapter uses is read; other members the spec allows are ignored, as the spec's open objects permit.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

from booking.api.bounds import FIRST_YEAR, LAST_YEAR
from booking.service.bookings import Place, RideWish
from booking.tomp.errors import invalid, missing
from booking.tomp.mapping import STOP_PREFIX
from mobility.domain.geo import Point

REFERENCE = re.compile(r"^(?P<prefix>[A-Za-z]+):(?P<value>[A-Za-z0-9\-_.,]+)$")
WHEELCHAIRS = frozenset({"wheelchair", "assisted_wheelchair", "motorized_wheelchair"})
STROLLERS = frozenset({"pushchair"})
MAX_PARTY = 20


def inputs(body: Any, module: int) -> dict[str, Any]:
    """The ``inputs`` object every process body must have."""
    if not isinstance(body, dict):
        raise invalid(module, "body", "Der Inhalt muss ein JSON-Objekt sein.")
    found = body.get("inputs")
    if found is None:
        raise missing(module, "inputs", "Das Feld fehlt.")
    if not isinstance(found, dict):
        raise invalid(module, "inputs", "Muss ein Objekt sein.")
    return found


def reference(data: dict[str, Any], name: str, module: int, *, required: bool = True) -> str | None:
    """A package, offer or leg reference (a string of at most 200 characters)."""
    value = data.get(name)
    if value is None:
        if required:
            raise missing(module, f"inputs.{name}", "Das Feld fehlt.")
        return None
    if not isinstance(value, str) or not value or len(value) > 200:
        raise invalid(module, f"inputs.{name}", "Muss eine Kennung (Text, höchstens 200 Zeichen) sein.")
    return value


def place(value: Any, field: str, module: int) -> Place:
    """A place reference: ``GPS:{lon},{lat}`` or ``stop:{id}``."""
    if value is None:
        raise missing(module, field, "Das Feld fehlt.")
    match = REFERENCE.match(value) if isinstance(value, str) and len(value) <= 200 else None
    if match is None:
        raise invalid(module, field, "Erwartet wird eine Ortsangabe „GPS:Länge,Breite“ oder „stop:Haltestellen-Nr.“.")
    prefix, rest = match["prefix"], match["value"]
    if prefix.lower() == "gps":
        return Place(point=_point(rest, field, module))
    if prefix == STOP_PREFIX:
        return Place(stop_id=rest)
    if prefix == "P":
        raise invalid(module, field, "Adressen („P:“) kann dieser Dienst nicht verorten; bitte GPS oder Haltestelle.")
    raise invalid(module, field, f"Die Datenquelle „{prefix}“ ist unbekannt (siehe /collections/datasources/items).")


def _point(text: str, field: str, module: int) -> Point:
    parts = text.split(",")
    try:
        lon, lat = (float(p) for p in parts) if len(parts) == 2 else (math.nan, math.nan)
    except ValueError:
        lon = lat = math.nan
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise invalid(module, field, "GPS-Angaben sind „GPS:Länge,Breite“ in WGS84 (z. B. GPS:11.7401,51.7946).")
    return Point(lon, lat)


def _time(value: Any, field: str, module: int) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise invalid(module, field, "Erwartet wird ein Zeitpunkt nach RFC 3339 mit Zeitzone "
                      "(z. B. 2026-11-23T07:30:00Z).")
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise invalid(module, field, f"Erwartet wird ein Zeitpunkt zwischen {FIRST_YEAR} und {LAST_YEAR}.")
    return parsed


def _object(value: Any, field: str, module: int) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid(module, field, "Muss ein Objekt sein.")
    return value


def _list(value: Any, field: str, module: int) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid(module, field, "Muss eine Liste sein.")
    return value


def _needs(requirements: dict[str, Any], field: str, module: int) -> tuple[int, int]:
    """Wheelchairs and strollers among ``prmNeeds``."""
    wheelchairs = strollers = 0
    for i, raw in enumerate(_list(requirements.get("prmNeeds"), f"{field}.prmNeeds", module)):
        need = _object(raw, f"{field}.prmNeeds[{i}]", module)
        mobility, encumbrance = need.get("mobilityNeed"), need.get("encumbranceNeed")
        if not isinstance(mobility, str | None) or not isinstance(encumbrance, str | None):
            raise invalid(module, f"{field}.prmNeeds[{i}]", "mobilityNeed und encumbranceNeed sind Texte.")
        wheelchairs += mobility in WHEELCHAIRS
        strollers += encumbrance in STROLLERS
    return wheelchairs, strollers


def _party(data: dict[str, Any], module: int) -> tuple[int, int, int]:
    """Passengers, wheelchairs and strollers of the travellers (a traveller's ``groupSize`` counts its group)."""
    travellers = _list(data.get("travellers"), "inputs.travellers", module)
    passengers = wheelchairs = strollers = 0
    for i, raw in enumerate(travellers):
        traveller = _object(raw, f"inputs.travellers[{i}]", module)
        size = traveller.get("groupSize", 1)
        whole = (isinstance(size, int | float) and not isinstance(size, bool) and math.isfinite(size)
                 and size == int(size))
        if not whole or not 1 <= size <= MAX_PARTY:
            raise invalid(module, f"inputs.travellers[{i}].groupSize", f"Eine ganze Zahl von 1 bis {MAX_PARTY}.")
        w, s = _needs(_object(traveller.get("requirements"), f"inputs.travellers[{i}].requirements", module),
                      f"inputs.travellers[{i}].requirements", module)
        passengers, wheelchairs, strollers = passengers + int(size), wheelchairs + w, strollers + s
    w, s = _needs(_object(data.get("requirements"), "inputs.requirements", module), "inputs.requirements", module)
    return max(passengers, 1), wheelchairs + w, strollers + s


def search(data: dict[str, Any], module: int) -> tuple[RideWish, str | None]:
    """The ride wish of a ``searchOfferRequest`` and the mode asked for (``requirements.mode``)."""
    if data.get("type") != "searchOffer":
        raise invalid(module, "inputs.type", "Muss „searchOffer“ sein.")
    spec = data.get("specification")
    if spec is None:
        raise missing(module, "inputs.specification", "Das Feld fehlt.")
    spec = _object(spec, "inputs.specification", module)
    if spec.get("type", "travelSpecification") != "travelSpecification":
        raise invalid(module, "inputs.specification.type",
                      "Dieser Dienst plant nur nach „travelSpecification“ (kein „tripPattern“).")
    origin = place(spec.get("from"), "inputs.specification.from", module)
    destination = place(spec.get("to"), "inputs.specification.to", module)
    start = _time(spec.get("startTime"), "inputs.specification.startTime", module)
    end = _time(spec.get("endTime"), "inputs.specification.endTime", module)
    passengers, wheelchairs, strollers = _party(data, module)
    mode = _object(data.get("requirements"), "inputs.requirements", module).get("mode")
    wish = RideWish(origin=origin, destination=destination, departure=start, arrival=end if start is None else None,
                    passengers=passengers, wheelchairs=wheelchairs, strollers=strollers)
    return wish, mode if isinstance(mode, str) else None
