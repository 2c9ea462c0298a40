"""Read-only views for dispatchers and drivers: fleet state, manifest, today's figures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from booking.service.context import ServiceContext
from booking.store.models import BookingRow, EventRow
from mobility.domain.events import EventType
from mobility.domain.plan import Plan, Tour, VisitKind, VisitStatus
from mobility.domain.rides import BookingState

TZ = ZoneInfo("Europe/Berlin")


def vehicle_states(ctx: ServiceContext) -> list[dict[str, Any]]:
    """Every vehicle with its type, depot, service state and what its tour holds next."""
    plan = ctx.dispatcher.plan()
    out = []
    for v in ctx.dispatcher.vehicles():
        ahead = [x for x in plan.tour(v.id).visits if x.status is not VisitStatus.DONE]
        nxt = ahead[0] if ahead else None
        out.append({
            "id": v.id, "name": v.name, "type_id": v.type.id, "type_name": v.type.name, "kind": str(v.type.kind),
            "capacity": {"seats": v.type.capacity.seats, "wheelchairs": v.type.capacity.wheelchairs,
                         "strollers": v.type.capacity.strollers},
            "depot_name": v.depot_name, "depot": [v.depot.lon, v.depot.lat], "in_service": v.in_service,
            "shifts": [{"start": s.start.astimezone(TZ), "end": s.end.astimezone(TZ)} for s in v.shifts],
            "visits_ahead": len(ahead),
            "bookings_ahead": len({x.booking_id for x in ahead if x.booking_id}),
            "next_stop": None if nxt is None else {"stop_id": nxt.stop.id, "name": nxt.stop.name,
                                                   "coordinates": [nxt.stop.point.lon, nxt.stop.point.lat],
                                                   "planned_arrival": nxt.planned_arrival.astimezone(TZ)},
        })
    return out


def manifest(ctx: ServiceContext, vehicle_id: str, limit: int = 30) -> dict[str, Any]:
    """The driver's next stops: who boards, who alights, with party size and needs."""
    tour = ctx.dispatcher.plan().tour(vehicle_id)
    ahead = [v for v in tour.visits if v.status is not VisitStatus.DONE][:limit]
    ids = [v.booking_id for v in ahead if v.booking_id]
    with ctx.sessions() as session:
        rows = {r.id: r for r in session.scalars(sa.select(BookingRow).where(BookingRow.id.in_(ids)))}
        names = _customer_names(session, [r.customer_id for r in rows.values()])
    stops: list[dict[str, Any]] = []
    for visit in ahead:
        if not stops or stops[-1]["stop_id"] != visit.stop.id:
            stops.append({"stop_id": visit.stop.id, "name": visit.stop.name,
                          "coordinates": [visit.stop.point.lon, visit.stop.point.lat],
                          "planned_arrival": visit.planned_arrival.astimezone(TZ), "status": str(visit.status),
                          "board": [], "alight": [], "load_after": None})
        entry = stops[-1]
        entry["load_after"] = {"seats": visit.load_after.seats, "wheelchairs": visit.load_after.wheelchairs,
                               "strollers": visit.load_after.strollers}
        row = rows.get(visit.booking_id or "")
        if row is None:
            continue
        rider = {"booking_id": row.id, "name": row.caller_name or names.get(row.customer_id, "Fahrgast"),
                 "phone": row.caller_phone, "passengers": row.passengers, "wheelchairs": row.wheelchairs,
                 "strollers": row.strollers, "state": row.state,
                 "window": {"earliest": row.pickup_earliest.astimezone(TZ), "latest": row.pickup_latest.astimezone(TZ)}}
        entry["board" if visit.kind is VisitKind.PICKUP else "alight"].append(rider)
    return {"vehicle_id": vehicle_id, "plan_version": ctx.dispatcher.plan().version, "stops": stops}


def _customer_names(session: Any, customer_ids: Sequence[str]) -> dict[str, str]:
    from booking.store.models import UserRow

    if not customer_ids:
        return {}
    rows = session.execute(sa.select(UserRow.id, UserRow.display_name).where(UserRow.id.in_(list(customer_ids))))
    return {r[0]: r[1] for r in rows}


def pooled_bookings(plan: Plan) -> set[str]:
    """Bookings that share the vehicle with another booking for part of their ride."""
    pooled: set[str] = set()
    for tour in plan.tours.values():
        pooled |= _pooled_in(tour)
    return pooled


def _pooled_in(tour: Tour) -> set[str]:
    aboard: set[str] = set()
    pooled: set[str] = set()
    for visit in tour.visits:
        if visit.booking_id is None:
            continue
        if visit.kind is VisitKind.PICKUP:
            if aboard:
                pooled |= aboard | {visit.booking_id}
            aboard.add(visit.booking_id)
        elif visit.kind is VisitKind.DROPOFF:
            aboard.discard(visit.booking_id)
    return pooled


def kpis(ctx: ServiceContext, now: datetime) -> dict[str, Any]:
    """Today's figures (Europe/Berlin day): booked, served, rejected, pooled share, average wait."""
    ctx.flush_pending()  # count the refusals of the last seconds too
    day_start = now.astimezone(TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    day_end = day_start + timedelta(days=1)
    with ctx.sessions() as session:
        rows = list(session.scalars(sa.select(BookingRow).where(
            BookingRow.planned_pickup >= day_start, BookingRow.planned_pickup < day_end)))
        rejected = session.scalar(sa.select(sa.func.count()).select_from(EventRow).where(
            EventRow.type == str(EventType.BOOKING_REJECTED), EventRow.at >= day_start, EventRow.at < day_end))
    kept = [r for r in rows if r.state in (BookingState.CONFIRMED, BookingState.STARTED, BookingState.FINISHED)]
    pooled = pooled_bookings(ctx.dispatcher.plan())
    waits = []
    for r in kept:
        requested = r.payload["request"].get("departure")
        if requested:
            waits.append((r.planned_pickup - datetime.fromisoformat(requested)).total_seconds())
    return {
        "day": day_start.date().isoformat(),
        "booked": len(kept),
        "served": sum(1 for r in rows if r.state == BookingState.FINISHED),
        "cancelled": sum(1 for r in rows if r.state == BookingState.CANCELLED),
        "rejected": int(rejected or 0),
        "pooled_share": round(sum(1 for r in kept if r.id in pooled) / len(kept), 3) if kept else 0.0,
        "average_wait_s": round(sum(waits) / len(waits)) if waits else None,
        "passengers": sum(r.passengers for r in kept),
    }
