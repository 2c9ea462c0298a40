"""Offers and bookings: held offers, bookings with their TOMP state, idempotent creation, problems."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from booking.store.codec import StopResolver, offer_from_dict, offer_to_dict
from booking.store.models import BookingRow, OfferRow, ProblemRow
from booking.store.types import point_wkt
from mobility.domain.rides import Booking, BookingState, Offer

ACTIVE_STATES = (BookingState.CONFIRMED, BookingState.STARTED)


def save_offer(session: Session, offer: Offer, now: datetime) -> None:
    """Store an offer made to its request's customer (one Core INSERT: this is on every quote's path)."""
    session.execute(sa.insert(OfferRow), [{
        "id": offer.id,
        "customer_id": offer.request.customer_id,
        "created_at": now,
        "valid_until": offer.valid_until,
        "payload": offer_to_dict(offer),
    }])


def get_offer(session: Session, offer_id: str, resolve: StopResolver | None = None) -> Offer | None:
    """The stored offer with ``offer_id``."""
    row = session.get(OfferRow, offer_id)
    return None if row is None else offer_from_dict(row.payload, resolve)


def new_booking_row(
    offer: Offer,
    *,
    booking_id: str,
    state: BookingState,
    now: datetime,
    idempotency_key: str | None = None,
    booked_by: str | None = None,
    caller_name: str | None = None,
    caller_phone: str | None = None,
) -> BookingRow:
    """A booking row for ``offer`` (not yet added to a session)."""
    request = offer.request
    return BookingRow(
        id=booking_id,
        customer_id=request.customer_id,
        offer_id=offer.id,
        idempotency_key=idempotency_key,
        state=str(state),
        vehicle_id=offer.vehicle_id,
        pickup_stop_id=offer.pickup_stop.id,
        dropoff_stop_id=offer.dropoff_stop.id,
        pickup_earliest=offer.pickup_window.earliest,
        pickup_latest=offer.pickup_window.latest,
        planned_pickup=offer.planned_pickup,
        planned_dropoff=offer.planned_dropoff,
        latest_arrival=offer.latest_arrival,
        passengers=request.passengers,
        wheelchairs=request.wheelchairs,
        strollers=request.strollers,
        price_cents=offer.price_cents,
        booked_by=booked_by,
        caller_name=caller_name,
        caller_phone=caller_phone,
        created_at=now,
        updated_at=now,
        payload=offer_to_dict(offer),
        origin_geom=point_wkt(request.origin.lon, request.origin.lat),
        destination_geom=point_wkt(request.destination.lon, request.destination.lat),
    )


def update_offer(row: BookingRow, offer: Offer, now: datetime) -> None:
    """Write a re-planned offer (new vehicle, times) into the booking row."""
    row.vehicle_id = offer.vehicle_id
    row.planned_pickup = offer.planned_pickup
    row.planned_dropoff = offer.planned_dropoff
    row.payload = offer_to_dict(offer)
    row.updated_at = now


def new_booking_id() -> str:
    """A fresh booking id."""
    return str(uuid.uuid4())


def get_booking_row(session: Session, booking_id: str, *, for_update: bool = False) -> BookingRow | None:
    """The booking row with ``booking_id`` (locked for update on PostgreSQL when asked)."""
    stmt = sa.select(BookingRow).where(BookingRow.id == booking_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def find_by_idempotency_key(session: Session, customer_id: str, key: str) -> BookingRow | None:
    """The booking a customer already made with this Idempotency-Key."""
    stmt = sa.select(BookingRow).where(BookingRow.customer_id == customer_id, BookingRow.idempotency_key == key)
    return session.scalars(stmt).first()


def find_by_offer(session: Session, offer_id: str) -> BookingRow | None:
    """The booking made from ``offer_id``."""
    return session.scalars(sa.select(BookingRow).where(BookingRow.offer_id == offer_id)).first()


def list_booking_rows(
    session: Session,
    *,
    customer_id: str | None = None,
    vehicle_id: str | None = None,
    states: Sequence[BookingState] = (),
    since: datetime | None = None,
    limit: int = 500,
) -> list[BookingRow]:
    """Bookings, newest pickup first, filtered by customer, vehicle, states and pickup time."""
    stmt = sa.select(BookingRow).order_by(BookingRow.planned_pickup.desc(), BookingRow.id)
    if customer_id is not None:
        stmt = stmt.where(BookingRow.customer_id == customer_id)
    if vehicle_id is not None:
        stmt = stmt.where(BookingRow.vehicle_id == vehicle_id)
    if states:
        stmt = stmt.where(BookingRow.state.in_([str(s) for s in states]))
    if since is not None:
        stmt = stmt.where(BookingRow.planned_pickup >= since)
    return list(session.scalars(stmt.limit(limit)))


def row_to_booking(row: BookingRow, resolve: StopResolver | None = None) -> Booking:
    """The domain booking of a row."""
    return Booking(
        id=row.id,
        customer_id=row.customer_id,
        offer=offer_from_dict(row.payload, resolve),
        state=BookingState(row.state),
        created_at=row.created_at,
        updated_at=row.updated_at,
        booked_by=row.booked_by,
    )


def add_problem(session: Session, booking_id: str, vehicle_id: str | None, reason: str, now: datetime) -> ProblemRow:
    """Report a booking the plan could not keep."""
    row = ProblemRow(booking_id=booking_id, vehicle_id=vehicle_id, reason=reason, created_at=now)
    session.add(row)
    return row


def list_problems(session: Session, *, open_only: bool = True) -> list[ProblemRow]:
    """Reported problems, newest first."""
    stmt = sa.select(ProblemRow).order_by(ProblemRow.id.desc())
    if open_only:
        stmt = stmt.where(ProblemRow.resolved_at.is_(None))
    return list(session.scalars(stmt))
