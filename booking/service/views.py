"""Read-only views for dispatchers: fleet state, today's figures (drivers: :mod:`booking.service.manifest`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from booking.service.context import ServiceContext
from booking.store.models import BookingRow, EventRow
from mobility.domain.events import EventType
from mobility.domain.plan import Plan, StopVisit, Tour, VisitKind, is_overdue
from mobility.domain.rides import BookingState

TZ = ZoneInfo("Europe/Berlin")


def vehicle_states(ctx: ServiceContext) -> list[dict[str, Any]]:
    """Every vehicle with its type, depot, service state, its current duty (or the next), what it holds next, the
    rides overdue (their time passed without a driver event) and its last position."""
    ctx.advance_clock()
    now = ctx.clock.now()
    plan = ctx.dispatcher.plan()
    out = []
    for v in ctx.dispatcher.vehicles():
        duty = plan.current_duty(v.id, now)
        ahead = list(duty.ahead()) if duty is not None else []
        nxt = ahead[0] if ahead else None
        position = ctx.dispatcher.last_position(v.id)
        out.append({
            "id": v.id, "name": v.name, "type_id": v.type.id, "type_name": v.type.name, "kind": str(v.type.kind),
            "capacity": {"seats": v.type.capacity.seats, "wheelchairs": v.type.capacity.wheelchairs,
                         "strollers": v.type.capacity.strollers},
            "depot_name": v.depot_name, "depot": [v.depot.lon, v.depot.lat], "in_service": v.in_service,
            "shifts": [{"start": s.start.astimezone(TZ), "end": s.end.astimezone(TZ)} for s in v.shifts
                       if s.end >= now - timedelta(hours=12) and s.start <= now + timedelta(days=2)],
            "duty": None if duty is None else {
                "id": duty.id, "day": duty.day, "start": duty.start.astimezone(TZ), "end": duty.end.astimezone(TZ),
                "status": str(duty.status), "began_at": _local(duty.began_at),
                "on_break_since": _local(duty.on_break_since)},
            "visits_ahead": len(ahead),
            "bookings_ahead": len({x.booking_id for x in ahead if x.booking_id}),
            "overdue": len(duty.overdue(now)) if duty is not None else 0,
            "load": None if not ahead else _load(ahead[0]),
            "next_stop": None if nxt is None else {"stop_id": nxt.stop.id, "name": nxt.stop.name, "kind": str(nxt.kind),
                                                   "coordinates": [nxt.stop.point.lon, nxt.stop.point.lat],
                                                   "planned_arrival": nxt.planned_arrival.astimezone(TZ),
                                                   "overdue": is_overdue(nxt, now)},
            "position": None if position is None else {
                "coordinates": [position.point.lon, position.point.lat], "at": position.at.astimezone(TZ),
                "age_s": max(0, int((now - position.at).total_seconds()))},
        })
    return out


def _local(when: datetime | None) -> datetime | None:
    return None if when is None else when.astimezone(TZ)


def _load(visit: StopVisit) -> dict[str, int]:
    """The load on board when the vehicle arrives at ``visit`` (before anyone boards or alights there)."""
    load = visit.load_after
    return {"seats": load.seats, "wheelchairs": load.wheelchairs, "strollers": load.strollers}


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


RETRY_WINDOW = timedelta(minutes=30)  # a refusal followed by a booking of the same rider this soon was taken care of


def turned_away(refusals: Iterable[tuple[str, datetime]], bookings: Iterable[tuple[str, datetime]]) -> int:
    """How many wishes got no ride: refused offers (rider, when) not followed within :data:`RETRY_WINDOW` by a
    booking of the same rider (an alternative time taken), refusals of one rider this close together counting once
    (the same wish asked again)."""
    booked: dict[str, list[datetime]] = {}
    for rider, at in bookings:
        booked.setdefault(rider, []).append(at)
    per_rider: dict[str, list[datetime]] = {}
    for rider, at in refusals:
        per_rider.setdefault(rider, []).append(at)
    count = 0
    for rider, times in per_rider.items():
        last: datetime | None = None
        for at in sorted(times):
            retry = last is not None and at - last <= RETRY_WINDOW
            last = at
            if retry or any(at <= b <= at + RETRY_WINDOW for b in booked.get(rider, ())):
                continue
            count += 1
    return count


def kpis(ctx: ServiceContext, now: datetime) -> dict[str, Any]:
    """Today's figures (Europe/Berlin day): booked, served, cancelled, turned away (``rejected``: wishes that got no
    ride, :func:`turned_away`), offers refused, bookings lost, pooled share, average wait."""
    ctx.flush_pending()  # count the refusals of the last seconds too
    day_start = now.astimezone(TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    day_end = day_start + timedelta(days=1)
    with ctx.sessions() as session:
        rows = list(session.scalars(sa.select(BookingRow).where(
            BookingRow.planned_pickup >= day_start, BookingRow.planned_pickup < day_end)))
        rejections = list(session.execute(sa.select(EventRow.actor, EventRow.at, EventRow.booking_id).where(
            EventRow.type == str(EventType.BOOKING_REJECTED), EventRow.at >= day_start, EventRow.at < day_end)))
        made = list(session.execute(sa.select(BookingRow.customer_id, BookingRow.created_at).where(
            BookingRow.created_at >= day_start, BookingRow.created_at < day_end + RETRY_WINDOW)))
    refusals = [(str(actor), at) for actor, at, booking_id in rejections if booking_id is None and actor]
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
        "rejected": turned_away(refusals, [(str(c), at) for c, at in made]),
        "refused_offers": len(refusals),
        "lost": sum(1 for _, _, booking_id in rejections if booking_id is not None),
        "pooled_share": round(sum(1 for r in kept if r.id in pooled) / len(kept), 3) if kept else 0.0,
        "average_wait_s": round(sum(waits) / len(waits)) if waits else None,
        "passengers": sum(r.passengers for r in kept),
    }
