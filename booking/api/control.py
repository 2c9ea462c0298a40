"""The control room (Leitstelle): booking search, actionable problems, out of service for a time.

Mounted inside the ``/dispatch`` router (dispatcher role):

* ``GET /dispatch/bookings`` — search by name, phone, booking number, stop or vehicle; filter by day and state; next
  pickup first; paged with the total.
* ``GET /dispatch/problems`` — open problems with rider, phone, pickup time, route and reason;
  ``POST /dispatch/problems/{id}/called|rebook|cancel|resolve`` — the actions.
* ``POST /dispatch/vehicles/{id}/out-of-service`` (``until``, ``reason``) and ``…/in-service`` — the return puts the
  vehicle's lost rides back.
"""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Body, Path, Query

from booking.api.bounds import Day, RowId
from booking.api.control_schemas import (
    BookingSearchPublic,
    CalledAction,
    CancelAction,
    DispatchBookingPublic,
    OutOfService,
    ProblemDetailPublic,
    RebookAction,
    ServiceChangePublic,
)
from booking.api.deps import ServicesDep, StaffUser
from booking.api.schemas import aware, local
from booking.service.errors import invalid
from booking.service.outages import Outages
from booking.service.problem_desk import ProblemDesk, ProblemView
from booking.service.search import MAX_PAGE_SIZE, BookingQuery, BookingSearch
from mobility.domain.rides import BookingState

router = APIRouter()

STATE_GROUPS = {"active": (BookingState.CONFIRMED, BookingState.STARTED)}


@router.get("/bookings", summary="Search the bookings (control room)")
def search_bookings(  # noqa: PLR0917 - one query parameter each
    services: ServicesDep,
    user: StaffUser,
    q: Annotated[str, Query(max_length=100, description="name, phone, booking number, stop or vehicle")] = "",
    day: Annotated[Day | None, Query(description="local service day of the pickup (YYYY-MM-DD)")] = None,
    state: Annotated[list[str] | None, Query(description="TOMP states, or 'active' (confirmed or started)")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> BookingSearchPublic:
    """Bookings matching every word of ``q``: rides still to come first (next pickup on top), then rides under way or
    overdue, then the rest (latest first); ``total`` counts every match."""
    states: list[BookingState] = []
    for name in state or ():
        if name in STATE_GROUPS:
            states.extend(STATE_GROUPS[name])
            continue
        try:
            states.append(BookingState(name.upper()))
        except ValueError:
            raise invalid("unknown_state", f"Unbekannter Status „{name}“ (möglich: active, "
                          + ", ".join(s.value for s in BookingState) + ").", field="state") from None
    zone = ZoneInfo(services.config.timezone)
    now = services.ctx.clock.now()
    found = BookingSearch(services.ctx, services.config.timezone).find(
        BookingQuery(q=q.strip(), day=day, states=tuple(states), page=page, page_size=page_size), now)
    services.privacy.record_access(user.id, user.role, "bookings.search", [i.row for i in found.items])
    return BookingSearchPublic(items=[DispatchBookingPublic.found(i) for i in found.items], total=found.total,
                               page=found.page, page_size=found.page_size, pages=found.pages, now=local(now),
                               today=now.astimezone(zone).date())


def _details(services: ServicesDep, views: list[ProblemView]) -> list[ProblemDetailPublic]:
    names = {v.id: v.name for v in services.ctx.dispatcher.vehicles()}
    stops = {s.id: s.name for s in services.ctx.stops.stops()}
    now = services.ctx.clock.now()
    return [ProblemDetailPublic.of(v, names, now, stops) for v in views]


def _desk(services: ServicesDep) -> ProblemDesk:
    return ProblemDesk(services.ctx, services.bookings)


@router.get("/problems", summary="Problems to act on")
def problems(services: ServicesDep, include_resolved: bool = False) -> list[ProblemDetailPublic]:
    """Open problems (or all), the earliest pickup first, each with rider, phone, pickup time, route and reason."""
    return _details(services, _desk(services).problems(open_only=not include_resolved))


@router.post("/problems/{problem_id}/called", summary="The rider was phoned")
def problem_called(problem_id: Annotated[RowId, Path()], user: StaffUser, services: ServicesDep,
                   body: Annotated[CalledAction | None, Body()] = None) -> ProblemDetailPublic:
    """Record the call (with an optional note) and resolve the problem."""
    view = _desk(services).called(problem_id, user.id, body.note if body else None)
    return _details(services, [view])[0]


@router.post("/problems/{problem_id}/rebook", summary="Book the ride again")
def problem_rebook(problem_id: Annotated[RowId, Path()], body: RebookAction, user: StaffUser,
                   services: ServicesDep) -> dict[str, object]:
    """On a vehicle (or any) with the promised window, or at a new ``departure``; 409 when no vehicle can take it,
    422 with the nearest possible times when the new time does not fit."""
    done = _desk(services).rebook(problem_id, user.id, vehicle_id=body.vehicle_id,
                                  departure=aware(body.departure))
    names = {v.id: v.name for v in services.ctx.dispatcher.vehicles()}
    booking = DispatchBookingPublic.with_rider(done.booking, done.view.rider_name, done.view.rider_phone,
                                               done.view.rider_kind, names.get(done.booking.vehicle_id))
    return {"problem": _details(services, [done.view])[0], "booking": booking}


@router.post("/problems/{problem_id}/cancel", summary="Call the ride off with a message to the rider")
def problem_cancel(problem_id: Annotated[RowId, Path()], body: CancelAction, user: StaffUser,
                   services: ServicesDep) -> ProblemDetailPublic:
    """The booking is cancelled if it still holds; the rider gets ``message`` by their channel and on the page."""
    return _details(services, [_desk(services).cancel(problem_id, user.id, body.message)])[0]


@router.post("/problems/{problem_id}/resolve", summary="Mark a problem as handled")
def resolve_problem(problem_id: Annotated[RowId, Path()], services: ServicesDep) -> ProblemDetailPublic:
    """The dispatcher has taken care of it otherwise."""
    services.operations.resolve_problem(problem_id)
    return _details(services, [_desk(services).get(problem_id)])[0]


def _outages(services: ServicesDep) -> Outages:
    return Outages(services.ctx, services.operations)


@router.post("/vehicles/{vehicle_id}/out-of-service", summary="Take a vehicle out of service (until a time)")
def out_of_service(vehicle_id: str, user: StaffUser, services: ServicesDep,
                   body: Annotated[OutOfService | None, Body()] = None) -> ServiceChangePublic:
    """Its rides are re-planned onto other vehicles; those no vehicle can take become problems. With ``until`` the
    vehicle comes back by itself at that time and its lost rides are put back where they still fit."""
    until = aware(body.until) if body else None
    lost = _outages(services).take_out(vehicle_id, user.id, until=until, reason=body.reason if body else None)
    return ServiceChangePublic(vehicle_id=vehicle_id, in_service=False, until=until and local(until),
                               lost_bookings=lost)


@router.post("/vehicles/{vehicle_id}/in-service", summary="Put a vehicle back into service")
def in_service(vehicle_id: str, user: StaffUser, services: ServicesDep) -> ServiceChangePublic:
    """The vehicle takes rides again; the rides it lost while out are booked again where they still fit."""
    back = _outages(services).bring_back(vehicle_id, user.id)
    return ServiceChangePublic(vehicle_id=vehicle_id, in_service=True, lost_bookings=[], put_back=back.put_back,
                               still_lost=back.still_lost)
