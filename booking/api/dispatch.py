"""Dispatchers: tours as GeoJSON, fleet, phone bookings, re-plan, figures, live stream; the control room's search,
problems, outages and standing orders come from :mod:`booking.api.control` and :mod:`booking.api.standing`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from booking.api import control, standing
from booking.api.bounds import Day
from booking.api.deps import ServicesDep, StaffUser, require_roles
from booking.api.live import sse_response
from booking.api.rides import public_fresh_offer, wish
from booking.api.schemas import BookingPublic, OfferPublic, PhoneBookingCreate, PhoneBookingPublic, local
from booking.feeds.geojson import plan_feature_collection
from booking.feeds.gtfs_rt import local_day
from booking.service.batch import plan_day
from booking.service.bookings import Caller
from booking.service.errors import ServiceError
from booking.service.outages import Outages
from booking.service.standing import StandingOrders
from booking.service.views import kpis, vehicle_states
from booking.store.models import BookingRow
from mobility.domain.plan import Duty, VisitKind

router = APIRouter(prefix="/dispatch", tags=["dispatch"], dependencies=[Depends(require_roles("dispatcher"))])
GEOJSON = "application/geo+json"


def include_control_room(parent: APIRouter) -> None:
    """Add the control room's booking search, problem actions, outages and standing orders to ``parent``."""
    parent.include_router(control.router)
    parent.include_router(standing.router)


@router.get("/tours.geojson", summary="Planned tours with road geometry")
def tours(
    services: ServicesDep,
    day: Annotated[Day | None, Query(description="local service day (YYYY-MM-DD); default today")] = None,
) -> JSONResponse:
    """Per duty of the service day a LineString along the roads with its stop visits (times, loads), and a Point
    per visit."""
    ctx = services.ctx
    day = day or local_day(ctx.clock.now(), ZoneInfo(services.config.timezone))
    body = plan_feature_collection(ctx.dispatcher.plan(), ctx.dispatcher.vehicles(), services.legs, personal=True,
                                   day=day)
    return JSONResponse(body, media_type=GEOJSON)


@router.get("/vehicles", summary="Fleet and its state")
def vehicles(services: ServicesDep) -> list[dict[str, Any]]:
    """Every vehicle with type, depot, in-service flag (and until when it is out), current duty, next stop, load,
    overdue rides, pickups planned after their promised window (``late_rides``, ``late_s``) and last position."""
    outages = Outages(services.ctx, services.operations)
    outages.return_due()  # a vehicle whose time out of service has passed is back (and its rides with it)
    out = outages.current()
    states = vehicle_states(services.ctx)
    plan, now = services.ctx.dispatcher.plan(), services.ctx.clock.now()
    duties = {state["id"]: plan.current_duty(state["id"], now) for state in states}
    promised = promised_latest(services, [v.booking_id for d in duties.values() if d is not None
                                          for v in d.ahead() if v.kind is VisitKind.PICKUP and v.booking_id])
    for state in states:
        outage = out.get(state["id"]) if not state["in_service"] else None
        state["out_until"] = local(outage.until) if outage is not None and outage.until is not None else None
        state["out_since"] = local(outage.start) if outage is not None else None
        state["out_reason"] = outage.reason if outage is not None else None
        state["late_rides"], state["late_s"] = late_pickups(duties[state["id"]], promised)
    return states


def promised_latest(services: ServicesDep, booking_ids: list[str]) -> dict[str, datetime]:
    """The end of the promised pickup window of each booking (the plan may have widened its own window)."""
    if not booking_ids:
        return {}
    with services.ctx.read_session() as session:
        rows = session.execute(sa.select(BookingRow.id, BookingRow.pickup_latest).where(BookingRow.id.in_(booking_ids)))
        return {row[0]: row[1] for row in rows}


def late_pickups(duty: Duty | None, promised: dict[str, datetime]) -> tuple[int, int]:
    """How many pickups ahead in ``duty`` are planned after their promised window, and by how much the latest of
    them (seconds)."""
    if duty is None:
        return 0, 0
    late = [(v.planned_arrival - promised[v.booking_id]).total_seconds() for v in duty.ahead()
            if v.kind is VisitKind.PICKUP and v.booking_id in promised and v.planned_arrival > promised[v.booking_id]]
    return len(late), int(max(late, default=0))


@router.post("/bookings", status_code=status.HTTP_201_CREATED, summary="Book on behalf of a caller")
def phone_booking(body: PhoneBookingCreate, user: StaffUser, services: ServicesDep) -> PhoneBookingPublic:
    """Quote and book in one step for a caller on the phone (customer ``phone:<number>``)."""
    customer = "phone:" + "".join(c for c in body.caller_phone if c.isdigit() or c == "+")
    offer = services.bookings.quote(customer, wish(body.request))
    caller = Caller(customer, booked_by=user.id, caller_name=body.caller_name, caller_phone=body.caller_phone)
    try:
        row, _ = services.bookings.book(caller, offer.id, None)
    except ServiceError as exc:
        raise public_fresh_offer(exc) from None
    return PhoneBookingPublic(booking=BookingPublic.of(row), offer=OfferPublic.of(offer))


@router.post("/replan", summary="Re-optimise the plan now (or batch-plan one day)")
def replan(
    user: StaffUser,
    services: ServicesDep,
    day: Annotated[Day | None, Query(description="batch-plan the shifts starting on this local date")] = None,
    seconds: Annotated[float | None, Query(gt=0, le=600, description="time budget of a batch plan")] = None,
) -> dict[str, Any]:
    """Run the solver on the not-yet-driven part now (the old plan stays if it is not better).

    With ``day``: the batch plan of that service day (pre-booked rides re-planned as a whole, round after round,
    within ``seconds``, default the configured batch budget); every promise is kept."""
    if day is None:
        replaced = services.operations.reoptimise(services.config.solver_time_limit_s, actor=user.id)
        return {"replaced": replaced, "plan_version": services.ctx.dispatcher.plan().version}
    result = plan_day(services.operations, day, seconds or services.config.batch_plan_time_limit_s,
                      round_s=services.config.solver_time_limit_s, actor=user.id)
    runs = StandingOrders(services.ctx, services.bookings, services.config.timezone).runs_on(day)
    return {"replaced": result.improved_rounds > 0, "plan_version": services.ctx.dispatcher.plan().version,
            **{k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(result).items()},
            "standing_orders": {"booked": sum(1 for _, r in runs if r.outcome == "booked"),
                                "refused": sum(1 for _, r in runs if r.outcome == "refused")}}


@router.get("/kpis", summary="Figures of a service day")
def today(
    services: ServicesDep,
    day: Annotated[Day | None, Query(description="local service day (YYYY-MM-DD); default today")] = None,
) -> dict[str, Any]:
    """Booked, served, rejected, pooled share and average wait of today (or ``day``); ``now`` is the service's
    clock."""
    now = services.ctx.clock.now()
    zone = ZoneInfo(services.config.timezone)
    at = now if day is None else datetime.combine(day, time(12), zone)
    return {**kpis(services.ctx, at), "now": local(now), "today": now.astimezone(zone).date().isoformat()}


@router.get("/stream", summary="Live updates (Server-Sent Events)")
async def stream(
    request: Request,
    services: ServicesDep,
    max_events: Annotated[int | None, Query(ge=1, le=10_000, description="close after this many events")] = None,
) -> StreamingResponse:
    """``plan_changed``, ``booking_changed``, ``vehicle_changed`` and ``problem`` events as they happen."""
    version = await run_in_threadpool(lambda: services.ctx.dispatcher.plan().version)
    return sse_response(request, services.ctx.bus, {"plan_version": version}, max_events=max_events)


include_control_room(router)
