"""Outputs of a run: CSV/Parquet/JSON that match the run, and self-contained HTML reports."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from mobility.simulation.outputs import write_outputs
from mobility.simulation.report import render_comparison, render_report
from mobility.simulation.run import RunResult


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


def _external_references(page: str) -> list[str]:
    """URLs the page would load: src/href attributes and CSS url(), not SVG namespace declarations."""
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"'#][^"']*)["']""", page)
    refs += re.findall(r"url\(\s*['\"]?(https?:[^)'\"]+)", page)
    return [r for r in refs if not r.startswith("data:")]


def test_report_is_self_contained(tiny_result: RunResult) -> None:
    """The report has its plots and map inline as SVG, loads nothing from elsewhere and names the network source."""
    page = render_report(tiny_result)
    assert page.count("<svg") >= 5
    assert _external_references(page) == []
    assert "<script" not in page
    assert "approximate" in page
    for heading in ("Requests and rejections", "Wait time", "Occupancy", "Vehicle timelines", "Demand and tours",
                    "Fairness"):
        assert heading in page


def test_comparison_shows_both_runs(tiny_result: RunResult) -> None:
    """The comparison page puts both scenarios' figures side by side."""
    page = render_comparison([tiny_result, tiny_result])
    assert page.count("<th>tiny</th>") == 2
    assert _external_references(page) == []
