"""The live plan as GeoJSON: per duty (vehicle × shift × service day) a line along the roads plus its stop visits
with times and loads; only the duties of one service day when asked."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mobility.domain.fleet import Vehicle
from mobility.domain.plan import Duty, Plan, StopVisit, VisitStatus
from mobility.domain.stops import Stop

TZ = ZoneInfo("Europe/Berlin")
LegGeometry = Callable[[Stop, Stop], Sequence[tuple[float, float]]]


class LegCache:
    """Road geometry of legs, computed once per stop pair (thread-safe)."""

    def __init__(self, geometry: LegGeometry, max_entries: int = 20_000) -> None:
        self._geometry = geometry
        self._cache: dict[tuple[str, str], list[tuple[float, float]]] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    def __call__(self, a: Stop, b: Stop) -> list[tuple[float, float]]:
        key = (a.id, b.id)
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None:
            return hit
        line = [(float(x), float(y)) for x, y in self._geometry(a, b)] or [a.point.as_lonlat(), b.point.as_lonlat()]
        with self._lock:
            if len(self._cache) >= self._max:
                self._cache.clear()
            self._cache[key] = line
        return line


def _iso(visit_time: Any) -> str:
    return str(visit_time.astimezone(TZ).isoformat())


def visit_properties(seq: int, visit: StopVisit, *, personal: bool) -> dict[str, Any]:
    """Properties of one stop visit (booking ids only when ``personal``)."""
    props: dict[str, Any] = {
        "seq": seq,
        "kind": str(visit.kind),
        "stop_id": visit.stop.id,
        "stop_name": visit.stop.name,
        "planned_arrival": _iso(visit.planned_arrival),
        "planned_departure": _iso(visit.planned_departure),
        "window_earliest": _iso(visit.window.earliest),
        "window_latest": _iso(visit.window.latest),
        "load_seats": visit.load_after.seats,
        "load_wheelchairs": visit.load_after.wheelchairs,
        "load_strollers": visit.load_after.strollers,
        "status": str(visit.status),
    }
    if personal:
        props["booking_id"] = visit.booking_id
    return props


PUBLIC_SLOT = timedelta(minutes=15)


def public_visits(seq0: int, visits: Sequence[StopVisit]) -> list[dict[str, Any]]:
    """The visits as the public may see them: the stops in order (several visits at one stop as one), each with the
    15-minute slot of its arrival — no kind (pickup/drop-off), window, load or exact time of a single rider."""
    out: list[dict[str, Any]] = []
    for visit in visits:
        if out and out[-1]["stop_id"] == visit.stop.id:
            continue
        t = visit.planned_arrival.astimezone(TZ)
        slot = t.replace(minute=t.minute - t.minute % 15, second=0, microsecond=0)
        out.append({"seq": seq0 + len(out), "stop_id": visit.stop.id, "stop_name": visit.stop.name,
                    "slot_start": slot.isoformat(), "slot_end": (slot + PUBLIC_SLOT).isoformat(),
                    "coordinates": [visit.stop.point.lon, visit.stop.point.lat]})
    return out


def visits_line(visits: Sequence[StopVisit], legs: LegGeometry, *, start: Stop | None = None) -> list[list[float]]:
    """The road line through the visits not yet driven (``start`` prepended when given); no leg between two visits
    at the same stop."""
    stops = ([start] if start is not None else []) + [v.stop for v in visits if v.status is not VisitStatus.DONE]
    coords: list[list[float]] = []
    for a, b in itertools.pairwise(stops):
        if a.id == b.id:
            continue
        for lon, lat in legs(a, b):
            point = [round(lon, 6), round(lat, 6)]
            if not coords or coords[-1] != point:
                coords.append(point)
    return coords


@dataclass(frozen=True, slots=True)
class _Run:
    """The visits drawn as one line: a duty, or a vehicle's whole tour in a plan without duties."""

    vehicle_id: str
    visits: tuple[StopVisit, ...]
    duty: Duty | None = None


def _runs(plan: Plan, day: date | None) -> list[_Run]:
    if not plan.duties:
        return [_Run(v, plan.tours[v].visits) for v in sorted(plan.tours)]
    duties = plan.duties_on(day) if day is not None else sorted(plan.duties.values(),
                                                               key=lambda d: (d.vehicle_id, d.start))
    return [_Run(d.vehicle_id, d.visits, d) for d in duties]


def _duty_properties(duty: Duty | None) -> dict[str, Any]:
    if duty is None:
        return {"duty_id": None, "day": None}
    return {"duty_id": duty.id, "day": duty.day.isoformat(), "duty_start": _iso(duty.start), "duty_end": _iso(duty.end),
            "duty_status": str(duty.status)}


def plan_feature_collection(
    plan: Plan, vehicles: Sequence[Vehicle], legs: LegGeometry, *, personal: bool, day: date | None = None,
    public: bool = False,
) -> dict[str, Any]:
    """A FeatureCollection: one LineString feature per duty with visits (``feature_type`` ``tour``, properties
    ``duty_id`` and ``day``) and a Point feature per visit.

    ``public``: for anyone without a staff role — one LineString per duty whose ``stops`` are :func:`public_visits`
    (stops in order with a 15-minute slot; no kind, window, load or exact time) and no visit points, so no single
    rider's pickup can be read off the feed.

    ``day`` (a local service date) keeps only the duties of that day; ``None`` keeps every duty. ``seq`` counts a
    vehicle's visits of the collection in time order across its duties. A plan without duties gives one feature per
    vehicle tour.
    """
    names = {v.id: v for v in vehicles}
    features: list[dict[str, Any]] = []
    counted: dict[str, int] = {}
    for run in _runs(plan, day):
        if not run.visits:
            continue
        vehicle_id = run.vehicle_id
        vehicle = names.get(vehicle_id)
        first = counted.get(vehicle_id, 0)
        counted[vehicle_id] = first + len(run.visits)
        duty = _duty_properties(run.duty)
        if public:
            features.append(_public_tour(run, vehicle, plan.version, duty, visits_line(run.visits, legs),
                                         first=first))
            continue
        visits = [visit_properties(i, v, personal=personal) for i, v in enumerate(run.visits, start=first)]
        line = visits_line(run.visits, legs)
        features.append({
            "type": "Feature",
            "id": f"tour-{run.duty.id}" if run.duty is not None else f"tour-{vehicle_id}",
            "geometry": {"type": "LineString", "coordinates": line} if len(line) >= 2 else None,
            "properties": {
                "feature_type": "tour",
                "vehicle_id": vehicle_id,
                "vehicle_name": vehicle.name if vehicle else vehicle_id,
                "vehicle_type": vehicle.type.id if vehicle else None,
                "plan_version": plan.version,
                **duty,
                "visits": visits,
            },
        })
        for props, visit in zip(visits, run.visits, strict=True):
            features.append({
                "type": "Feature",
                "id": f"visit-{vehicle_id}-{props['seq']}",
                "geometry": {"type": "Point", "coordinates": [visit.stop.point.lon, visit.stop.point.lat]},
                "properties": {"feature_type": "visit", "vehicle_id": vehicle_id, "duty_id": duty["duty_id"], **props},
            })
    return {"type": "FeatureCollection", "features": features, "plan_version": plan.version,
            "generated_for": plan.service_area, "day": day.isoformat() if day is not None else None,
            "detail": "public" if public else "staff"}


def _public_tour(run: _Run, vehicle: Vehicle | None, version: int, duty: dict[str, Any], line: list[list[float]],
                 *, first: int) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": f"tour-{run.duty.id}" if run.duty is not None else f"tour-{run.vehicle_id}",
        "geometry": {"type": "LineString", "coordinates": line} if len(line) >= 2 else None,
        "properties": {"feature_type": "tour", "vehicle_id": run.vehicle_id,
                       "vehicle_name": vehicle.name if vehicle else run.vehicle_id,
                       "vehicle_type": vehicle.type.id if vehicle else None, "plan_version": version, **duty,
                       "stops": public_visits(first, run.visits)},
    }


def _signed_area(ring: Sequence[Sequence[float]]) -> float:
    """Twice the signed area of a closed ring in lon/lat (shoelace): positive when counterclockwise."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in itertools.pairwise(ring))


def _oriented(rings: Sequence[Sequence[Sequence[float]]]) -> list[list[list[float]]]:
    out = []
    for k, ring in enumerate(rings):
        points = [list(p) for p in ring]
        ccw = _signed_area(points) > 0
        if ccw != (k == 0):  # the outer ring counterclockwise, holes clockwise
            points.reverse()
        out.append(points)
    return out


def rfc7946_rings(geometry: Mapping[str, Any]) -> dict[str, Any]:
    """A Polygon or MultiPolygon with its rings turned as RFC 7946 (section 3.1.6) asks: exterior rings
    counterclockwise, holes clockwise; any other geometry unchanged."""
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        return {**geometry, "coordinates": _oriented(coords)}
    if kind == "MultiPolygon":
        return {**geometry, "coordinates": [_oriented(polygon) for polygon in coords]}
    return dict(geometry)
