"""Resident use cases: ask for offers, book one (idempotently, atomically), see, cancel, follow the vehicle."""

from __future__ import annotations

import dataclasses
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from booking.service.bookable import with_nearest_times
from booking.service.context import ServiceContext
from booking.service.errors import ServiceError, conflict, invalid, not_found
from booking.service.inflight import Ticket
from booking.service.wording import day_time
from booking.store import bookings as store
from booking.store.codec import offer_from_dict, offer_json
from booking.store.events import append_event
from booking.store.models import BookingRow, OfferRow
from mobility.domain.eventlog import confirmed_data
from mobility.domain.events import Event, EventType
from mobility.domain.geo import Point, haversine_m
from mobility.domain.rides import (
    BookingState,
    InvalidTransition,
    NoOffer,
    Offer,
    RejectionReason,
    RideRequest,
    transition,
)
from mobility.domain.stops import Stop

log = logging.getLogger(__name__)

PAST_TOLERANCE = timedelta(minutes=2)
SAME_PLACE_M = 50.0


@dataclass(frozen=True, slots=True)
class Place:
    """Where a ride starts or ends: a stop id or a WGS84 position."""

    stop_id: str | None = None
    point: Point | None = None


@dataclass(frozen=True, slots=True)
class RideWish:
    """What a resident (or a dispatcher on the phone) asks for."""

    origin: Place
    destination: Place
    departure: datetime | None = None
    arrival: datetime | None = None
    passengers: int = 1
    wheelchairs: int = 0
    strollers: int = 0


@dataclass(frozen=True, slots=True)
class Caller:
    """Who books: the customer, and for phone bookings the dispatcher and the caller's name and phone."""

    customer_id: str
    booked_by: str | None = None
    caller_name: str | None = None
    caller_phone: str | None = None


def no_offer_error(result: NoOffer) -> ServiceError:
    """The 422 problem for a request no vehicle can take."""
    return invalid(
        str(result.reason),
        result.message,
        reason=str(result.reason),
        alternatives=[t.isoformat() for t in result.alternatives],
    )


class BookingService:
    """Offers and bookings of residents."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # -- offers -------------------------------------------------------------------------------------------------
    def quote(self, customer_id: str, wish: RideWish) -> Offer:
        """The best offer for ``wish`` (stored and held), or a 422 ServiceError with reason and alternatives."""
        now = self.ctx.clock.now()
        request = self._request(customer_id, wish, now)
        result = self.ctx.dispatcher.quote(request, now)
        if isinstance(result, NoOffer):
            self.ctx.pending.add_event(Event(EventType.BOOKING_REJECTED, now, actor=customer_id,
                                             data=(("reason", str(result.reason)),)))
            self.ctx.plan_changed()
            raise no_offer_error(with_nearest_times(result, self.ctx.dispatcher, self.ctx.options.booking_rules, now))
        self.ctx.pending.add_offer(result, now)
        self.ctx.plan_changed()
        return result

    def _request(self, customer_id: str, wish: RideWish, now: datetime) -> RideRequest:
        origin, origin_stop = self._locate(wish.origin, "origin")
        destination, destination_stop = self._locate(wish.destination, "destination")
        same_stop = origin_stop is not None and origin_stop == destination_stop
        if same_stop or haversine_m(origin, destination) < SAME_PLACE_M:
            raise invalid(str(RejectionReason.SAME_ORIGIN_DESTINATION),
                          "Start und Ziel sind gleich – bitte ein anderes Ziel wählen.",
                          reason=str(RejectionReason.SAME_ORIGIN_DESTINATION))
        requested = wish.departure or wish.arrival
        if requested is not None and requested < now - PAST_TOLERANCE:
            raise invalid(str(RejectionReason.IN_THE_PAST),
                          f"Der gewünschte Zeitpunkt ({day_time(requested, self.ctx.options.booking_rules.timezone)})"
                          " liegt in der Vergangenheit.",
                          reason=str(RejectionReason.IN_THE_PAST))
        try:
            return RideRequest(
                id=str(uuid.uuid4()), customer_id=customer_id, origin=origin, destination=destination,
                submitted_at=now, departure=wish.departure, arrival=wish.arrival, passengers=wish.passengers,
                wheelchairs=wish.wheelchairs, strollers=wish.strollers,
                origin_stop_id=origin_stop, destination_stop_id=destination_stop,
            )
        except ValueError as exc:
            raise invalid("invalid_request", f"Ungültige Anfrage: {exc}") from exc

    def _locate(self, place: Place, field_name: str) -> tuple[Point, str | None]:
        label = "Start" if field_name == "origin" else "Ziel"
        if place.stop_id is not None:
            stop = self.ctx.resolve_stop(place.stop_id)
            if stop is None:
                raise ServiceError(404, "unknown_stop", "Haltestelle unbekannt",
                                   f"{label}: Die Haltestelle „{place.stop_id}“ gibt es nicht.", field=field_name)
            return stop.point, stop.id
        assert place.point is not None
        if not self.ctx.stops.in_service_area(place.point):
            raise invalid(str(RejectionReason.OUTSIDE_SERVICE_AREA),
                          f"{label} ({place.point.lon:.5f}, {place.point.lat:.5f}) liegt außerhalb des "
                          "Bediengebiets Salzlandkreis.", reason=str(RejectionReason.OUTSIDE_SERVICE_AREA),
                          field=field_name)
        return place.point, None

    # -- bookings -----------------------------------------------------------------------------------------------
    def book(self, caller: Caller, offer_id: str, idempotency_key: str | None) -> tuple[BookingRow, bool]:
        """Confirm a held offer; returns the booking and whether it was created now (False: idempotent retry).

        Raises 409 with a fresh offer (``fresh_offer``) when the seat was taken in the meantime. The store is read
        (idempotent retry, offer, already booked) before the plan lock; under the lock only the bookings of this
        process in flight or committed since are checked (in memory), then the dispatcher confirms. The booking
        is committed after the lock (``ctx.in_flight`` until then); a failed commit cancels it in the plan again.
        The unique constraints on (customer, key) and on the offer stay the last word.
        """
        now = self.ctx.clock.now()
        try:
            return self._book(caller, offer_id, idempotency_key, now)
        except _SeatGone as gone:
            fresh = self._fresh_offer(gone.offer, now)
        raise conflict("seat_taken", "Der angebotene Platz ist inzwischen vergeben." +
                       (" Ein neues Angebot liegt bei." if fresh else " Es gibt derzeit kein neues Angebot."),
                       fresh_offer_id=fresh.id if fresh else None, fresh_offer=fresh)

    def _book(self, caller: Caller, offer_id: str, key: str | None, now: datetime) -> tuple[BookingRow, bool]:
        in_flight = self.ctx.in_flight
        for attempt in range(2):
            found = self._precheck(caller, offer_id, key, now)
            if isinstance(found, BookingRow):
                return found, False
            with self.ctx.plan_lock:
                busy = found is None or (attempt == 0 and in_flight.seen(caller.customer_id, offer_id, key))
                if not busy:
                    assert found is not None
                    confirmed = self._confirm_locked(caller, found, key, now)
            if not busy:
                return self._commit(caller, key, now, confirmed)
            # not found (a retry in flight may hold the offer) or booked meanwhile: wait for it, read the store again
            in_flight.wait_settled(caller.customer_id, offer_id, key)
        raise not_found("Angebot", offer_id)

    def _precheck(self, caller: Caller, offer_id: str, key: str | None, now: datetime) -> BookingRow | Offer | None:
        """Outside the plan lock: the booking of an idempotent retry, or the offer that may be booked (``None``:
        not found, or taken out of the write-behind by a booking still in flight)."""
        with self.ctx.pending.flush_lock:  # a batch being written is committed (and visible) once this is free
            pending = self.ctx.pending.offer(offer_id)
        with self.ctx.read_session() as session:
            existing = self._idempotent_hit(session, caller, offer_id, key)
            if existing is not None:
                return existing
            return self._bookable_offer(session, caller, offer_id, now, pending, key=key)

    def _confirm_locked(self, caller: Caller, offer: Offer, key: str | None, now: datetime) -> _Confirmed:
        """Under the plan lock: register the booking in flight and confirm it in the dispatcher (no database)."""
        # An offer the write-behind has not stored yet is taken out of the batch and stored with the booking.
        # Taken outside any connection: a batch being written finishes (and commits) first.
        with self.ctx.pending.flush_lock:
            taken = self.ctx.pending.take_offer(offer.id)
        booking = _Confirmed(offer, offer, store.new_booking_id(), self.ctx.in_flight.start(
            caller.customer_id, offer.id, key), taken[1] if taken is not None else None)
        try:
            result = self.ctx.dispatcher.confirm(offer, booking.booking_id, now)
        except BaseException:
            self._undo(booking, now, planned=False)
            raise
        if isinstance(result, NoOffer):
            self._undo(booking, now, planned=False)
            raise _SeatGone(offer)
        return dataclasses.replace(booking, result=result)

    def _commit(self, caller: Caller, key: str | None, now: datetime, booking: _Confirmed) -> tuple[BookingRow, bool]:
        """After the plan lock: store the confirmed booking (its offer too if not stored yet) and its events."""
        try:
            with self.ctx.sessions() as session:
                try:
                    if booking.pending_row is not None:
                        session.execute(sa.insert(OfferRow), [booking.pending_row])
                    row = store.new_booking_row(booking.result, booking_id=booking.booking_id,
                                                state=BookingState.CONFIRMED, now=now, idempotency_key=key,
                                                booked_by=caller.booked_by, caller_name=caller.caller_name,
                                                caller_phone=caller.caller_phone)
                    row.offer_id = booking.offer.id
                    session.add(row)
                    actor = caller.booked_by or caller.customer_id
                    append_event(session, Event(EventType.BOOKING_CREATED, now, booking.booking_id,
                                                booking.result.vehicle_id, actor=actor))
                    append_event(session, Event(  # the promise itself: the plan can be rebuilt from the log
                        EventType.BOOKING_CONFIRMED, now, booking.booking_id, booking.result.vehicle_id, actor=actor,
                        data=confirmed_data(offer_json(booking.result), caller.customer_id, caller.booked_by)))
                    session.commit()
                except IntegrityError:
                    session.rollback()
                    self._undo(booking, now, planned=True)
                    hit = self._idempotent_hit(session, caller, booking.offer.id, key)
                    if hit is None:
                        raise conflict("already_booked", "Dieses Angebot wurde bereits gebucht.") from None
                    return hit, False
        except BaseException:
            self._undo(booking, now, planned=True)
            raise
        self.ctx.in_flight.finish(booking.ticket, committed=True)
        self.ctx.plan_changed()
        self.ctx.bus.publish("booking_changed", booking_id=row.id, state=row.state, vehicle_id=row.vehicle_id)
        return row, True

    def _undo(self, booking: _Confirmed, now: datetime, *, planned: bool) -> None:
        """A booking that is not committed: out of the plan again, its offer back in the write-behind (once)."""
        if not self.ctx.in_flight.finish(booking.ticket, committed=False):
            return
        if planned:
            self.ctx.dispatcher.cancel(booking.booking_id, now)
        self._give_back(booking.offer, booking.pending_row)

    def _give_back(self, offer: Offer, row: dict[str, Any] | None) -> None:
        if row is not None:
            self.ctx.pending.put_back(offer, row)

    def _idempotent_hit(self, session: Session, caller: Caller, offer_id: str, key: str | None) -> BookingRow | None:
        if key is None:
            return None
        row = store.find_by_idempotency_key(session, caller.customer_id, key)
        if row is not None and row.offer_id != offer_id:
            raise invalid("idempotency_key_reused",
                          "Dieser Idempotency-Key wurde bereits für ein anderes Angebot verwendet.",
                          booking_id=row.id)
        return row

    def _bookable_offer(self, session: Session, caller: Caller, offer_id: str, now: datetime,
                        pending: Offer | None, *, key: str | None) -> BookingRow | Offer | None:
        offer = pending or store.get_offer(session, offer_id, self.ctx.resolve_stop)
        if offer is None:
            return None
        if offer.request.customer_id != caller.customer_id:
            raise not_found("Angebot", offer_id)
        taken = store.find_by_offer(session, offer_id)
        if taken is not None and key_matches(taken, caller, key):
            return taken  # a retry with the same key committed between the key lookup and this one
        if taken is not None:
            raise conflict("already_booked", "Dieses Angebot wurde bereits gebucht.", booking_id=taken.id)
        if offer.valid_until < now:
            raise _SeatGone(offer)
        return offer

    def _fresh_offer(self, stale: Offer | None, now: datetime) -> Offer | None:
        if stale is None:
            return None
        request = dataclasses.replace(stale.request, id=str(uuid.uuid4()), submitted_at=now)
        requested = request.requested_time
        if requested < now:
            request = dataclasses.replace(request, departure=now, arrival=None)
        result = self.ctx.dispatcher.quote(request, now)
        if isinstance(result, NoOffer):
            return None
        self.ctx.pending.add_offer(result, now)
        self.ctx.plan_changed()
        return result

    def get(self, booking_id: str, customer_id: str | None) -> BookingRow:
        """A booking; with ``customer_id`` only that customer's (others are reported as not found)."""
        with self.ctx.read_session() as session:
            row = store.get_booking_row(session, booking_id)
        if row is None or (customer_id is not None and row.customer_id != customer_id):
            raise not_found("Buchung", booking_id)
        return row

    def list(
        self, customer_id: str | None, states: tuple[BookingState, ...] = (), limit: int = 200
    ) -> list[BookingRow]:
        """Bookings of a customer (or all with ``customer_id=None``)."""
        with self.ctx.read_session() as session:
            return store.list_booking_rows(session, customer_id=customer_id, states=states, limit=limit)

    def cancel(self, booking_id: str, customer_id: str | None, actor: str) -> BookingRow:
        """Cancel a booking (residents only their own); the seat goes back into the plan."""
        now = self.ctx.clock.now()
        with self.ctx.plan_lock, self.ctx.sessions() as session:
            row = store.get_booking_row(session, booking_id, for_update=True)
            if row is None or (customer_id is not None and row.customer_id != customer_id):
                raise not_found("Buchung", booking_id)
            try:
                row.state = str(transition(BookingState(row.state), BookingState.CANCELLED))
            except InvalidTransition:
                raise conflict("invalid_state", f"Eine Buchung im Zustand {row.state} kann nicht storniert werden.",
                               state=row.state) from None
            row.updated_at = now
            row.state_reason = "cancelled_by_dispatcher" if customer_id is None else "cancelled_by_customer"
            self.ctx.dispatcher.cancel(booking_id, now)
            append_event(session, Event(EventType.BOOKING_CANCELLED, now, booking_id, row.vehicle_id, actor=actor))
            try:
                session.commit()
            except BaseException:
                session.rollback()
                self._put_back(row, now)
                raise
        self.ctx.plan_changed()
        self.ctx.bus.publish("booking_changed", booking_id=row.id, state=row.state, vehicle_id=row.vehicle_id)
        return row

    def _put_back(self, row: BookingRow, now: datetime) -> None:
        offer = offer_from_dict(row.payload, self.ctx.resolve_stop)
        if isinstance(self.ctx.dispatcher.confirm(offer, row.id, now), NoOffer):
            log.error("booking %s: cancel failed to commit and the seat could not be restored", row.id)

    def eta(self, booking_id: str, customer_id: str | None) -> dict[str, object]:
        """When the vehicle is expected at the pickup (or the drop-off once aboard), from the vehicle's state: the plan
        while its duty has not begun (``basis`` planned), its last event or position once under way (live)."""
        row = self.get(booking_id, customer_id)
        now = self.ctx.clock.now()
        eta = self.ctx.dispatcher.eta(booking_id, now)
        if eta is None:
            raise conflict("not_in_plan", "Für diese Buchung ist keine Fahrt mehr geplant.", state=row.state)
        return {"booking_id": booking_id, "state": row.state, "vehicle_id": eta.vehicle_id, "duty_id": eta.duty_id,
                "target": str(eta.kind), "stop": eta.stop, "eta": eta.eta, "stops_before": eta.stops_before,
                "window": eta.window, "basis": str(eta.basis), "basis_at": eta.basis_at,
                "basis_age_s": max(0, int((now - eta.basis_at).total_seconds()))}


@dataclass(frozen=True, slots=True)
class _Confirmed:
    """A booking between the dispatcher's confirm and its commit."""

    offer: Offer  # as offered
    result: Offer  # as confirmed (possibly another vehicle and other planned times)
    booking_id: str
    ticket: Ticket
    pending_row: dict[str, Any] | None  # the offer's row when the write-behind had not stored it yet


class _SeatGone(Exception):
    """Internal: the dispatcher could not confirm the offer (seat taken or offer expired)."""

    def __init__(self, offer: Offer) -> None:
        super().__init__(offer.id)
        self.offer = offer


def stop_of(ctx: ServiceContext, stop_id: str) -> Stop:
    """The network's stop, or a 404 ServiceError."""
    stop = ctx.resolve_stop(stop_id)
    if stop is None:
        raise not_found("Haltestelle", stop_id)
    return stop


def key_matches(row: BookingRow, caller: Caller, key: str | None) -> bool:
    """Whether ``row`` is the caller's booking made with this Idempotency-Key."""
    return key is not None and row.customer_id == caller.customer_id and row.idempotency_key == key
