"""Machine-readable outputs of a run: per-request and per-visit CSV (and Parquet when pyarrow is installed),
the legs, and a JSON summary of the key figures."""

from __future__ import annotations

import csv
import importlib
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from mobility.simulation.kpis import ride_s, wait_s
from mobility.simulation.records import Outcome, RequestRecord
from mobility.simulation.run import RunResult


def _iso(t: datetime | None) -> str:
    return t.isoformat() if t is not None else ""


def request_rows(records: Sequence[RequestRecord]) -> list[dict[str, Any]]:
    """One row per request: who, when, from where to where, what came of it and how it went."""
    rows = []
    for r in records:
        served = r.outcome == Outcome.SERVED
        rows.append({
            "id": r.id, "outcome": r.outcome.value, "reason": r.rejection_reason,
            "submitted_at": _iso(r.submitted_at), "wished_time": _iso(r.wished_time), "by_arrival": r.by_arrival,
            "prebooked": r.prebooked, "passengers": r.passengers, "wheelchairs": r.wheelchairs,
            "strollers": r.strollers, "origin_municipality": r.origin_municipality,
            "destination_municipality": r.destination_municipality, "origin_stop_id": r.origin_stop_id,
            "destination_stop_id": r.destination_stop_id, "direct_s": r.direct_s, "direct_m": r.direct_m,
            "vehicle_id": r.vehicle_id,
            "planned_pickup": _iso(r.offer.planned_pickup if r.offer else None),
            "price_cents": r.offer.price_cents if r.offer else "",
            "pickup_at": _iso(r.pickup_at), "boarded_at": _iso(r.boarded_at), "arrived_at": _iso(r.arrived_at),
            "dropped_off_at": _iso(r.dropped_off_at),
            "wait_s": round(wait_s(r)) if served else "", "ride_s": round(ride_s(r)) if served else "",
            "pooled": r.pooled,
        })
    return rows


def visit_rows(result: RunResult) -> list[dict[str, Any]]:
    """One row per executed stop visit."""
    return [
        {
            "vehicle_id": v.vehicle_id, "booking_id": v.booking_id or "", "kind": v.kind.value, "action": v.action,
            "stop_id": v.stop.id, "stop_name": v.stop.name, "lon": v.stop.point.lon, "lat": v.stop.point.lat,
            "arrived_at": _iso(v.arrived_at), "departed_at": _iso(v.departed_at),
            "seats_after": v.load_after.seats, "wheelchairs_after": v.load_after.wheelchairs,
            "strollers_after": v.load_after.strollers,
        }
        for v in result.log.visits
    ]


def leg_rows(result: RunResult) -> list[dict[str, Any]]:
    """One row per driven leg."""
    return [
        {"vehicle_id": g.vehicle_id, "origin": g.origin, "destination": g.destination,
         "departed_at": _iso(g.departed_at), "arrived_at": _iso(g.arrived_at), "passengers": g.passengers,
         "distance_m": g.distance_m, "duration_s": g.duration_s}
        for g in result.legs
    ]


def _write_table(path: Path, rows: list[dict[str, Any]], parquet: bool) -> list[Path]:
    written = [path.with_suffix(".csv")]
    with written[0].open("w", encoding="utf-8", newline="") as fh:
        if rows:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    if parquet and rows:
        try:
            pa: Any = importlib.import_module("pyarrow")
            pq: Any = importlib.import_module("pyarrow.parquet")
        except ImportError:
            return written
        columns = {}
        for key in rows[0]:
            values = [r[key] for r in rows]
            columns[key] = [str(v) for v in values] if any(isinstance(v, str) for v in values) else values
        try:
            pq.write_table(pa.table(columns), path.with_suffix(".parquet"))
            written.append(path.with_suffix(".parquet"))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    return written


def summary(result: RunResult) -> dict[str, Any]:
    """The JSON summary: the scenario (as run) and every key figure."""
    return {
        "scenario": result.scenario.model_dump(mode="json"),
        "kpis": result.kpis,
        "violations": [str(v) for v in result.violations[:50]],
        "anomalies": result.log.anomalies[:50],
    }


def write_outputs(result: RunResult, out_dir: Path, *, parquet: bool = True) -> list[Path]:
    """Write requests, visits, legs (CSV, Parquet) and ``summary.json`` into ``out_dir``; returns the files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = _write_table(out_dir / "requests", request_rows(list(result.log.requests.values())), parquet)
    written += _write_table(out_dir / "visits", visit_rows(result), parquet)
    written += _write_table(out_dir / "legs", leg_rows(result), parquet)
    path = out_dir / "summary.json"
    path.write_text(json.dumps(summary(result), indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return [*written, path]
