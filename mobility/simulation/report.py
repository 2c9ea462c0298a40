"""One self-contained HTML report per run (and one comparing runs side by side): key figures, fairness, plots, map."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from mobility.simulation import plots
from mobility.simulation.kpis import wait_s
from mobility.simulation.records import Outcome
from mobility.simulation.run import RunResult
from mobility.simulation.timeseries import DaySeries, day_series, timelines

KPI_ROWS: tuple[tuple[str, str], ...] = (
    ("requests", "requests"), ("passengers_requested", "passengers requested"), ("booked", "booked"),
    ("service_rate", "service rate (booked / requests)"), ("served_share", "served share"),
    ("rejection_share", "rejected or declined share"), ("passengers_served", "passengers served"),
    ("wait_min_mean", "wait mean (min)"), ("wait_min_p50", "wait p50 (min)"), ("wait_min_p95", "wait p95 (min)"),
    ("ride_min_mean", "ride mean (min)"), ("ride_min_p95", "ride p95 (min)"),
    ("detour_factor_mean", "detour factor mean"), ("direct_km_mean", "direct distance mean (km)"),
    ("pooled_share", "pooled share"), ("occupancy", "occupancy (pkm / vkm)"), ("empty_km_share", "empty-km share"),
    ("vehicles", "vehicles"), ("vehicles_used", "vehicles used"), ("vehicle_hours", "vehicle hours (shifts)"),
    ("driving_hours", "driving hours"), ("passengers_per_vehicle_hour", "passengers per vehicle-hour"),
    ("vehicle_km", "vehicle-km"), ("passenger_km", "passenger-km"), ("co2_kg", "CO₂ (kg)"),
    ("co2_g_per_passenger_km", "CO₂ per passenger-km (g)"), ("cost_eur", "operating cost (€)"),
    ("cost_per_passenger_eur", "cost per passenger (€)"), ("reoptimisations", "re-optimisations run"),
    ("reoptimisations_improved", "re-optimisations that improved the plan"),
    ("batch_plan_rides", "rides pre-booked at the night's batch plan"),
    ("batch_plan_km_before", "their planned km before the batch plan"),
    ("batch_plan_km_after", "their planned km after it"), ("violations", "hard invariants violated"),
    ("promises_broken", "promises broken (windows, arrival, ride time)"),
    ("anomalies", "anomalies"),
)

_STYLE = """body{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}.note{background:#fff3cd;padding:.6rem;border:1px solid #e0c060}
svg{max-width:100%;height:auto}h2{margin-top:2rem}"""


def _esc(value: Any) -> str:
    return html.escape(str(value))


def series_of(result: RunResult) -> DaySeries:
    """The day series of a run, binned by the scenario's bin width over the service day."""
    meta = result.scenario.scenario
    midnight = datetime.combine(meta.date, time(0), tzinfo=result.scenario.tz)
    start = min([midnight + timedelta(hours=4), *(s.start for v in result.vehicles for s in v.shifts)])
    end = max(s.end for v in result.vehicles for s in v.shifts) + timedelta(hours=1)
    return day_series(list(result.log.requests.values()), result.legs, start, end,
                      result.scenario.simulation.time_bin_min)


def _waits(result: RunResult) -> list[float]:
    return [wait_s(r) / 60 for r in result.log.requests.values() if r.outcome == Outcome.SERVED]


def _kpi_table(results: Sequence[RunResult]) -> str:
    head = "".join(f"<th>{_esc(r.scenario.scenario.name)}</th>" for r in results)
    rows = [f"<tr><th>figure</th>{head}</tr>"]
    for key, label in KPI_ROWS:
        cells = "".join(f"<td>{_esc(r.kpis.get(key, ''))}</td>" for r in results)
        rows.append(f"<tr><td>{_esc(label)}</td>{cells}</tr>")
    outcomes = sorted({k for r in results for k in r.kpis["outcomes"]})
    for name in outcomes:
        cells = "".join(f"<td>{_esc(r.kpis['outcomes'].get(name, 0))}</td>" for r in results)
        rows.append(f"<tr><td>outcome: {_esc(name)}</td>{cells}</tr>")
    return "<table>" + "".join(rows) + "</table>"


def _fairness_table(result: RunResult) -> str:
    k = result.kpis
    rows = ["<tr><th>group</th><th>requests</th><th>booked</th><th>served</th><th>service rate</th></tr>"]
    groups = [*k["service_rate_by_municipality"].items(), ("wheelchair users", k["service_rate_wheelchair"]),
              ("others", k["service_rate_others"])]
    for name, g in groups:
        rows.append(f"<tr><td>{_esc(name)}</td><td>{g['requests']}</td><td>{g['booked']}</td>"
                    f"<td>{g['served']}</td><td>{g['service_rate']}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def _network_note(results: Sequence[RunResult]) -> str:
    sources = sorted({r.network_source for r in results})
    note = f"Road network source: <b>{_esc(', '.join(sources))}</b>."
    if "approximate" in sources:
        note += (" The approximate network is built from the real stops and settlements with circuity factors and "
                 "road-class speeds, not from OpenStreetMap roads: travel times and distances are estimates.")
    return f'<p class="note">{note}</p>'


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{_esc(title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{_esc(title)}</h1>{body}</body></html>")


def render_report(result: RunResult) -> str:
    """The HTML report of one run."""
    meta = result.scenario.scenario
    series = series_of(result)
    travel = {(g.origin, g.destination): g.duration_s for g in result.legs}
    segments = timelines(result.log.visits, travel)
    parts = [
        _network_note([result]),
        f"<p>{_esc(meta.description)} Day {meta.date.isoformat()}, seed {meta.seed}, "
        f"{len(result.vehicles)} vehicles, {len(result.requests)} requests.</p>",
        "<h2>Key figures</h2>", _kpi_table([result]),
        "<h2>Requests and rejections over the day</h2>", plots.requests_plot([(meta.name, series)]),
        "<h2>Wait time distribution</h2>", plots.wait_plot([(meta.name, _waits(result))]),
        "<h2>Occupancy over the day</h2>", plots.occupancy_plot([(meta.name, series)]),
        "<h2>Vehicle timelines</h2>", plots.timeline_plot(segments, [v.id for v in result.vehicles]),
        "<h2>Demand and tours</h2>", plots.map_plot(result),
        "<h2>Fairness: service rate by origin municipality and by need</h2>", _fairness_table(result),
        f"<h2>Checks of the executed tours</h2><p>{result.kpis['violations']} hard invariants violated, "
        f"{result.kpis['promises_broken']} promises broken, {len(result.log.anomalies)} anomalies.</p>",
        "<ul>" + "".join(f"<li>{_esc(v)}</li>" for v in result.violations[:20]) + "</ul>",
    ]
    return _page(f"Simulation: {meta.name}", "".join(parts))


def render_comparison(results: Sequence[RunResult]) -> str:
    """The HTML report comparing runs side by side."""
    names = [r.scenario.scenario.name for r in results]
    series = [(r.scenario.scenario.name, series_of(r)) for r in results]
    parts = [
        _network_note(results),
        "<h2>Key figures side by side</h2>", _kpi_table(results),
        "<h2>Requests and rejections over the day</h2>", plots.requests_plot(series),
        "<h2>Wait time distribution</h2>",
        plots.wait_plot([(r.scenario.scenario.name, _waits(r)) for r in results]),
        "<h2>Occupancy over the day</h2>", plots.occupancy_plot(series),
    ]
    return _page("Comparison: " + " vs ".join(names), "".join(parts))


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
