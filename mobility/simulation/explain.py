"""Short German explanations for figures of a run that look odd at first sight — each computed from the run, each
only when it applies: a low booking rate under a minimum-notice rule, many waits of zero, occupancy above one,
the cost per passenger, vehicles not needed, broken promises.

The texts are HTML fragments (values escaped where they come from outside); the report puts them next to the
figure they explain.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from mobility.domain.rules import BookingRules, rule_set
from mobility.simulation.german import euro, number, percent
from mobility.simulation.kpis import wait_s
from mobility.simulation.labels import rules_label
from mobility.simulation.records import Outcome, RequestRecord
from mobility.simulation.run import RunResult

SHORT_NOTICE = "too_short_notice"


@dataclass(frozen=True, slots=True)
class Notes:
    """Explanations per place in the report (lists of HTML fragments, possibly empty)."""

    service: tuple[str, ...]
    wait: tuple[str, ...]
    occupancy: tuple[str, ...]
    fleet: tuple[str, ...]
    checks: tuple[str, ...]


def describe_rules(rules: BookingRules) -> str:
    """The notice rules in German, e.g. ``Tag (07–21 Uhr): mindestens 60 Minuten Vorlauf; …``."""
    parts = []
    for p in rules.periods:
        if p.min_notice_s:
            parts.append(f"{escape(p.name)}: mindestens {number(p.min_notice_s / 60)} Minuten Vorlauf")
        if p.book_by is not None:
            parts.append(f"{escape(p.name)}: Buchung bis {p.book_by:%H:%M} Uhr am Abend, an dem die Nacht beginnt")
    return "; ".join(parts)


def _short_notice(result: RunResult, records: list[RequestRecord]) -> list[str]:
    """Why the booking rate is low under a minimum-notice rule (the refusals' reason, split by booking habit)."""
    scenario = result.scenario
    rules = rule_set(scenario.dispatch.rules)
    short = [r for r in records if r.rejection_reason == SHORT_NOTICE]
    if not records or len(short) < 0.05 * len(records):
        return []
    riders, behaviour = scenario.demand.riders, scenario.behaviour
    spontaneous = [r for r in records if not r.prebooked]
    prebooked = [r for r in records if r.prebooked]
    short_spontaneous = sum(not r.prebooked for r in short)
    day = sum(1 for r in short if (found := rules.period_at(r.wished_time)) and found[0].min_notice_s)
    booked_pre = sum(r.offer is not None for r in prebooked)
    lo, hi = riders.immediate_lead_min
    plo, phi = riders.prebook_lead_min
    text = (
        f"<b>Warum die Buchungsquote hier niedrig ist:</b> {number(len(short))} von {number(len(records))} "
        f"Fahrtwünschen ({percent(len(short) / len(records))}) scheiterten an der Vorbuchfrist, nicht an fehlenden "
        f"Fahrzeugen ({number(day)} tagsüber, {number(len(short) - day)} in der Nacht). "
        f"Die Buchungsregeln ({escape(rules_label(rules.name))}) verlangen: {describe_rules(rules)}. "
        f"Im Nachfragemodell melden sich aber {percent(len(spontaneous) / len(records), 0)} der Fahrgäste spontan, "
        f"{number(lo)}–{number(hi)} Minuten vor der Wunschzeit; nur die vorgebuchten "
        f"({number(plo / 60)}–{number(phi / 60)} Stunden vorher, <code>demand.riders.prebooked_share</code> = "
        f"{number(riders.prebooked_share, 2)}) können die Frist einhalten. Spontanen Fahrgästen bietet die Leitstelle "
        f"als nächste Möglichkeit eine Fahrt nach Ablauf der Frist an; die Fahrgäste im Modell nehmen nur Angebote "
        f"bis {number(behaviour.max_shift_min)} Minuten neben ihrer Wunschzeit an "
        f"(<code>behaviour.max_shift_min</code>). So scheiterten {number(short_spontaneous)} der "
        f"{number(len(spontaneous))} spontanen Fahrtwünsche; von den vorgebuchten wurden "
        f"{percent(booked_pre / len(prebooked) if prebooked else 0.0)} gebucht. "
        "Die Buchungsquote liegt deshalb bei jeder Flottengröße etwa beim Anteil der Vorbucher — mehr Fahrzeuge "
        "helfen nicht. Das Modell nimmt an, dass niemand wegen der Regel früher bucht; wie die Quote aussähe, wenn "
        "Fahrgäste sich auf die Frist einstellen, zeigt ein Lauf mit höherem <code>prebooked_share</code>."
    )
    return [text]


def _waits(result: RunResult, records: list[RequestRecord]) -> list[str]:
    window = result.scenario.dispatch.pickup_window_min
    served = [r for r in records if r.outcome == Outcome.SERVED]
    zero = [r for r in served if wait_s(r) < 30]
    if not served or len(zero) < 0.1 * len(served):
        return []
    planned = sum(r.prebooked or r.by_arrival for r in zero)
    return [
        f"<b>Der hohe Balken bei 0 Minuten:</b> {number(len(zero))} von {number(len(served))} gefahrenen Fahrten "
        f"({percent(len(zero) / len(served))}) hatten keine Wartezeit. {number(planned)} davon waren vorgebucht oder "
        "nannten eine Ankunftszeit: Vorgebuchte Fahrten holt der Bus zur Wunschzeit ab, und bei Fahrten mit "
        "Wunsch-Ankunftszeit zählt die Wartezeit ab dem Beginn des angebotenen Abholfensters. "
        + (f"Die übrigen {number(len(zero) - planned)} waren spontane Fahrten mit einem Bus in der Nähe. "
           if len(zero) > planned else "")
        + "Sonst warten spontane Fahrgäste, bis ein Bus kommt — daher die breite Verteilung bis zum Ende des "
        f"Abholfensters ({number(window)} Minuten)."
    ]


def _occupancy(result: RunResult) -> list[str]:
    k = result.kpis
    return [
        f"<b>Besetzung</b> ist Personen-km je Fahrzeug-km, Leerfahrten eingerechnet: {number(k['occupancy'], 2)} "
        "heißt, im Mittel über alle gefahrenen Kilometer saßen so viele Personen im Bus; über 1 liegt sie, weil "
        f"Fahrten gebündelt werden ({percent(k['pooled_share'])} der gefahrenen Fahrten teilten den Bus). "
        "Die Linie zeigt sie je Stunde; Stunden mit weniger als einem Zehntel der Fahrzeug-km der stärksten Stunde "
        "(graue Balken) bleiben ohne Wert, weil wenige Kilometer den Quotienten springen lassen."
    ]


def _fleet(result: RunResult) -> list[str]:
    k = result.kpis
    out = []
    costs = result.scenario.costs
    if k["cost_eur"] and k["passengers_served"]:
        hours_cost = k["vehicle_hours"] * costs.vehicle_hour_eur
        out.append(
            f"<b>Kosten je Fahrgast</b> ({euro(k['cost_per_passenger_eur'])}): "
            f"{percent(hours_cost / k['cost_eur'], 0)} "
            f"der Betriebskosten sind bezahlte Schichtstunden ({number(k['vehicle_hours'])} h × "
            f"{euro(costs.vehicle_hour_eur)}), der Rest Kilometer ({number(k['vehicle_km'])} km × "
            f"{euro(costs.km_eur)}). Gefahren wurde in {percent(k['driving_hours'] / k['vehicle_hours'], 0)} der "
            "Schichtzeit; wer weniger Fahrgäste bucht, zahlt die Schichten trotzdem — so steigen die Kosten je "
            "Fahrgast, wenn die Buchungsquote fällt.")
    unused = k["vehicles"] - k["vehicles_used"]
    if unused > 0:
        out.append(f"{number(unused)} von {number(k['vehicles'])} Fahrzeugen fuhren keine Fahrt; ihre Schichten "
                   "sind in den Kosten enthalten.")
    return out


def _checks(result: RunResult) -> list[str]:
    k = result.kpis
    if not k["promises_broken"]:
        return []
    no_shows = k["outcomes"].get(Outcome.NO_SHOW.value, 0)
    wait_min = result.scenario.dispatch.no_show_wait_s / 60
    return [
        f"<b>Gebrochene Zusagen</b> ({number(k['promises_broken'])}) entstehen vor allem, wenn ein Fahrer "
        f"{number(wait_min)} Minuten auf einen Fahrgast wartet, der nicht kommt ({number(no_shows)} Fälle an diesem "
        "Tag): Diese Wartezeit plant der Dispatcher nicht ein, die folgenden Fahrgäste werden später abgeholt. "
        "Ohne nicht erschienene Fahrgäste brechen die Testtage keine Zusage."
    ]


def explain(result: RunResult) -> Notes:
    """The explanations for ``result``."""
    records = list(result.log.requests.values())
    return Notes(
        service=tuple(_short_notice(result, records)),
        wait=tuple(_waits(result, records)),
        occupancy=tuple(_occupancy(result)),
        fleet=tuple(_fleet(result)),
        checks=tuple(_checks(result)),
    )

