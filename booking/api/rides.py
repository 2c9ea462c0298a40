"""Residents: offers, bookings (idempotent), own bookings, cancel, ETA."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status

from booking.api.deps import CurrentUser, Principal, ServicesDep, require_roles
from booking.api.schemas import (
    BookingCreate,
    BookingPublic,
    EtaPublic,
    LocationIn,
    OfferCreate,
    OfferPublic,
    aware,
)
from booking.service.bookings import Caller, Place, RideWish
from booking.service.errors import ServiceError
from mobility.domain.geo import Point
from mobility.domain.rides import BookingState, Offer

router = APIRouter(tags=["rides"])
Rider = Annotated[Principal, Depends(require_roles("resident", "dispatcher"))]


def place(loc: LocationIn) -> Place:
    """The service's place for an API location."""
    if loc.stop_id is not None:
        return Place(stop_id=loc.stop_id)
    assert loc.coordinates is not None
    return Place(point=Point(loc.coordinates[0], loc.coordinates[1]))


def wish(body: OfferCreate) -> RideWish:
    """The service's ride wish for an API request."""
    return RideWish(origin=place(body.origin), destination=place(body.destination), departure=aware(body.departure),
                    arrival=aware(body.arrival), passengers=body.passengers, wheelchairs=body.wheelchairs,
                    strollers=body.strollers)


def public_fresh_offer(exc: ServiceError) -> ServiceError:
    """Turn a domain offer in a 409's extras into its public shape."""
    fresh = exc.extra.get("fresh_offer")
    if isinstance(fresh, Offer):
        exc.extra["fresh_offer"] = OfferPublic.of(fresh).model_dump(mode="json")
    return exc


@router.post("/offers", status_code=status.HTTP_201_CREATED, summary="Ask for an offer")
async def create_offer(body: OfferCreate, user: Rider, services: ServicesDep) -> OfferPublic:
    """The best offer for a ride, held until ``valid_until``; 422 problem with reason and alternatives if none.

    Runs on the event loop: a quote is a few milliseconds of CPU under the GIL plus one small INSERT, so a hop to
    a worker thread would only add switching; it never waits for the plan lock or the solver.
    """
    return OfferPublic.of(services.bookings.quote(user.id, wish(body)))


@router.post("/bookings", status_code=status.HTTP_201_CREATED, summary="Accept an offer")
def create_booking(
    body: BookingCreate,
    user: Rider,
    services: ServicesDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> BookingPublic:
    """Book a held offer; a retry with the same ``Idempotency-Key`` returns the same booking, never a second."""
    try:
        row, created = services.bookings.book(Caller(user.id), body.offer_id, idempotency_key)
    except ServiceError as exc:
        raise public_fresh_offer(exc) from None
    response.headers["Location"] = f"/api/v1/bookings/{row.id}"
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return BookingPublic.of(row)


@router.get("/bookings", summary="My bookings (dispatchers: all)")
def list_bookings(
    user: CurrentUser,
    services: ServicesDep,
    state: Annotated[list[BookingState] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[BookingPublic]:
    """Residents see their own bookings; dispatchers and admins see all."""
    customer = None if user.is_staff else user.id
    rows = services.bookings.list(customer, tuple(state or ()), limit)
    if user.is_staff:  # staff reading riders' bookings is recorded (access log, docs/privacy.md)
        services.privacy.record_access(user.id, user.role, "bookings.list", rows)
    return [BookingPublic.of(r) for r in rows]


@router.get("/bookings/{booking_id}", summary="One booking")
def get_booking(booking_id: str, user: CurrentUser, services: ServicesDep) -> BookingPublic:
    """A booking (residents: only their own; staff reading it is recorded in the access log)."""
    row = services.bookings.get(booking_id, None if user.is_staff else user.id)
    if user.is_staff:
        services.privacy.record_access(user.id, user.role, "booking.read", [row])
    return BookingPublic.of(row)


@router.post("/bookings/{booking_id}/cancel", summary="Cancel a booking")
def cancel_booking(booking_id: str, user: CurrentUser, services: ServicesDep) -> BookingPublic:
    """Cancel a booking (residents: only their own); the seat goes back into the plan."""
    if user.role == "driver":
        raise ServiceError(403, "forbidden", "Keine Berechtigung", "Fahrer/innen können keine Buchungen stornieren.")
    row = services.bookings.cancel(booking_id, None if user.is_staff else user.id, user.id)
    return BookingPublic.of(row)


@router.get("/bookings/{booking_id}/eta", summary="When does the vehicle come")
def booking_eta(booking_id: str, user: CurrentUser, services: ServicesDep) -> EtaPublic:
    """Expected arrival of the vehicle at the pickup (or at the drop-off once aboard)."""
    return EtaPublic.of(services.bookings.eta(booking_id, None if user.is_staff else user.id))
