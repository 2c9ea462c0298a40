"""Standing orders of regular callers (mounted inside the ``/dispatch`` router, dispatcher role).

* ``GET /dispatch/standing-orders`` — the orders with their latest runs; ``POST`` — a new order (its rides of today and
  tomorrow are booked at once, later ones by the nightly batch).
* ``POST /dispatch/standing-orders/{id}/end`` — no further rides.
* ``POST /dispatch/standing-orders/{id}/book?day=`` — try a refused day again.
* ``GET /dispatch/standing-orders/runs?day=`` — what the run of a service day booked and what it could not.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, status

from booking.api.bounds import Day
from booking.api.control_schemas import StandingOrderCreate, StandingOrderPublic, StandingRunPublic
from booking.api.deps import ServicesDep, StaffUser
from booking.api.schemas import local
from booking.service.standing import OrderView, StandingOrders, StandingOrderSpec, weekdays_label
from booking.store.control import StandingOrderRunRow

router = APIRouter(prefix="/standing-orders")


def _orders(services: ServicesDep) -> StandingOrders:
    return StandingOrders(services.ctx, services.bookings, services.config.timezone)


def _run(run: StandingOrderRunRow) -> StandingRunPublic:
    return StandingRunPublic(day=run.day, outcome=run.outcome, booking_id=run.booking_id, detail=run.detail,
                             at=local(run.at))


def _public(view: OrderView, services: ServicesDep) -> StandingOrderPublic:
    o = view.order
    name = {s.id: s.name for s in (services.ctx.resolve_stop(o.origin_stop_id),
                                   services.ctx.resolve_stop(o.destination_stop_id)) if s is not None}
    return StandingOrderPublic(
        id=o.id, caller_name=o.caller_name, caller_phone=o.caller_phone, origin_stop_id=o.origin_stop_id,
        origin_name=name.get(o.origin_stop_id, o.origin_stop_id), destination_stop_id=o.destination_stop_id,
        destination_name=name.get(o.destination_stop_id, o.destination_stop_id),
        weekdays=[int(d) for d in o.weekdays.split(",") if d], weekdays_label=weekdays_label(o.weekdays),
        time=o.at_time, time_kind=o.time_kind, passengers=o.passengers, wheelchairs=o.wheelchairs,
        strollers=o.strollers, first_day=o.first_day, last_day=o.last_day, note=o.note, active=o.active,
        runs=[_run(r) for r in view.runs])


@router.get("", summary="Standing orders")
def list_orders(services: ServicesDep, include_ended: bool = False) -> list[StandingOrderPublic]:
    """Active orders (or all) by caller name, each with its latest runs."""
    return [_public(v, services) for v in _orders(services).orders(active_only=not include_ended)]


@router.post("", status_code=status.HTTP_201_CREATED, summary="New standing order")
def create_order(body: StandingOrderCreate, user: StaffUser, services: ServicesDep) -> StandingOrderPublic:
    """Store a recurring ride; its rides of today and tomorrow are booked at once (see ``runs``)."""
    hour, minute = (int(x) for x in body.time.split(":"))
    today = services.ctx.clock.now().astimezone(ZoneInfo(services.config.timezone)).date()
    spec = StandingOrderSpec(
        caller_name=body.caller_name, caller_phone=body.caller_phone, origin_stop_id=body.origin_stop_id,
        destination_stop_id=body.destination_stop_id, weekdays=tuple(body.weekdays), at_time=time(hour, minute),
        first_day=body.first_day or today, time_kind=body.time_kind, passengers=body.passengers,
        wheelchairs=body.wheelchairs, strollers=body.strollers, last_day=body.last_day, note=body.note)
    return _public(_orders(services).create(spec, user.id), services)


@router.post("/{order_id}/end", summary="End a standing order")
def end_order(order_id: str, services: ServicesDep) -> StandingOrderPublic:
    """No further rides are booked; rides booked already stay."""
    return _public(_orders(services).end(order_id), services)


@router.post("/{order_id}/book", summary="Book one day of a standing order again")
def book_day(order_id: str, services: ServicesDep,
             day: Annotated[Day, Query(description="local service day (YYYY-MM-DD)")]) -> StandingRunPublic:
    """Try again to book a day whose run was refused; 409 when that day is booked already."""
    return _run(_orders(services).retry(order_id, day))


@router.get("/runs", summary="What a run booked on one service day")
def runs(services: ServicesDep,
         day: Annotated[Day, Query(description="local service day (YYYY-MM-DD)")]) -> list[dict[str, object]]:
    """Each order due that day: booked (with the booking) or refused (with the reason in German)."""
    return [{"order_id": o.id, "caller_name": o.caller_name, "caller_phone": o.caller_phone, "time": o.at_time,
             **_run(r).model_dump()} for o, r in _orders(services).runs_on(day)]
