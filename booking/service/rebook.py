"""A lost ride booked again with its old promise: same stops, party and pickup window, on a vehicle of choice.

A lost booking is REJECTED, and REJECTED is final (TOMP): the ride comes back as a new booking made from the old
offer's promise, confirmed through the Dispatcher port (first on the vehicle asked for, else on any that fits), and
stored and logged like any booking (BOOKING_CREATED, BOOKING_CONFIRMED with the offer, so a rebuild from the log
keeps it). The old booking stays as it was; the caller links the two (a problem action).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from booking.service.context import ServiceContext
from booking.store import bookings as store
from booking.store.codec import offer_from_dict, offer_json
from booking.store.events import append_event
from booking.store.models import BookingRow
from mobility.domain.eventlog import confirmed_data
from mobility.domain.events import Event, EventType
from mobility.domain.rides import BookingState, NoOffer

HOLD = timedelta(minutes=1)  # the copied offer is valid this long: it is confirmed at once


def reconfirm(ctx: ServiceContext, old: BookingRow, *, actor: str, now: datetime, vehicle_id: str | None = None,
              also: Callable[[Session, BookingRow], None] | None = None) -> BookingRow | None:
    """Book ``old``'s promise again as a new booking (on ``vehicle_id`` if it fits there, else on any vehicle);
    ``None`` when no vehicle can keep the promise now. ``also`` runs in the same transaction with the new row."""
    offer = offer_from_dict(old.payload, ctx.resolve_stop)
    copy = dataclasses.replace(offer, id=str(uuid.uuid4()), vehicle_id=vehicle_id or offer.vehicle_id,
                               valid_until=now + HOLD)
    booking_id = store.new_booking_id()
    with ctx.plan_lock, ctx.sessions() as session:
        ctx.in_flight.wait_done()  # bookings confirmed but not yet committed hold seats this one must see
        result = ctx.dispatcher.confirm(copy, booking_id, now)
        if isinstance(result, NoOffer):
            return None
        try:
            store.save_offer(session, copy, now)
            row = store.new_booking_row(result, booking_id=booking_id, state=BookingState.CONFIRMED, now=now,
                                        booked_by=actor, caller_name=old.caller_name, caller_phone=old.caller_phone)
            session.add(row)
            append_event(session, Event(EventType.BOOKING_CREATED, now, booking_id, result.vehicle_id, actor=actor,
                                        data=(("rebooked_from", old.id),)))
            append_event(session, Event(EventType.BOOKING_CONFIRMED, now, booking_id, result.vehicle_id, actor=actor,
                                        data=confirmed_data(offer_json(result), old.customer_id, actor)))
            if also is not None:
                also(session, row)
            session.commit()
        except BaseException:
            session.rollback()
            ctx.dispatcher.cancel(booking_id, now)
            raise
    ctx.plan_changed()
    ctx.bus.publish("booking_changed", booking_id=row.id, state=row.state, vehicle_id=row.vehicle_id)
    return row
