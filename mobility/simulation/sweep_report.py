"""Sweep outputs: every run (CSV, JSON), the curve per rule set and fleet size (CSV), and a German HTML page with
the plot, the table behind it (de-DE numbers) and a short explanation where a curve looks odd."""

from __future__ import annotations

import csv
import html
import json
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from mobility.domain.rules import rule_set
from mobility.simulation import plots
from mobility.simulation.explain import describe_rules
from mobility.simulation.german import euro, number, percent
from mobility.simulation.labels import rules_label
from mobility.simulation.report import page
from mobility.simulation.scenario import Scenario

FLAT = 0.05  # a rule set's service rate varying less than this over the fleet sizes counts as flat


def _csv(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    keys: list[str] = []
    for row in rows:
        keys += [k for k in row if k not in keys and not isinstance(row[k], dict)]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=keys, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _dec(decimals: int) -> Callable[[float], str]:
    return lambda value: number(value, decimals)


COLUMNS: tuple[tuple[str, str, Callable[[float], str]], ...] = (
    ("vehicles", "Fahrzeuge", _dec(0)),
    ("service_rate", "Buchungsquote", percent),
    ("short_notice_share", "an der Vorbuchfrist gescheitert", percent),
    ("cost_per_passenger_eur", "Kosten je Fahrgast", euro),
    ("wait_min_mean", "Wartezeit Mittel (min)", _dec(1)),
    ("wait_min_p95", "Wartezeit 95 % (min)", _dec(1)),
    ("pooled_share", "gebündelt", percent),
    ("occupancy", "Besetzung", _dec(2)),
    ("passengers_per_vehicle_hour", "Fahrgäste je Fzg.-Stunde", _dec(2)),
)


def _cell(item: dict[str, Any], key: str, fmt: Callable[[float], str]) -> str:
    value = item.get(key)
    if not isinstance(value, int | float):
        return "<td>–</td>"
    spread = item.get(f"{key}_sd")
    text = fmt(float(value))
    if isinstance(spread, int | float) and spread > 0 and item.get("runs", 1) > 1:
        text += f" ± {fmt(float(spread))}"
    return f"<td>{text}</td>"


def sweep_table(curve: Sequence[dict[str, Any]]) -> str:
    """One row per rule set and fleet size: mean over the seeds (± standard deviation with several seeds)."""
    head = '<th scope="col">Buchungsregeln</th>' + "".join(f'<th scope="col">{html.escape(label)}</th>'
                                                             for _, label, _ in COLUMNS)
    body = "".join(
        f'<tr><th scope="row">{html.escape(rules_label(c["rules"]))}</th>'
        + "".join(_cell(c, key, fmt) for key, _, fmt in COLUMNS) + "</tr>"
        for c in curve)
    return ('<div class="wide" role="region" tabindex="0" aria-labelledby="tabelle">'
            f'<table class="sweep" aria-labelledby="tabelle"><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
            "</table></div>")


def sweep_notes(curve: Sequence[dict[str, Any]], scenario: Scenario | None = None) -> list[str]:
    """Explanations for curves that look odd: a booking rate that does not move with the fleet size."""
    notes = []
    for rules in sorted({c["rules"] for c in curve}):
        points = [c for c in curve if c["rules"] == rules]
        rates = [float(c.get("service_rate", 0.0)) for c in points]
        short = [float(c.get("short_notice_share", 0.0)) for c in points]
        if len(points) < 2 or max(rates) - min(rates) >= FLAT or sum(short) / len(short) < 0.1:
            continue
        text = (
            f"<b>Warum sich die Buchungsquote bei „{html.escape(rules_label(rules))}“ mit der Flottengröße kaum "
            f"ändert</b> ({percent(min(rates))} bis {percent(max(rates))}): im Mittel scheiterten "
            f"{percent(sum(short) / len(short))} der Fahrtwünsche an der Vorbuchfrist — das hängt nicht an der "
            "Zahl der Fahrzeuge. ")
        with suppress(ValueError):  # a rule set this version does not know: no description
            text += f"Die Regeln verlangen: {describe_rules(rule_set(rules))}. "
        if scenario is not None:
            riders = scenario.demand.riders
            lo, hi = riders.immediate_lead_min
            text += (
                f"Im Nachfragemodell melden sich {percent(1 - riders.prebooked_share, 0)} der Fahrgäste spontan, "
                f"{number(lo)}–{number(hi)} Minuten vor der Wunschzeit, und nehmen nur Angebote bis "
                f"{number(scenario.behaviour.max_shift_min)} Minuten neben ihrer Wunschzeit an; bedient werden "
                "können im Wesentlichen nur die Vorbucher. ")
        text += ("Mehr Fahrzeuge erhöhen hier nur die Kosten je Fahrgast. Das Modell nimmt an, dass niemand wegen "
                 "der Regel früher bucht; der Bericht eines Einzellaufs schlüsselt die Ablehnungen auf.")
        notes.append(text)
    return notes


def render_sweep(curve: Sequence[dict[str, Any]], title: str, scenario: Scenario | None = None) -> str:
    """The sweep page: the curve plot, explanations and the table behind it."""
    runs = sum(int(c.get("runs", 0)) for c in curve)
    body = (
        f"<p>{number(runs)} simulierte Tage: jede Kombination aus Flottengröße und Buchungsregeln mit jedem "
        "Startwert der Nachfrage; gezeigt ist der Mittelwert über die Startwerte, bei mehreren Startwerten mit "
        "der Standardabweichung (±).</p>"
        '<h2 id="kurve">Buchungsquote und Kosten je Fahrgast nach Flottengröße</h2>'
        f"<figure>{plots.sweep_plot(curve)}<figcaption>Durchgezogen: Buchungsquote (linke Achse); gestrichelt: "
        "Betriebskosten je beförderten Fahrgast (rechte Achse); je Buchungsregel eine Farbe und Markierung."
        "</figcaption></figure>"
        + "".join(f'<p class="explain">{n}</p>' for n in sweep_notes(curve, scenario))
        + '<h2 id="tabelle">Werte je Buchungsregel und Flottengröße</h2>' + sweep_table(curve)
    )
    return page(f"Flottengrößen im Vergleich: {title}", body)


def write_sweep(rows: Sequence[dict[str, Any]], curve: Sequence[dict[str, Any]], out_dir: Path, *,
                title: str, scenario: Scenario | None = None) -> list[Path]:
    """Write runs.csv, runs.json, curve.csv and sweep.html into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [_csv(out_dir / "runs.csv", rows), _csv(out_dir / "curve.csv", curve)]
    path = out_dir / "runs.json"
    path.write_text(json.dumps(list(rows), indent=2, default=str), encoding="utf-8")
    target = out_dir / "sweep.html"
    target.write_text(render_sweep(curve, title, scenario), encoding="utf-8")
    return [*written, path, target]
