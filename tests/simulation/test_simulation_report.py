"""Outputs of a run: CSV/Parquet/JSON that match the run, and self-contained German HTML reports for planners:
de-DE numbers, clock-time axes, a demand map on the district outline with place names and a full legend, and an
explanation of a low booking rate under a minimum-notice rule."""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import pytest

from mobility.cli.simulate import World, run_scenario
from mobility.demand.attractors import AttractorKind
from mobility.simulation.explain import explain
from mobility.simulation.german import NBSP, clock_of_hours, euro, number, percent
from mobility.simulation.mapplot import ATTRACTOR_STYLE, convex_hull, map_plot
from mobility.simulation.outputs import write_outputs
from mobility.simulation.records import Outcome
from mobility.simulation.report import midnight_of, render_comparison, render_report, series_of
from mobility.simulation.run import RunResult
from mobility.simulation.scenario import Scenario

ENGLISH = ("Key figures", "Requests and rejections", "Wait time", "Occupancy", "Vehicle timelines",
           "Demand and tours", "Fairness", "service rate", "hour of day", "vehicles used", "outcome:")


def test_outputs_match_the_run(tiny_result: RunResult, tmp_path: Path) -> None:
    """requests.csv has one row per request with its outcome; summary.json carries the same key figures."""
    written = write_outputs(tiny_result, tmp_path)
    assert {p.name for p in written} >= {"requests.csv", "visits.csv", "legs.csv", "summary.json"}
    with (tmp_path / "requests.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 40
    assert sum(r["outcome"] == "served" for r in rows) == tiny_result.kpis["outcomes"]["served"]
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["kpis"]["service_rate"] == tiny_result.kpis["service_rate"]
    assert summary["scenario"]["scenario"]["name"] == "tiny"


def test_german_number_format() -> None:
    """de-DE without the machine's locales: thousands with '.', decimals with ',', units after a no-break space."""
    assert number(14608.93) == "14.609"
    assert number(1234567.891, 2) == "1.234.567,89"
    assert number(0.5, 2) == "0,50"
    assert number(-0.04, 1) == "0,0"
    assert number(-1500) == "-1.500"
    assert number(float("nan")) == "–"
    assert percent(0.9707) == f"97,1{NBSP}%"
    assert euro(28.66) == f"28,66{NBSP}€"
    assert euro(33849.57, 0) == f"33.850{NBSP}€"
    assert clock_of_hours(6) == "06:00"
    assert clock_of_hours(25.5) == "01:30"
    assert clock_of_hours(23.999) == "00:00"


def _external_references(page: str) -> list[str]:
    """URLs the page would load: src/href attributes and CSS url(), not SVG namespace declarations."""
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"'#][^"']*)["']""", page)
    refs += re.findall(r"url\(\s*['\"]?(https?:[^)'\"]+)", page)
    return [r for r in refs if not r.startswith("data:")]


def _svg_texts(svg: str) -> list[str]:
    """The text elements of an inline SVG (matplotlib writes text as text: ``svg.fonttype = none``)."""
    return [html.unescape(t).strip() for t in re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)]


def _section(page: str, heading_id: str) -> str:
    start = page.index(f'id="{heading_id}"')
    end = page.find("<h2", start)
    return page[start:end if end > 0 else len(page)]


def test_report_is_self_contained_and_german(tiny_result: RunResult) -> None:
    """The report is German (lang, headings, labels), has its plots and map inline as SVG, loads nothing from
    elsewhere and names the network source."""
    page = render_report(tiny_result)
    assert page.count("<svg") >= 5
    assert _external_references(page) == []
    assert "<script" not in page
    assert '<html lang="de">' in page
    assert "approximate" in page
    assert "Fahrzeiten und Entfernungen sind Schätzungen" in page
    for heading in ("Kennzahlen", "Warum Fahrtwünsche ohne Buchung blieben", "Fahrtwünsche und Ablehnungen über den "
                    "Tag", "Wartezeiten", "Besetzung über den Tag", "Tagesablauf je Fahrzeug", "Karte der Nachfrage",
                    "Buchungsquote nach Gemeinde", "Prüfung der gefahrenen Touren"):
        assert heading in page, heading
    for english in ENGLISH:
        assert english not in page, english


def test_report_numbers_are_de_de(tiny_result: RunResult) -> None:
    """Key figures appear formatted as German readers expect, never as raw floats (0.95, 14608.93)."""
    page = render_report(tiny_result)
    k = tiny_result.kpis
    table = _section(page, "kennzahlen")
    assert f"<td>{percent(k['service_rate'])}</td>" in table
    assert f"<td>{number(k['vehicle_km'])}</td>" in table
    assert f"<td>{euro(k['cost_per_passenger_eur'])}</td>" in table
    assert f"<td>{number(k['wait_min_p50'], 1)}</td>" in table
    assert f"<td>{number(k['cost_eur'], 0)}{NBSP}€</td>" in table
    assert re.findall(r"<td>-?\d+\.\d+</td>", page) == []  # no English decimals anywhere in a table
    served = k["outcomes"]["served"]
    assert f"<td>{served} ({percent(served / k['requests'])})</td>" in table
    assert "Nächtliche Gesamtplanung" not in page  # no batch plan configured: its rows are left out


def test_time_axes_show_clock_times(tiny_result: RunResult) -> None:
    """The plots over the day label their x axis with clock times (06:00), not decimal hours (6.0, 25.0)."""
    page = render_report(tiny_result)
    for heading_id in ("tagesverlauf", "besetzung", "fahrzeuge"):
        texts = _svg_texts(_section(page, heading_id))
        clocks = [t for t in texts if re.fullmatch(r"\d\d:\d\d", t)]
        assert {"06:00", "12:00", "18:00"} <= set(clocks), (heading_id, clocks)
        assert not [t for t in texts if re.fullmatch(r"\d+\.\d+", t)], (heading_id, texts)
    assert "Uhrzeit" in _section(page, "tagesverlauf")


def test_demand_map_has_outline_place_names_and_full_legend(tiny_result: RunResult) -> None:
    """The map draws the service area handed in by the composition root, names every municipality at its seat,
    and has a legend entry for every kind of symbol it draws; no latitude/longitude axes."""
    assert len(tiny_result.outline) >= 1
    assert len(tiny_result.outline[0]) > 10
    svg = map_plot(tiny_result)
    texts = _svg_texts(svg)
    for municipality in tiny_result.zones.municipalities:
        assert municipality.short_name in texts, municipality.short_name
    legend = {"Bediengebiet", "Haltestelle ohne Fahrtwunsch", "Gemeinde (Sitz der Verwaltung)", "10 km", "N"}
    legend |= {ATTRACTOR_STYLE[kind][2] for kind in {a.kind for a, _ in tiny_result.zones.attractors}}
    assert legend <= set(texts), legend - set(texts)
    assert any(t.startswith("Betriebshof (") for t in texts)
    assert any(t.endswith("ab dieser Haltestelle") for t in texts)
    assert any(t.endswith("zwischen zwei Gemeinden") for t in texts)
    assert not {"longitude", "latitude"} & set(texts)
    assert AttractorKind.RAIL_STATION in {a.kind for a, _ in tiny_result.zones.attractors}


def test_map_falls_back_to_the_hull_of_the_stops() -> None:
    """Without an outline from the composition root the map draws the convex hull of the stops."""
    hull = convex_hull([(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.5, 0.5)])
    assert set(hull) == {(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)}
    assert hull[0] == hull[-1]


def test_occupancy_leaves_out_thin_hours(tiny_result: RunResult) -> None:
    """Occupancy per hour is passenger-km / vehicle-km; hours with less than a tenth of the busiest hour's
    vehicle-km get no value (a few km would make it jump), all others do."""
    from mobility.simulation.plots import hourly

    series = series_of(tiny_result)
    hours = hourly(series, midnight_of(tiny_result))
    assert sum(v for _, _, v in hours) == pytest.approx(tiny_result.kpis["vehicle_km"], abs=0.01)
    busiest = max(v for _, _, v in hours)
    thin = [(h, o) for h, o, v in hours if v < 0.1 * busiest]
    assert thin, "the tiny day has hours with little driving"
    assert all(o is None for _, o in thin)
    for h, o, v in hours:
        if v >= 0.1 * busiest:
            pkm = sum(p for b, p in zip(series.bins, series.passenger_km, strict=True)
                      if int((b - midnight_of(tiny_result)).total_seconds() // 3600) == h)
            assert o == pytest.approx(pkm / v)


def test_no_notice_explanation_without_a_notice_rule(tiny_result: RunResult) -> None:
    """Under instant booking nobody is refused for short notice, so no lead-time explanation appears."""
    assert tiny_result.kpis["short_notice_share"] == 0.0
    assert explain(tiny_result).service == ()
    assert "Vorbuchfrist" not in _section(render_report(tiny_result), "kennzahlen")


@pytest.fixture(scope="module")
def kvg_result(world: World, tiny: Scenario) -> RunResult:
    """The tiny day under KVG Salzland's booking rules (60 min notice by day, night trips booked by 20:00)."""
    return run_scenario(tiny.with_overrides({"dispatch.rules": "kvg", "dispatch.reoptimise_interval_s": 0}))


def test_kvg_low_service_rate_is_explained(kvg_result: RunResult) -> None:
    """Under the KVG rules the short-notice refusals are counted, and the report explains them next to the key
    figures with the numbers of this run: refusals, spontaneous vs pre-booked, the rule, the riders' tolerance."""
    records = list(kvg_result.log.requests.values())
    short = [r for r in records if r.rejection_reason == "too_short_notice"]
    assert short, "the tiny day has spontaneous requests that the 60-minute rule refuses"
    assert all(r.outcome == Outcome.REJECTED for r in short)
    assert kvg_result.kpis["refusals"]["too_short_notice"] == len(short)
    assert kvg_result.kpis["short_notice_share"] == round(len(short) / len(records), 4)
    spontaneous = sum(not r.prebooked for r in short)
    assert spontaneous >= len(short) // 2  # mostly the riders who book 0–10 minutes ahead
    notes = explain(kvg_result).service
    assert len(notes) == 1
    note = notes[0]
    assert f"{number(len(short))} von {number(len(records))} Fahrtwünschen" in note
    assert "mindestens 60 Minuten Vorlauf" in note
    assert "Buchung bis 20:00 Uhr" in note
    assert f"So scheiterten {number(spontaneous)} der" in note
    assert "mehr Fahrzeuge helfen nicht" in note
    page = render_report(kvg_result)
    assert note in page
    assert "zu kurzfristig (Vorbuchfrist)" in _section(page, "ablehnungen")
    assert "KVG-Regeln" in page


def test_comparison_shows_both_runs(tiny_result: RunResult, kvg_result: RunResult) -> None:
    """The comparison page puts both scenarios' figures side by side, in German, with the KVG explanation."""
    page = render_comparison([tiny_result, kvg_result])
    assert page.count('<th scope="col">tiny</th>') == 2
    assert "Kennzahlen nebeneinander" in page
    assert "Warum die Buchungsquote hier niedrig ist" in page
    assert f"<td>{percent(kvg_result.kpis['service_rate'])}</td>" in page
    assert _external_references(page) == []


def test_findings_of_the_tour_check_are_german(tiny_result: RunResult) -> None:
    """Findings of the executed-tour check appear as German sentences with the ride or vehicle they concern; the
    technical English detail stays in summary.json."""
    from dataclasses import replace

    from mobility.simulation.validate import Violation

    found = [Violation("ride", "r00001: ride 2000 s exceeds 1.5·100 + 600 s"),
             Violation("capacity", "v002 at Markt, Egeln (2026-03-10T08:00:00+01:00): load (7, 0, 0) exceeds "
                                   "capacity (6, 1, 1)")]
    page = render_report(replace(tiny_result, violations=found))
    checks = _section(page, "pruefung")
    assert '<th scope="row">r00001</th><td>Fahrzeit länger als die zugesagte Höchstfahrzeit</td><td>Zusage</td>' \
        in checks
    assert '<th scope="row">v002</th><td>mehr an Bord, als das Fahrzeug fasst</td><td>harte Regel</td>' in checks
    assert "exceeds" not in page
