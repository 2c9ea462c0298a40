"""Dispatchers: tours as GeoJSON, fleet, phone bookings, out of service, re-plan, problems, figures, live stream."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel

from booking.api.deps import Principal, ServicesDep, StaffUser, require_roles
from booking.api.live import sse_response
from booking.api.rides import public_fresh_offer, wish
from booking.api.schemas import BookingPublic, OfferPublic, PhoneBookingCreate, PhoneBookingPublic, local
from booking.feeds.geojson import plan_feature_collection
from booking.feeds.gtfs_rt import local_day
from booking.service.batch import plan_day
from booking.service.bookings import Caller
from booking.service.errors import ServiceError
from booking.service.views import kpis, vehicle_states

router = APIRouter(prefix="/dispatch", tags=["dispatch"], dependencies=[Depends(require_roles("dispatcher"))])
GEOJSON = "application/geo+json"


class ServiceChange(BaseModel):
    """Result of taking a vehicle out of / into service."""

    vehicle_id: str
    in_service: bool
    lost_bookings: list[str]


class ProblemPublic(BaseModel):
    """A booking the plan could not keep."""

    id: int
    booking_id: str
    vehicle_id: str | None
    reason: str
    created_at: Any
    resolved_at: Any = None


@router.get("/tours.geojson", summary="Planned tours with road geometry")
def tours(
    services: ServicesDep,
    day: Annotated[date | None, Query(description="local service day (YYYY-MM-DD); default today")] = None,
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
    """Every vehicle with type, depot, in-service flag and next stop."""
    return vehicle_states(services.ctx)


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


def _set_service(vehicle_id: str, in_service: bool, user: Principal, services: ServicesDep) -> ServiceChange:
    lost = services.operations.set_in_service(vehicle_id, in_service, user.id)
    return ServiceChange(vehicle_id=vehicle_id, in_service=in_service, lost_bookings=lost)


@router.post("/vehicles/{vehicle_id}/out-of-service", summary="Take a vehicle out of service")
def out_of_service(vehicle_id: str, user: StaffUser, services: ServicesDep) -> ServiceChange:
    """Its bookings are re-planned onto other vehicles; those that cannot be kept are reported."""
    return _set_service(vehicle_id, False, user, services)


@router.post("/vehicles/{vehicle_id}/in-service", summary="Put a vehicle back into service")
def in_service(vehicle_id: str, user: StaffUser, services: ServicesDep) -> ServiceChange:
    """The vehicle takes new bookings again."""
    return _set_service(vehicle_id, True, user, services)


@router.post("/replan", summary="Re-optimise the plan now (or batch-plan one day)")
def replan(
    user: StaffUser,
    services: ServicesDep,
    day: Annotated[date | None, Query(description="batch-plan the shifts starting on this local date")] = None,
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
    return {"replaced": result.improved_rounds > 0, "plan_version": services.ctx.dispatcher.plan().version,
            **{k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(result).items()}}


@router.get("/problems", summary="Bookings that could not be kept")
def problems(services: ServicesDep, include_resolved: bool = False) -> list[ProblemPublic]:
    """Open problems (or all), newest first."""
    return [ProblemPublic(id=p.id, booking_id=p.booking_id, vehicle_id=p.vehicle_id, reason=p.reason,
                          created_at=local(p.created_at), resolved_at=p.resolved_at and local(p.resolved_at))
            for p in services.operations.problems(open_only=not include_resolved)]


@router.post("/problems/{problem_id}/resolve", summary="Mark a problem as handled")
def resolve_problem(problem_id: int, services: ServicesDep) -> ProblemPublic:
    """The dispatcher has taken care of it."""
    p = services.operations.resolve_problem(problem_id)
    return ProblemPublic(id=p.id, booking_id=p.booking_id, vehicle_id=p.vehicle_id, reason=p.reason,
                         created_at=local(p.created_at), resolved_at=p.resolved_at and local(p.resolved_at))


@router.get("/kpis", summary="Today's figures")
def today(services: ServicesDep) -> dict[str, Any]:
    """Booked, served, rejected, pooled share and average wait of today."""
    return kpis(services.ctx, services.ctx.clock.now())


@router.get("/stream", summary="Live updates (Server-Sent Events)")
async def stream(
    request: Request,
    services: ServicesDep,
    max_events: Annotated[int | None, Query(ge=1, le=10_000, description="close after this many events")] = None,
) -> StreamingResponse:
    """``plan_changed``, ``booking_changed``, ``vehicle_changed`` and ``problem`` events as they happen."""
    version = await run_in_threadpool(lambda: services.ctx.dispatcher.plan().version)
    return sse_response(request, services.ctx.bus, {"plan_version": version}, max_events=max_events)
