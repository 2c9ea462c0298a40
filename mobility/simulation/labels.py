"""German names and de-DE formats of the key figures, outcomes and refusal reasons, as planners read them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mobility.simulation.german import euro, number, percent


def _int(value: float) -> str:
    return number(value, 0)


def _dec(decimals: int) -> Callable[[float], str]:
    return lambda value: number(value, decimals)


def _eur(decimals: int) -> Callable[[float], str]:
    return lambda value: euro(value, decimals)


Format = Callable[[float], str]

# (key in the KPI dict, German label, format); the groups become sub-headings of the table
KPI_GROUPS: tuple[tuple[str, tuple[tuple[str, str, Format], ...]], ...] = (
    ("Nachfrage und Bedienung", (
        ("requests", "Fahrtwünsche", _int),
        ("passengers_requested", "Fahrgäste in den Fahrtwünschen", _int),
        ("booked", "Gebuchte Fahrten", _int),
        ("service_rate", "Buchungsquote (gebucht / Fahrtwünsche)", percent),
        ("served_share", "Gefahrene Fahrten (Anteil an den Fahrtwünschen)", percent),
        ("rejection_share", "Abgelehnt oder Angebot nicht angenommen", percent),
        ("passengers_served", "Beförderte Fahrgäste", _int),
    )),
    ("Warte- und Fahrzeit", (
        ("wait_min_mean", "Wartezeit Mittel (min)", _dec(1)),
        ("wait_min_p50", "Wartezeit Median (min)", _dec(1)),
        ("wait_min_p95", "Wartezeit 95-%-Quantil (min)", _dec(1)),
        ("ride_min_mean", "Fahrzeit Mittel (min)", _dec(1)),
        ("ride_min_p95", "Fahrzeit 95-%-Quantil (min)", _dec(1)),
        ("detour_factor_mean", "Umwegfaktor Mittel (Fahrzeit / direkte Fahrzeit)", _dec(2)),
        ("direct_km_mean", "Luftlinie Mittel (km)", _dec(1)),
        ("pooled_share", "Gebündelte Fahrten (Anteil)", percent),
    )),
    ("Flotte", (
        ("vehicles", "Fahrzeuge", _int),
        ("vehicles_used", "Davon eingesetzt", _int),
        ("vehicle_hours", "Fahrzeugstunden (Schichten)", _dec(0)),
        ("driving_hours", "Davon gefahren (h)", _dec(0)),
        ("passengers_per_vehicle_hour", "Fahrgäste je Fahrzeugstunde", _dec(2)),
        ("vehicle_km", "Fahrzeug-km", _int),
        ("passenger_km", "Personen-km", _int),
        ("occupancy", "Besetzung (Personen-km / Fahrzeug-km)", _dec(2)),
        ("empty_km_share", "Leerkilometer (Anteil)", percent),
    )),
    ("Kosten und Umwelt", (
        ("cost_eur", "Betriebskosten", _eur(0)),
        ("cost_per_passenger_eur", "Kosten je Fahrgast", _eur(2)),
        ("co2_kg", "CO₂ (kg)", _int),
        ("co2_g_per_passenger_km", "CO₂ je Personen-km (g)", _int),
    )),
    ("Nächtliche Gesamtplanung", (
        ("batch_plan_rides", "Bis zur Nachtplanung vorgebuchte Fahrten", _int),
        ("batch_plan_km_before", "Deren geplante km vorher", _int),
        ("batch_plan_km_after", "Deren geplante km nachher", _int),
    )),
    ("Prüfungen und Lauf", (
        ("reoptimisations", "Neuoptimierungen", _int),
        ("reoptimisations_improved", "Davon mit besserem Plan", _int),
        ("violations", "Verletzte harte Regeln", _int),
        ("promises_broken", "Gebrochene Zusagen (Zeitfenster, Ankunft, Fahrzeit)", _int),
        ("promises_broken_unexplained", "Davon ohne Ursache außerhalb des Plans (z. B. Warten auf Fahrgäste)", _int),
        ("anomalies", "Auffälligkeiten", _int),
    )),
)

OUTCOMES: dict[str, str] = {
    "served": "gefahren",
    "rejected": "abgelehnt (kein Angebot)",
    "declined": "Angebot nicht angenommen",
    "cancelled": "vom Fahrgast storniert",
    "no_show": "Fahrgast nicht erschienen",
    "dropped": "Zusage nicht einzuhalten",
    "unfinished": "nicht abgeschlossen (Fehler)",
}

REASONS: dict[str, str] = {
    "too_short_notice": "zu kurzfristig (Vorbuchfrist)",
    "no_capacity": "kein Platz im Fahrplan",
    "no_suitable_vehicle": "kein geeignetes Fahrzeug",
    "outside_service_hours": "außerhalb der Betriebszeit",
    "outside_service_area": "außerhalb des Bediengebiets",
    "no_stop_nearby": "keine Haltestelle in der Nähe",
    "same_origin_destination": "Start gleich Ziel",
    "beyond_horizon": "zu weit im Voraus",
    "in_the_past": "Zeitpunkt vorbei",
    "offer_expired": "Angebot abgelaufen",
    "declined": "Angebot zu weit vom Wunschtermin",
}

VIOLATIONS: dict[str, str] = {  # kinds of the executed-tour check (validate.py)
    "capacity": "mehr an Bord, als das Fahrzeug fasst",
    "travel": "an einem Halt früher, als die Fahrt dorthin dauert",
    "order": "Ausstieg nicht nach dem Einstieg im selben Fahrzeug",
    "window": "Abholung nach dem zugesagten Zeitfenster",
    "arrival": "Ankunft nach der zugesagten spätesten Ankunftszeit",
    "ride": "Fahrzeit länger als die zugesagte Höchstfahrzeit",
    "shift": "nach Schichtende zurück am Betriebshof",
    "pairing": "Einstieg ohne Ausstieg oder umgekehrt",
    "conservation": "Fahrtwünsche ohne Abschluss",
}

RULES: dict[str, str] = {
    "instant": "Sofortbuchung",
    "kvg": "KVG-Regeln (Vorbuchfrist)",
}


def rules_label(name: str) -> str:
    """German name of a booking rule set; unknown ones as they are."""
    return RULES.get(name, name)


def figure(kpis: dict[str, Any], key: str, fmt: Format) -> str:
    """The figure ``key`` of ``kpis`` formatted, or an empty cell if the run does not have it."""
    value = kpis.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    return fmt(float(value))
