"""The rehearsal's figures: a table (figure, value, anchor, ratio) printed and written as JSON and Markdown, with
every observation of the service misbehaving (ids and simulated times)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mobility.rehearsal.api import Traffic
from mobility.rehearsal.ledger import Ledger, Outcome, Ride

if TYPE_CHECKING:
    from mobility.rehearsal.crew import CrewRoom
    from mobility.rehearsal.dispatcher import Desk
    from mobility.rehearsal.ports import Service
    from mobility.rehearsal.run import Options

ETA_LEAD = timedelta(minutes=30)
ETA_LEAD_RANGE = (timedelta(minutes=20), timedelta(minutes=45))


@dataclass(frozen=True, slots=True)
class Figure:
    """One line of the table; ``ok`` says whether the value meets its anchor (None: no anchor)."""

    name: str
    value: float
    unit: str
    anchor: str
    ratio: float | None
    ok: bool | None

    def cells(self) -> list[str]:
        """The line as text."""
        value = f"{self.value:,.0f}" if float(self.value).is_integer() else f"{self.value:,.2f}"
        ratio = "" if self.ratio is None else f"{self.ratio:.2f}"
        mark = "" if self.ok is None else ("ok" if self.ok else "MISSED")
        return [self.name, f"{value} {self.unit}".strip(), self.anchor, ratio, mark]


def at_most(name: str, value: float, unit: str, limit: float) -> Figure:
    """A figure that must stay at or below ``limit``."""
    return Figure(name, value, unit, f"≤ {limit:g} {unit}".strip(), value / limit if limit else None, value <= limit)


def at_least(name: str, value: float, unit: str, floor: float) -> Figure:
    """A figure that must reach ``floor``."""
    return Figure(name, value, unit, f"≥ {floor:g} {unit}".strip(), value / floor if floor else None, value >= floor)


def info(name: str, value: float, unit: str = "") -> Figure:
    """A figure without an anchor."""
    return Figure(name, value, unit, "", None, None)


@dataclass
class Report:
    """The figures and what else is worth knowing."""

    figures: list[Figure]
    summary: dict[str, Any]
    observations: list[dict[str, Any]]
    observation_counts: dict[str, int]
    screens: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every anchored figure meets its anchor."""
        return all(f.ok is not False for f in self.figures)

    def figure(self, name: str) -> Figure:
        """The figure called ``name``."""
        return next(f for f in self.figures if f.name == name)

    def table(self) -> str:
        """The figures as a Markdown table."""
        head = ["figure", "value", "anchor", "ratio", ""]
        rows = [head, ["---"] * len(head), *(f.cells() for f in self.figures)]
        return "\n".join("| " + " | ".join(r) + " |" for r in rows)

    def markdown(self) -> str:
        """Table, summary and observations."""
        s = self.summary
        lines = [f"# Rehearsal {s['window']} on {s['store']}", "", self.table(), "",
                 f"Outcomes: {json.dumps(s['outcomes'], ensure_ascii=False)}  ",
                 f"Refusal reasons: {json.dumps(s['refusal_reasons'], ensure_ascii=False)}  ",
                 f"Re-optimisation: {json.dumps(s['replans'], ensure_ascii=False)}  ",
                 f"Out of service: {json.dumps(s['out_of_service'], ensure_ascii=False)}  ",
                 f"Stuck drivers: {json.dumps(s['stuck'], ensure_ascii=False)}  ",
                 f"Notes: {json.dumps(s['notes'], ensure_ascii=False)}", "",
                 "Latest pickups (vehicle at the stop after the window closed):", "",
                 *(f"- {json.dumps(x, ensure_ascii=False)}" for x in s["late_pickups"]), "",
                 "Largest ETA errors (~30 min before boarding):", "",
                 *(f"- {json.dumps(x, ensure_ascii=False)}" for x in s["worst_etas"]), "",
                 "## Observations (service misbehaviour, first 50 of each kind)", "",
                 f"Counts: {json.dumps(self.observation_counts, ensure_ascii=False)}", ""]
        lines += [f"- {o['at']} `{o['kind']}` vehicle {o['vehicle_id'] or '–'} booking {o['booking_id'] or '–'}: "
                  f"{o['detail']}" for o in self.observations]
        if self.screens:
            lines += ["", "## Screenshots", "", *(f"- {p}" for p in self.screens)]
        return "\n".join(lines) + "\n"

    def as_json(self) -> dict[str, Any]:
        """Everything as JSON-ready values."""
        return {"figures": [asdict(f) for f in self.figures], "summary": self.summary,
                "observation_counts": self.observation_counts, "observations": self.observations,
                "screens": self.screens}

    def write(self, out: Path) -> list[Path]:
        """``report.json`` and ``report.md`` in ``out``."""
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / "report.json", out / "report.md"]
        paths[0].write_text(json.dumps(self.as_json(), indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        paths[1].write_text(self.markdown(), encoding="utf-8")
        return paths


def eta_error_min(ride: Ride) -> float | None:
    """|ETA − boarding| (minutes) of the reading taken closest to 30 minutes before the actual boarding."""
    if ride.boarded_at is None:
        return None
    boarded = ride.boarded_at
    usable = [e for e in ride.etas if e.target in ("pickup", "")
              and ETA_LEAD_RANGE[0] <= boarded - e.asked_at <= ETA_LEAD_RANGE[1]]
    if not usable:
        return None
    best = min(usable, key=lambda e: abs((boarded - e.asked_at) - ETA_LEAD))
    return abs((best.eta - boarded).total_seconds()) / 60


def in_window(ride: Ride) -> bool | None:
    """The vehicle was at the pickup by the end of the promised window (None: nobody boarded)."""
    if ride.boarded_at is None or ride.window is None:
        return None
    at = ride.arrived_at or ride.boarded_at
    return at <= ride.window[1]


def _lateness(ride: Ride) -> float:
    """Minutes the vehicle reached the pickup after the window closed (≤ 0: in time)."""
    if ride.window is None or ride.boarded_at is None:
        return 0.0
    return ((ride.arrived_at or ride.boarded_at) - ride.window[1]).total_seconds() / 60


def _late(ride: Ride) -> dict[str, Any]:
    assert ride.window is not None
    return {"booking_id": ride.booking_id, "booked_on": ride.vehicle_id, "window": f"{ride.window[0]:%H:%M}–"
            f"{ride.window[1]:%H:%M}", "planned_pickup": f"{ride.planned_pickup:%H:%M:%S}" if ride.planned_pickup else
            None, "arrived": f"{ride.arrived_at:%H:%M:%S}" if ride.arrived_at else None,
            "served_by": ride.served_by, "late_min": round(_lateness(ride), 1)}


def _eta_case(ride: Ride) -> dict[str, Any]:
    assert ride.boarded_at is not None
    return {"booking_id": ride.booking_id, "booked_on": ride.vehicle_id, "served_by": ride.served_by,
            "boarded": f"{ride.boarded_at:%H:%M:%S}",
            "window": f"{ride.window[0]:%H:%M}–{ride.window[1]:%H:%M}" if ride.window else None,
            "readings": [f"{e.asked_at:%H:%M} → {e.eta:%H:%M:%S} ({e.basis}, {e.vehicle_id}, {e.stops_before} stops "
                         "before)" for e in ride.etas],
            "error_min": round(eta_error_min(ride) or 0.0, 1)}


def _pct(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 100.0


def build_report(*, options: Options, service: Service, ledger: Ledger, traffic: Traffic, crew: CrewRoom,
                 desk: Desk, window: tuple[datetime, datetime], wall_s: float, screens: Sequence[Path],
                 flex: tuple[int, int, int] | None = None) -> Report:
    """The figures of a finished rehearsal; ``flex``: rides within the GTFS-Flex safe duration, rides measured, the
    offset 95 % of them need (mobility.rehearsal.flex)."""
    boarded = [r for r in ledger.rides if r.boarded_at is not None]
    errors = [e for e in (eta_error_min(r) for r in boarded) if e is not None]
    run = _Run(options, service, ledger, traffic, crew, desk, wall_s, flex, boarded, errors)
    return Report(_figures(run), _summary(run, window), _observations(ledger, traffic), dict(ledger.counts),
                  [str(p) for p in screens])


@dataclass(frozen=True, slots=True)
class _Run:
    """What a finished rehearsal hands to the report, with the boarded rides and their ETA errors."""

    options: Options
    service: Service
    ledger: Ledger
    traffic: Traffic
    crew: CrewRoom
    desk: Desk
    wall_s: float
    flex: tuple[int, int, int] | None
    boarded: list[Ride]
    errors: list[float]


def _figures(run: _Run) -> list[Figure]:
    """The table of figures with their anchors."""
    ledger, traffic, desk, flex, errors = run.ledger, run.traffic, run.desk, run.flex, run.errors
    rides = ledger.rides
    outcomes = Counter(str(r.outcome) for r in rides)
    inside = [w for w in (in_window(r) for r in run.boarded) if w is not None]
    snapshots = desk.checker.results
    stuck_vehicles = sorted({s[0] for s in run.crew.stuck})
    busiest_hour = max(traffic.by_hour.values(), default=0)
    full_day = run.options.hours >= 12
    return [
        info("requests", len(rides)),
        info("booked", sum(r.booking_id is not None for r in rides)),
        info("finished rides", outcomes.get(str(Outcome.FINISHED), 0)),
        Figure("requests in a final state", _pct(sum(r.final for r in rides), len(rides)), "%", "= 100 %",
               _pct(sum(r.final for r in rides), len(rides)) / 100, all(r.final for r in rides)),
        Figure("refused without a reason", ledger.counts.get("refused_without_reason", 0), "", "= 0", None,
               ledger.counts.get("refused_without_reason", 0) == 0),
        Figure("drivers stuck (> 5 min on duty, nothing to do)", len(stuck_vehicles), "", "= 0", None,
               not stuck_vehicles),
        at_least("pickups inside the promised window", _pct(sum(inside), len(inside)), "%", 95.0),
        info("ETA readings ~30 min before boarding", len(errors)),
        at_most("ETA error p50 (30 min before)", float(np.percentile(errors, 50)) if errors else 0.0, "min", 5.0),
        at_most("ETA error p95 (30 min before)", float(np.percentile(errors, 95)) if errors else 0.0, "min", 5.0),
        Figure("feed snapshots valid", _pct(sum(s.valid for s in snapshots), len(snapshots)), "%", "= 100 %",
               _pct(sum(s.valid for s in snapshots), len(snapshots)) / 100, all(s.valid for s in snapshots)),
        *([] if flex is None else [at_least("rides within the GTFS-Flex safe duration", _pct(*flex[:2]), "%", 95.0),
                                   info("safe duration offset 95 % of the rides need", flex[2], "s")]),
        Figure("HTTP 5xx", traffic.server_errors, "", "= 0", None, traffic.server_errors == 0),
        info("driver events refused (4xx)", ledger.counts.get("event_refused", 0)),
        info("HTTP calls", traffic.calls),
        info("HTTP calls in the busiest simulated hour", busiest_hour),
        info("re-optimisations", desk.stats.runs),
        info("re-optimisations that replaced the plan", desk.stats.replaced),
        at_most("wall time", round(run.wall_s, 1), "s", 600.0 if full_day else 180.0),
    ]


def _summary(run: _Run, window: tuple[datetime, datetime]) -> dict[str, Any]:
    """Everything else the report keeps: outcomes, channels, re-plans, stuck drivers, the worst cases."""
    rides, ledger, traffic, crew, desk, boarded, errors = (run.ledger.rides, run.ledger, run.traffic, run.crew,
                                                           run.desk, run.boarded, run.errors)
    outcomes = Counter(str(r.outcome) for r in rides)
    snapshots = desk.checker.results
    options, service, wall_s, flex = run.options, run.service, run.wall_s, run.flex
    return {
        "window": f"{window[0]:%Y-%m-%d %H:%M}–{window[1]:%H:%M}", "store": service.store,
        "vehicles": len(service.vehicles), "seed": options.the_seed, "noise": asdict(options.noise),
        "outcomes": dict(outcomes), "channels": dict(Counter(r.channel for r in rides)),
        "refusal_reasons": dict(Counter(r.reason for r in rides if r.outcome is Outcome.REFUSED)),
        "alternatives_taken": sum(r.alternative and r.booking_id is not None for r in rides),
        "replans": {"runs": desk.stats.runs, "replaced": desk.stats.replaced,
                    "wall_s": round(desk.stats.seconds, 1), "batch": desk.stats.batch},
        "clock_closings": desk.closings,
        "out_of_service": [(f"{at:%H:%M}", v, what) for at, v, what in desk.out_of_service],
        "put_back_on_return": desk.put_back, "still_lost_on_return": desk.still_lost,
        "stuck": [(v, f"{a:%H:%M}", f"{b:%H:%M}" if b else None, why) for v, a, b, why in crew.stuck],
        "snapshots": [{"at": f"{s.at:%H:%M}", "trips": s.trips, "stop_updates": s.stop_updates, "tours": s.tours,
                       "problems": len(s.problems)} for s in snapshots],
        "http": {"by_status": {str(k): v for k, v in sorted(traffic.by_status.items())},
                 "by_route": dict(traffic.by_route.most_common()), "wait_s": round(traffic.seconds, 1),
                 "failures": len(traffic.failures)},
        "driver_events": sum(d.events for d in crew.drivers.values()),
        "eta_error_min": {"n": len(errors), "mean": round(float(np.mean(errors)), 2) if errors else None,
                          "max": round(max(errors), 2) if errors else None},
        "wall_s": round(wall_s, 1),
        "flex_safe_duration": flex and dict(zip(("within", "rides", "offset_p95_s"), flex, strict=True)),
        "notes": dict(ledger.notes),
        "late_pickups": [_late(r) for r in sorted(boarded, key=_lateness, reverse=True)[:15] if _lateness(r) > 0],
        "worst_etas": [_eta_case(r) for r in sorted(boarded, key=lambda r: eta_error_min(r) or 0.0, reverse=True)[:10]
                       if (eta_error_min(r) or 0.0) > 5.0],
    }


def _observations(ledger: Ledger, traffic: Traffic) -> list[dict[str, Any]]:
    """Every observation of the service misbehaving, then the first 100 failed HTTP calls."""
    failures = [{"at": f.at.isoformat(), "kind": f"http_{f.status}", "vehicle_id": None, "booking_id": None,
                 "detail": f"{f.method} {f.path} ({f.who}): {f.detail}"} for f in traffic.failures[:100]]
    observations = [{"at": o.at.isoformat(), "kind": o.kind, "vehicle_id": o.vehicle_id, "booking_id": o.booking_id,
                     "detail": o.detail} for o in ledger.observations]
    return observations + failures
