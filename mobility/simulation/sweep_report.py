"""Sweep outputs: every run (CSV, JSON), the curve per rule set and fleet size (CSV), and an HTML page with the plot."""

from __future__ import annotations

import csv
import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mobility.simulation import plots


def _csv(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    keys: list[str] = []
    for row in rows:
        keys += [k for k in row if k not in keys and not isinstance(row[k], dict)]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=keys, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def render_sweep(curve: Sequence[dict[str, Any]], title: str) -> str:
    """The sweep page: the curve plot and the table behind it."""
    keys = ["rules", "vehicles", "runs", "service_rate", "served_share", "cost_per_passenger_eur", "wait_min_mean",
            "wait_min_p95", "pooled_share", "occupancy", "passengers_per_vehicle_hour"]
    head = "".join(f"<th>{html.escape(k)}</th>" for k in keys)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c.get(k, '')))}</td>" for k in keys) + "</tr>"
                   for c in curve)
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Sweep: {html.escape(title)}</title>"
            "<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:.2rem .5rem}svg{max-width:100%;height:auto}</style></head><body>"
            f"<h1>Sweep: {html.escape(title)}</h1>{plots.sweep_plot(curve)}<table><tr>{head}</tr>{body}</table>"
            "</body></html>")


def write_sweep(rows: Sequence[dict[str, Any]], curve: Sequence[dict[str, Any]], out_dir: Path, *,
                title: str) -> list[Path]:
    """Write runs.csv, runs.json, curve.csv and sweep.html into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [_csv(out_dir / "runs.csv", rows), _csv(out_dir / "curve.csv", curve)]
    path = out_dir / "runs.json"
    path.write_text(json.dumps(list(rows), indent=2, default=str), encoding="utf-8")
    page = out_dir / "sweep.html"
    page.write_text(render_sweep(curve, title), encoding="utf-8")
    return [*written, path, page]
