"""One self-contained HTML report per run (and one comparing runs side by side), in German for planners: key figures,
refusal reasons, plots with clock-time axes, the demand map, fairness, checks — and a short explanation next to
any figure that looks odd (``explain.py``). Numbers in de-DE format (``german.py``), no scripts, nothing loaded
from elsewhere; readable when printed."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from mobility.simulation import plots
from mobility.simulation.explain import Notes, explain
from mobility.simulation.german import euro, number, percent
from mobility.simulation.kpis import wait_s
from mobility.simulation.labels import KPI_GROUPS, OUTCOMES, REASONS, VIOLATIONS, figure, rules_label
from mobility.simulation.mapplot import map_plot
from mobility.simulation.records import Outcome
from mobility.simulation.run import RunResult
from mobility.simulation.timeseries import DaySeries, day_series, timelines

WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
BATCH_GROUP = "Nächtliche Gesamtplanung"

STYLE = """:root{color-scheme:light}
body{font-family:"DejaVu Sans",system-ui,sans-serif;font-size:16px;line-height:1.5;margin:2rem auto;max-width:1100px;
padding:0 1rem;color:#111;background:#fff}
h1{font-size:1.8rem;margin-bottom:.3rem}h2{margin-top:2.5rem;border-bottom:2px solid #0072B2;padding-bottom:.2rem}
h2,h3{break-after:avoid}a{color:#005a8c}
table{border-collapse:collapse;margin:1rem 0;font-variant-numeric:tabular-nums}
th,td{border:1px solid #999;padding:.3rem .6rem;text-align:right;vertical-align:top}
th[scope=row],thead th:first-child{text-align:left}th[scope=row]{font-weight:normal}
thead th{background:#e3ecf5}tr.group th{background:#f0f0f0;text-align:left}
div.wide{overflow-x:auto;max-width:100%}
table.sweep{font-size:.9rem}table.findings td{text-align:left}table.sweep th,table.sweep td{padding:.25rem .4rem}
.note{background:#fff8e1;border-left:4px solid #E69F00;padding:.6rem .9rem;margin:1rem 0;max-width:80ch}
.explain{background:#eef5fb;border-left:4px solid #0072B2;padding:.6rem .9rem;margin:1rem 0;max-width:80ch}
figure{margin:1rem 0;break-inside:avoid}figcaption{font-size:.92rem;color:#333;max-width:80ch}
svg{max-width:100%;height:auto}nav ul{columns:2;padding-left:1.2rem}
dl.glance{display:grid;grid-template-columns:repeat(3,1fr);gap:.6rem;margin:1.2rem 0;max-width:50rem}
@media (max-width:40rem){dl.glance{grid-template-columns:1fr 1fr}}
dl.glance div{border:1px solid #999;border-top:4px solid #0072B2;padding:.4rem .7rem}
dl.glance dt{font-size:.85rem;color:#333}dl.glance dd{margin:0;font-size:1.45rem;font-weight:bold}
@media print{body{margin:0;max-width:none;font-size:11pt}nav{display:none}
.note,.explain{border:1px solid #999;border-left-width:4px}a{color:inherit;text-decoration:none}}"""


def _esc(value: Any) -> str:
    return html.escape(str(value))


def midnight_of(result: RunResult) -> datetime:
    """Local midnight at the start of the simulated day (the zero of every clock-time axis)."""
    return datetime.combine(result.scenario.scenario.date, time(0), tzinfo=result.scenario.tz)


def series_of(result: RunResult) -> DaySeries:
    """The day series of a run, binned by the scenario's bin width over the service day."""
    midnight = midnight_of(result)
    start = min([midnight + timedelta(hours=4), *(s.start for v in result.vehicles for s in v.shifts)])
    end = max(s.end for v in result.vehicles for s in v.shifts) + timedelta(hours=1)
    return day_series(list(result.log.requests.values()), result.legs, start, end,
                      result.scenario.simulation.time_bin_min)


def _waits(result: RunResult) -> list[float]:
    return [wait_s(r) / 60 for r in result.log.requests.values() if r.outcome == Outcome.SERVED]


def _has_batch_plan(result: RunResult) -> bool:
    return result.scenario.dispatch.batch_plan_at is not None or bool(result.kpis.get("batch_plan_rides"))


def kpi_table(results: Sequence[RunResult]) -> str:
    """The key figures, grouped, one column per run; outcomes with their share of the requests."""
    head = "".join(f'<th scope="col">{_esc(r.scenario.scenario.name)}</th>' for r in results)
    span = len(results) + 1
    rows = [f'<thead><tr><th scope="col">Kennzahl</th>{head}</tr></thead><tbody>']
    for group, items in KPI_GROUPS:
        if group == BATCH_GROUP and not any(_has_batch_plan(r) for r in results):
            continue
        rows.append(f'<tr class="group"><th colspan="{span}" scope="rowgroup">{_esc(group)}</th></tr>')
        for key, label, fmt in items:
            cells = "".join(f"<td>{figure(r.kpis, key, fmt)}</td>" for r in results)
            rows.append(f'<tr><th scope="row">{_esc(label)}</th>{cells}</tr>')
    rows.append(f'<tr class="group"><th colspan="{span}" scope="rowgroup">Ausgang der Fahrtwünsche</th></tr>')
    for name, label in OUTCOMES.items():
        counts = [r.kpis["outcomes"].get(name, 0) for r in results]
        if name == Outcome.UNFINISHED.value and not any(counts):
            continue
        cells = "".join(f"<td>{number(c)} ({percent(c / r.kpis['requests'] if r.kpis['requests'] else 0.0)})</td>"
                        for c, r in zip(counts, results, strict=True))
        rows.append(f'<tr><th scope="row">{_esc(label)}</th>{cells}</tr>')
    return '<table class="kpis" aria-labelledby="kennzahlen">' + "".join(rows) + "</tbody></table>"


def refusal_table(result: RunResult) -> str:
    """Requests without a booking, per reason, with their share of all requests."""
    refusals: dict[str, int] = result.kpis.get("refusals", {})
    if not refusals:
        return "<p>Kein Fahrtwunsch blieb ohne Buchung.</p>"
    total = result.kpis["requests"] or 1
    rows = ['<thead><tr><th scope="col">Grund</th><th scope="col">Fahrtwünsche</th>'
            '<th scope="col">Anteil an allen Fahrtwünschen</th></tr></thead><tbody>']
    for reason, count in refusals.items():
        rows.append(f'<tr><th scope="row">{_esc(REASONS.get(reason, reason))}</th><td>{number(count)}</td>'
                    f"<td>{percent(count / total)}</td></tr>")
    return '<table aria-labelledby="ablehnungen">' + "".join(rows) + "</tbody></table>"


def fairness_table(result: RunResult) -> str:
    """Service rate per origin municipality and for wheelchair users vs others."""
    k = result.kpis
    rows = ['<thead><tr><th scope="col">Gemeinde / Bedarf</th><th scope="col">Fahrtwünsche</th>'
            '<th scope="col">gebucht</th>'
            '<th scope="col">gefahren</th><th scope="col">Buchungsquote</th></tr></thead><tbody>']
    groups = [*k["service_rate_by_municipality"].items(), ("Rollstuhlnutzer", k["service_rate_wheelchair"]),
              ("alle anderen", k["service_rate_others"])]
    for name, g in groups:
        rows.append(f'<tr><th scope="row">{_esc(name)}</th><td>{number(g["requests"])}</td>'
                    f'<td>{number(g["booked"])}</td><td>{number(g["served"])}</td>'
                    f'<td>{percent(g["service_rate"]) if g["requests"] else "–"}</td></tr>')
    return '<table aria-labelledby="gerechtigkeit">' + "".join(rows) + "</tbody></table>"


def glance(result: RunResult) -> str:
    """The headline figures of a run as a row of boxes."""
    k = result.kpis
    items = (
        ("Buchungsquote", percent(k["service_rate"])),
        ("Beförderte Fahrgäste", number(k["passengers_served"])),
        ("Wartezeit (Median / 95 %)", f"{number(k['wait_min_p50'], 1)} / {number(k['wait_min_p95'], 1)} min"),
        ("Kosten je Fahrgast", euro(k["cost_per_passenger_eur"])),
        ("Fahrzeug-km", number(k["vehicle_km"])),
        ("Fahrgäste je Fahrzeugstunde", number(k["passengers_per_vehicle_hour"], 2)),
    )
    boxes = "".join(f"<div><dt>{_esc(label)}</dt><dd>{value}</dd></div>" for label, value in items)
    return f'<dl class="glance" aria-label="Auf einen Blick">{boxes}</dl>'


def violations_table(result: RunResult, limit: int = 20) -> str:
    """The first ``limit`` findings of the executed-tour check: kind (German), the ride or vehicle, what it means;
    the technical detail of every finding is in summary.json."""
    if not result.violations:
        return ""
    rows = ['<thead><tr><th scope="col">Fahrt / Fahrzeug</th><th scope="col">Befund</th>'
            '<th scope="col">Art</th></tr></thead><tbody>']
    for v in result.violations[:limit]:
        subject = v.message.partition(": ")[0].split(" ")[0]
        rows.append(f'<tr><th scope="row">{_esc(subject)}</th><td>{_esc(VIOLATIONS.get(v.kind, v.kind))}</td>'
                    f"<td>{'Zusage' if v.promise else 'harte Regel'}</td></tr>")
    more = len(result.violations) - limit
    tail = f"<p>… und {number(more)} weitere (alle in summary.json).</p>" if more > 0 else ""
    return ('<table class="findings" aria-labelledby="pruefung">' + "".join(rows) + "</tbody></table>"
            + "<p>Einzelheiten (Zeiten, Sekunden) stehen in <code>summary.json</code> unter "
            "<code>violations</code>.</p>" + tail)


def network_note(results: Sequence[RunResult]) -> str:
    """Which road network the run used; for the approximate one, that times and distances are estimates."""
    sources = sorted({r.network_source for r in results})
    note = f"Straßennetz: <b>{_esc(', '.join(sources))}</b>."
    if "approximate" in sources:
        note += (" Das genäherte Netz (approximate) ist aus den echten Haltestellen und Orten mit Umwegfaktoren und "
                 "Geschwindigkeiten je Straßenklasse gebaut, nicht aus OpenStreetMap-Straßen: Fahrzeiten und "
                 "Entfernungen sind Schätzungen.")
    return f'<p class="note">{note}</p>'


def _notes(items: Sequence[str]) -> str:
    return "".join(f'<p class="explain">{text}</p>' for text in items)


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{caption}</figcaption></figure>"


def page(title: str, body: str) -> str:
    """A complete German HTML page around ``body``."""
    return (f'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{_esc(title)}</title>'
            f"<style>{STYLE}</style></head><body><main><h1>{_esc(title)}</h1>{body}</main></body></html>")


SECTIONS = (("kennzahlen", "Kennzahlen"), ("ablehnungen", "Warum Fahrtwünsche ohne Buchung blieben"),
            ("tagesverlauf", "Fahrtwünsche und Ablehnungen über den Tag"), ("wartezeit", "Wartezeiten"),
            ("besetzung", "Besetzung über den Tag"), ("fahrzeuge", "Tagesablauf je Fahrzeug"),
            ("karte", "Karte der Nachfrage"),
            ("gerechtigkeit", "Buchungsquote nach Gemeinde des Startpunkts und nach Bedarf"),
            ("pruefung", "Prüfung der gefahrenen Touren"))


def _h2(key: str) -> str:
    return f'<h2 id="{key}">{dict(SECTIONS)[key]}</h2>'


def render_report(result: RunResult) -> str:
    """The HTML report of one run."""
    meta = result.scenario.scenario
    midnight = midnight_of(result)
    series = series_of(result)
    travel = {(g.origin, g.destination): g.duration_s for g in result.legs}
    segments = timelines(result.log.visits, travel)
    notes: Notes = explain(result)
    k = result.kpis
    day = f"{WEEKDAYS[meta.date.weekday()]}, {meta.date:%d.%m.%Y}"
    nav = "".join(f'<li><a href="#{key}">{text}</a></li>' for key, text in SECTIONS)
    parts = [
        f"<p>{_esc(meta.description)}</p>",
        f"<p>Simulierter Tag: <b>{day}</b> · Startwert (seed) {meta.seed} · {number(len(result.vehicles))} Fahrzeuge"
        f" · {number(len(result.requests))} Fahrtwünsche · Buchungsregeln: "
        f"<b>{_esc(rules_label(result.scenario.dispatch.rules))}</b></p>",
        glance(result), _notes(notes.service),
        network_note([result]),
        f'<nav aria-label="Inhalt"><ul>{nav}</ul></nav>',
        _h2("kennzahlen"), kpi_table([result]), _notes(notes.fleet),
        _h2("ablehnungen"), refusal_table(result),
        _h2("tagesverlauf"),
        _figure(plots.requests_plot([(meta.name, series)], midnight),
                f"Fahrtwünsche je {number(result.scenario.simulation.time_bin_min)} Minuten nach gewünschter "
                "Fahrzeit (blau), davorgelegt der Teil, der ohne Buchung blieb (rot)."),
        _h2("wartezeit"),
        _figure(plots.wait_plot([(meta.name, _waits(result))]),
                f"Wartezeit der {number(k['outcomes'].get('served', 0))} gefahrenen Fahrten: Abholung minus "
                "Wunschzeit, in Minuten; gestrichelt der Median, gepunktet das 95-%-Quantil."),
        _notes(notes.wait),
        _h2("besetzung"),
        _figure(plots.occupancy_plot([(meta.name, series)], midnight),
                "Besetzung (Personen-km je Fahrzeug-km, Linie) und Fahrzeug-km (graue Balken, rechte Achse) je Stunde, "
                "nach Ankunftszeit der Fahrtabschnitte."),
        _notes(notes.occupancy),
        _h2("fahrzeuge"),
        _figure(plots.timeline_plot(segments, [v.id for v in result.vehicles], midnight),
                "Je Fahrzeug eine Zeile: Leerfahrten grau, Fahrten mit Fahrgästen blau (je dunkler, desto mehr "
                "Fahrgäste), Halte orange; weiß ist Standzeit ohne Auftrag."),
        _h2("karte"),
        _figure(map_plot(result),
                "Orange Kreise: Fahrtwünsche je Einstiegshaltestelle (Fläche nach Anzahl). Blaue Linien: die "
                "stärksten Verbindungen zwischen Gemeinden (Fahrtwünsche in beide Richtungen, Luftlinie zwischen "
                "den Gemeindesitzen). Fahrten innerhalb einer Gemeinde zeigen nur die Kreise."),
        _h2("gerechtigkeit"), fairness_table(result),
        _h2("pruefung"),
        f"<p>{number(k['violations'])} harte Regeln verletzt (Kapazität, Reihenfolge, Fahrzeiten, Schichtende), "
        f"{number(k['promises_broken'])} Zusagen gebrochen, {number(len(result.log.anomalies))} "
        "Auffälligkeiten.</p>",
        _notes(notes.checks),
        violations_table(result),
    ]
    return page(f"Simulation: {meta.name}", "".join(parts))


def render_comparison(results: Sequence[RunResult]) -> str:
    """The HTML report comparing runs side by side (the first run's day gives the clock axis)."""
    names = [r.scenario.scenario.name for r in results]
    midnight = midnight_of(results[0])
    series = [(r.scenario.scenario.name, series_of(r)) for r in results]
    rules = ", ".join(f"{_esc(r.scenario.scenario.name)}: {_esc(rules_label(r.scenario.dispatch.rules))}"
                      for r in results)
    notes = [text for r in results for text in explain(r).service]
    parts = [
        network_note(results), f"<p>Buchungsregeln — {rules}</p>",
        '<h2 id="kennzahlen">Kennzahlen nebeneinander</h2>', _notes(notes), kpi_table(results),
        "<h2>Fahrtwünsche und Ablehnungen über den Tag</h2>",
        _figure(plots.requests_plot(series, midnight), "Fahrtwünsche je Zeitabschnitt (dünne Linie) und "
                "davon ohne Buchung (Fläche), je Lauf eine Farbe und Strichart."),
        "<h2>Wartezeiten</h2>",
        _figure(plots.wait_plot([(r.scenario.scenario.name, _waits(r)) for r in results]),
                "Wartezeit der gefahrenen Fahrten je Lauf, in Minuten."),
        "<h2>Besetzung über den Tag</h2>",
        _figure(plots.occupancy_plot(series, midnight), "Besetzung (Personen-km je Fahrzeug-km) und Fahrzeug-km "
                "je Stunde."),
    ]
    return page("Vergleich: " + " / ".join(names), "".join(parts))


def write_report(result: RunResult, path: Path) -> Path:
    """Write the run's report to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(result), encoding="utf-8")
    return path


def write_comparison(results: Sequence[RunResult], path: Path) -> Path:
    """Write the comparison of ``results`` to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_comparison(results), encoding="utf-8")
    return path
