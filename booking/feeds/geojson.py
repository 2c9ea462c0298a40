"""The live plan as GeoJSON: per vehicle a line along the roads plus its stop visits with times and loads."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from mobility.domain.fleet import Vehicle
from mobility.domain.plan import Plan, StopVisit, Tour, VisitStatus
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


def tour_line(tour: Tour, legs: LegGeometry, *, start: Stop | None = None) -> list[list[float]]:
    """The road line through the tour's remaining visits (``start`` prepended when given)."""
    stops = ([start] if start is not None else []) + [v.stop for v in tour.visits if v.status is not VisitStatus.DONE]
    coords: list[list[float]] = []
    for a, b in itertools.pairwise(stops):
        if a.id == b.id:
            continue
        for lon, lat in legs(a, b):
            point = [round(lon, 6), round(lat, 6)]
            if not coords or coords[-1] != point:
                coords.append(point)
    return coords


def plan_feature_collection(
    plan: Plan, vehicles: Sequence[Vehicle], legs: LegGeometry, *, personal: bool
) -> dict[str, Any]:
    """A FeatureCollection: one LineString feature per vehicle with visits, and a Point feature per visit."""
    names = {v.id: v for v in vehicles}
    features: list[dict[str, Any]] = []
    for vehicle_id in sorted(plan.tours):
        tour = plan.tours[vehicle_id]
        if not tour.visits:
            continue
        vehicle = names.get(vehicle_id)
        visits = [visit_properties(i, v, personal=personal) for i, v in enumerate(tour.visits)]
        line = tour_line(tour, legs)
        features.append({
            "type": "Feature",
            "id": f"tour-{vehicle_id}",
            "geometry": {"type": "LineString", "coordinates": line} if len(line) >= 2 else None,
            "properties": {
                "feature_type": "tour",
                "vehicle_id": vehicle_id,
                "vehicle_name": vehicle.name if vehicle else vehicle_id,
                "vehicle_type": vehicle.type.id if vehicle else None,
                "plan_version": plan.version,
                "visits": visits,
            },
        })
        for props, visit in zip(visits, tour.visits, strict=True):
            features.append({
                "type": "Feature",
                "id": f"visit-{vehicle_id}-{props['seq']}",
                "geometry": {"type": "Point", "coordinates": [visit.stop.point.lon, visit.stop.point.lat]},
                "properties": {"feature_type": "visit", "vehicle_id": vehicle_id, **props},
            })
    return {"type": "FeatureCollection", "features": features,
            "plan_version": plan.version, "generated_for": plan.service_area}
