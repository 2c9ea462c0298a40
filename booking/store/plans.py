"""The stored live plan (visits per vehicle, tour legs with road geometry), the stops and the fleet.

Only the rows that changed are rewritten (the visits and legs that differ from the previously stored plan; the
unchanged rest of a tour only moves to new seq numbers), in the caller's transaction, so the stored plan always
matches the committed bookings. The tables are QGIS layers: ``plan_visits`` (points) and ``tour_legs`` (lines: one
valid line per leg between two different places inside one duty), each row with its ``duty_id``.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from booking.store.codec import StopResolver
from booking.store.models import PlanStateRow, PlanVisitRow, StopRow, TourLegRow, VehicleRow
from booking.store.types import linestring_wkt, point_wkt
from mobility.domain.fleet import Vehicle
from mobility.domain.plan import Plan, StopVisit, Tour, VisitKind, VisitStatus
from mobility.domain.rides import Load, TimeWindow
from mobility.domain.stops import Stop

LegGeometry = Callable[[Stop, Stop], Sequence[tuple[float, float]]]


def changed_vehicles(plan: Plan, previous: Plan | None) -> set[str]:
    """Vehicles whose tour differs between ``previous`` and ``plan`` (all of them without a previous plan)."""
    if previous is None:
        return set(plan.tours)
    ids = set(plan.tours) | set(previous.tours)
    return {v for v in ids if plan.tour(v) is not previous.tour(v) and plan.tour(v).visits != previous.tour(v).visits}


@dataclass(frozen=True, slots=True)
class TourPatch:
    """How the stored rows of one vehicle (visits or legs) become the new ones.

    Rows ``[start, old_end)`` are deleted, the unchanged rows from ``old_end`` to ``old_len`` move by ``shift``
    seq numbers, and ``rows`` are inserted from ``start`` on. ``old_end=None``: delete every row of the vehicle.
    """

    vehicle_id: str
    start: int
    old_end: int | None
    old_len: int
    shift: int
    rows: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class PlanRows:
    """The row changes of the tours that changed, computed before any database work.

    ``touched`` holds, per changed vehicle, the new visits that differ from the stored ones (the bookings
    whose vehicle or planned times may have changed).
    """

    changed: frozenset[str]
    visits: list[TourPatch]
    legs: list[TourPatch]
    touched: dict[str, Sequence[StopVisit]]


def same_ends(old: Sequence[Any], new: Sequence[Any]) -> tuple[int, int]:
    """Lengths of the equal prefix and of the equal suffix (not overlapping the prefix) of two sequences."""
    n = min(len(old), len(new))
    prefix = 0
    while prefix < n and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < n - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    return prefix, suffix


def plan_rows(plan: Plan, previous: Plan | None, leg_geometry: LegGeometry | None = None) -> PlanRows:
    """Row changes of every tour that changed since ``previous``: only the visits and legs that differ.

    An insertion changes the visits of one shift; the visits before it stay, those after it (later days, their
    breaks) only move to other seq numbers. Road geometry is looked up for the new legs only.
    """
    changed = changed_vehicles(plan, previous)
    visit_patches: list[TourPatch] = []
    leg_patches: list[TourPatch] = []
    touched: dict[str, Sequence[StopVisit]] = {}
    for vehicle_id in sorted(changed):
        new = with_duties(plan, vehicle_id)
        old = with_duties(previous, vehicle_id) if previous is not None and vehicle_id in previous.tours else None
        start, suffix = same_ends(old, new) if old is not None else (0, 0)
        middle = new[start:len(new) - suffix]
        touched[vehicle_id] = middle
        visit_patches.append(_patch(vehicle_id, old is not None, (start, suffix), (len(old or ()), len(new)),
                                    _visit_rows(vehicle_id, start, middle)))
        old_legs, new_legs = driven_legs(old or ()), driven_legs(new)
        old_keys, new_keys = _leg_keys(old_legs), _leg_keys(new_legs)
        start, suffix = same_ends(old_keys, new_keys) if old is not None else (0, 0)
        legs = new_legs[start:len(new_legs) - suffix]
        leg_patches.append(_patch(vehicle_id, old is not None, (start, suffix), (len(old_keys), len(new_keys)),
                                  _leg_rows(vehicle_id, start, legs, leg_geometry)))
    return PlanRows(frozenset(changed), visit_patches, leg_patches, touched)


def with_duties(plan: Plan, vehicle_id: str) -> tuple[StopVisit, ...]:
    """The vehicle's visits, each with the id of its duty (driven visits without one take it from the plan's duties).
    """
    visits = plan.tour(vehicle_id).visits
    if all(v.duty_id is not None for v in visits) or not plan.duties:
        return visits
    owner = {v: d.id for d in plan.duties_of(vehicle_id) for v in d.visits}
    return tuple(v if v.duty_id is not None or v not in owner else dataclasses.replace(v, duty_id=owner[v])
                 for v in visits)


def _rounded(stop: Stop) -> tuple[float, float]:
    return round(stop.point.lon, 7), round(stop.point.lat, 7)


def driven_legs(visits: Sequence[StopVisit]) -> list[tuple[StopVisit, StopVisit]]:
    """The legs a vehicle drives between consecutive visits of one duty: none between two visits at the same place
    (a pickup after a drop-off at one stop, a break at the stop) and none from one duty to the next (the vehicle
    returns to its depot in between)."""
    return [(a, b) for a, b in itertools.pairwise(visits)
            if a.duty_id == b.duty_id and a.stop.id != b.stop.id and _rounded(a.stop) != _rounded(b.stop)]


def _patch(vehicle_id: str, known: bool, ends: tuple[int, int], lengths: tuple[int, int],
           rows: Iterable[dict[str, Any]]) -> TourPatch:
    """The patch from ``lengths`` (old, new) rows with ``ends`` (equal prefix, equal suffix) kept."""
    if not known:  # nothing known of what is stored: replace every row of the vehicle
        return TourPatch(vehicle_id, 0, None, 0, 0, list(rows))
    (start, suffix), (old_len, new_len) = ends, lengths
    return TourPatch(vehicle_id, start, old_len - suffix, old_len, new_len - old_len, list(rows))


def _leg_keys(legs: Sequence[tuple[StopVisit, StopVisit]]) -> list[tuple[object, ...]]:
    return [(a.stop.id, b.stop.id, a.planned_departure, b.planned_arrival, a.load_after, a.duty_id) for a, b in legs]


def write_plan(session: Session, plan: Plan, rows: PlanRows, now: datetime) -> None:
    """Apply the row changes of ``rows`` and record the plan version (a few bulk statements per changed tour)."""
    for patch in rows.visits:
        _apply(session, PlanVisitRow, patch)
    for patch in rows.legs:
        _apply(session, TourLegRow, patch)
    state = session.get(PlanStateRow, plan.service_area)
    if state is None:
        session.add(PlanStateRow(service_area=plan.service_area, version=plan.version, updated_at=now))
    else:
        state.version = plan.version
        state.updated_at = now


def _apply(session: Session, table: type[PlanVisitRow] | type[TourLegRow], patch: TourPatch) -> None:
    # Core statements on the table: no ORM bookkeeping (nothing of these tables is loaded in the session)
    t = cast(sa.Table, table.__table__)
    mine = t.c.vehicle_id == patch.vehicle_id
    if patch.old_end is None:
        session.execute(t.delete().where(mine))
    else:
        if patch.old_end > patch.start:
            session.execute(t.delete().where(mine, t.c.seq >= patch.start, t.c.seq < patch.old_end))
        if patch.shift and patch.old_end < patch.old_len:
            # two steps through negative numbers: (vehicle_id, seq) stays unique after every single row update
            session.execute(t.update().where(mine, t.c.seq >= patch.old_end)
                            .values(seq=-(t.c.seq + patch.shift) - 1))
            session.execute(t.update().where(mine, t.c.seq < 0).values(seq=-t.c.seq - 1))
    if patch.rows:
        session.execute(t.insert(), patch.rows)


def save_plan(
    session: Session,
    plan: Plan,
    previous: Plan | None,
    now: datetime,
    leg_geometry: LegGeometry | None = None,
) -> set[str]:
    """Rewrite the stored rows that changed since ``previous``; returns the ids of the vehicles concerned."""
    rows = plan_rows(plan, previous, leg_geometry)
    write_plan(session, plan, rows, now)
    return set(rows.changed)


def _visit_rows(vehicle_id: str, first: int, visits: Sequence[StopVisit]) -> Iterable[dict[str, Any]]:
    for seq, visit in enumerate(visits, start=first):
        yield {
            "vehicle_id": vehicle_id,
            "seq": seq,
            "booking_id": visit.booking_id,
            "kind": str(visit.kind),
            "stop_id": visit.stop.id,
            "planned_arrival": visit.planned_arrival,
            "planned_departure": visit.planned_departure,
            "window_earliest": visit.window.earliest,
            "window_latest": visit.window.latest,
            "load_seats": visit.load_after.seats,
            "load_wheelchairs": visit.load_after.wheelchairs,
            "load_strollers": visit.load_after.strollers,
            "status": str(visit.status),
            "geom": point_wkt(visit.stop.point.lon, visit.stop.point.lat),
            "duty_id": visit.duty_id,
        }


def leg_line(a: Stop, b: Stop, leg_geometry: LegGeometry | None) -> list[tuple[float, float]]:
    """A valid line from ``a`` to ``b`` (two different places): the road geometry without repeated positions, or the
    straight line when the road geometry has fewer than two distinct positions."""
    line: list[tuple[float, float]] = []
    for lon, lat in (leg_geometry(a, b) if leg_geometry is not None else ()):
        position = (round(float(lon), 7), round(float(lat), 7))
        if not line or line[-1] != position:
            line.append(position)
    return line if len(line) >= 2 else [_rounded(a), _rounded(b)]


def _leg_rows(vehicle_id: str, first: int, legs: Sequence[tuple[StopVisit, StopVisit]],
              leg_geometry: LegGeometry | None) -> Iterable[dict[str, Any]]:
    for seq, (a, b) in enumerate(legs, start=first):
        positions = leg_line(a.stop, b.stop, leg_geometry)
        yield {
            "vehicle_id": vehicle_id,
            "seq": seq,
            "from_stop_id": a.stop.id,
            "to_stop_id": b.stop.id,
            "depart": a.planned_departure,
            "arrive": b.planned_arrival,
            "load_seats": a.load_after.seats + a.load_after.wheelchairs,
            "geom": linestring_wkt(positions),
            "duty_id": a.duty_id,
        }


def load_plan(session: Session, service_area: str, resolve: StopResolver) -> tuple[Plan | None, list[str]]:
    """The stored plan and the ids of bookings whose visits name a stop the network no longer has."""
    state = session.get(PlanStateRow, service_area)
    if state is None:
        return None, []
    rows = session.scalars(sa.select(PlanVisitRow).order_by(PlanVisitRow.vehicle_id, PlanVisitRow.seq))
    visits: dict[str, list[StopVisit]] = {}
    lost: list[str] = []
    for row in rows:
        stop = resolve(row.stop_id)
        if stop is None:
            if row.booking_id is not None:
                lost.append(row.booking_id)
            continue
        visits.setdefault(row.vehicle_id, []).append(_visit_from_row(row, stop))
    tours = {v: Tour(v, tuple(vs)) for v, vs in visits.items()}
    plan = Plan(service_area=service_area, version=state.version, created_at=state.updated_at, tours=tours)
    return plan, sorted(set(lost))


def _visit_from_row(row: PlanVisitRow, stop: Stop) -> StopVisit:
    return StopVisit(
        booking_id=row.booking_id,
        kind=VisitKind(row.kind),
        stop=stop,
        planned_arrival=row.planned_arrival,
        planned_departure=row.planned_departure,
        window=TimeWindow(row.window_earliest, row.window_latest),
        load_after=Load(row.load_seats, row.load_wheelchairs, row.load_strollers),
        status=VisitStatus(row.status),
        duty_id=row.duty_id,
    )


def sync_stops(session: Session, stops: Sequence[Stop]) -> int:
    """Make the ``stops`` table equal to the network's stops; returns how many rows were written."""
    stored = set(session.scalars(sa.select(StopRow.id)))
    wanted = {s.id for s in stops}
    if stored == wanted:
        return 0
    session.execute(sa.delete(StopRow))
    rows = [{"id": s.id, "name": s.name, "municipality": s.municipality, "kind": str(s.kind), "lon": s.point.lon,
             "lat": s.point.lat, "geom": point_wkt(s.point.lon, s.point.lat)} for s in stops]
    if rows:
        session.execute(sa.insert(StopRow), rows)
    return len(rows)


def sync_vehicles(session: Session, vehicles: Sequence[Vehicle], now: datetime) -> dict[str, bool]:
    """Store the configured fleet; returns the stored in-service flag of each vehicle (kept across restarts)."""
    stored = {row.id: row for row in session.scalars(sa.select(VehicleRow))}
    flags: dict[str, bool] = {}
    for v in vehicles:
        row = stored.get(v.id)
        if row is None:
            row = VehicleRow(id=v.id, in_service=v.in_service)
            session.add(row)
        row.name, row.type_id, row.kind = v.name, v.type.id, str(v.type.kind)
        row.seats, row.wheelchairs = v.type.capacity.seats, v.type.capacity.wheelchairs
        row.strollers = v.type.capacity.strollers
        row.depot_name, row.depot_lon, row.depot_lat = v.depot_name, v.depot.lon, v.depot.lat
        row.depot_geom = point_wkt(v.depot.lon, v.depot.lat)
        row.updated_at = now
        flags[v.id] = row.in_service
    return flags


def set_in_service(session: Session, vehicle_id: str, in_service: bool, now: datetime) -> None:
    """Store whether a vehicle is in service."""
    row = session.get(VehicleRow, vehicle_id)
    if row is not None:
        row.in_service = in_service
        row.updated_at = now
