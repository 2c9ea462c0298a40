"""Folding the append-only event log back into bookings and vehicle states (pure; the store reads the rows).

The log alone is enough to rebuild the live plan after a restart: a ``booking_confirmed`` entry carries the
committed offer (its promise: windows, stops, load, vehicle) and who booked; boarding, drop-off, no-show,
cancellation and rejection move the booking on; out-of-service and back-in-service entries give the fleet's
state. The plan itself is then planned anew around those promises by the dispatcher.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from mobility.domain.events import Event, EventType
from mobility.domain.rides import Booking, BookingState, InvalidTransition, Offer, transition

# data keys of a booking_confirmed entry
OFFER_KEY = "offer"
CUSTOMER_KEY = "customer_id"
BOOKED_BY_KEY = "booked_by"

_MOVES: dict[EventType, BookingState] = {
    EventType.PASSENGER_BOARDED: BookingState.STARTED,
    EventType.PASSENGER_DROPPED_OFF: BookingState.FINISHED,
    EventType.PASSENGER_NO_SHOW: BookingState.CANCELLED,
    EventType.BOOKING_CANCELLED: BookingState.CANCELLED,
    EventType.BOOKING_REJECTED: BookingState.REJECTED,
}


@dataclass
class LogState:
    """What the log says: every booking with its latest state, vehicles out of service, and what did not fit.

    ``unreadable`` lists booking ids whose confirmation carries no offer (entries written before offers were
    logged); ``anomalies`` describes entries that contradict the state before them (kept out of the result).
    """

    bookings: dict[str, Booking] = field(default_factory=dict)
    out_of_service: set[str] = field(default_factory=set)
    entries: int = 0
    unreadable: set[str] = field(default_factory=set)
    anomalies: list[str] = field(default_factory=list)

    def active(self) -> list[Booking]:
        """Bookings to plan: confirmed, or started (rider on board), in confirmation order."""
        return [b for b in self.bookings.values() if b.state in (BookingState.CONFIRMED, BookingState.STARTED)]


def confirmed_data(offer_json: str, customer_id: str, booked_by: str | None) -> tuple[tuple[str, str], ...]:
    """The data of a ``booking_confirmed`` entry: the committed offer (as JSON text) and who booked."""
    data = [(OFFER_KEY, offer_json), (CUSTOMER_KEY, customer_id)]
    if booked_by:
        data.append((BOOKED_BY_KEY, booked_by))
    return tuple(data)


def fold_log(events: Iterable[Event], offer_of: Callable[[str], Offer]) -> LogState:
    """Replay ``events`` (in log order); ``offer_of`` decodes the offer JSON of a confirmation."""
    state = LogState()
    for event in events:
        state.entries += 1
        _apply(state, event, offer_of)
    return state


def _apply(state: LogState, event: Event, offer_of: Callable[[str], Offer]) -> None:
    if event.type is EventType.VEHICLE_OUT_OF_SERVICE and event.vehicle_id:
        state.out_of_service.add(event.vehicle_id)
    elif event.type is EventType.VEHICLE_IN_SERVICE and event.vehicle_id:
        state.out_of_service.discard(event.vehicle_id)
    elif event.type is EventType.BOOKING_CONFIRMED and event.booking_id:
        _confirm(state, event, offer_of)
    elif event.type in _MOVES and event.booking_id:
        _move(state, event, _MOVES[event.type])


def _confirm(state: LogState, event: Event, offer_of: Callable[[str], Offer]) -> None:
    assert event.booking_id is not None
    data = dict(event.data)
    if OFFER_KEY not in data:
        state.unreadable.add(event.booking_id)
        return
    if event.booking_id in state.bookings:
        state.anomalies.append(f"{event.at.isoformat()}: booking {event.booking_id} confirmed twice")
        return
    offer = offer_of(data[OFFER_KEY])
    state.bookings[event.booking_id] = Booking(
        id=event.booking_id, customer_id=data.get(CUSTOMER_KEY, offer.request.customer_id), offer=offer,
        state=BookingState.CONFIRMED, created_at=event.at, updated_at=event.at, booked_by=data.get(BOOKED_BY_KEY),
        history=((event.at, BookingState.CONFIRMED),),
    )


def _move(state: LogState, event: Event, target: BookingState) -> None:
    assert event.booking_id is not None
    booking = state.bookings.get(event.booking_id)
    if booking is None:
        if event.booking_id not in state.unreadable and event.type is not EventType.BOOKING_REJECTED:
            state.anomalies.append(f"{event.at.isoformat()}: {event.type} for unknown booking {event.booking_id}")
        return
    new_state: BookingState
    try:
        if target is BookingState.REJECTED and booking.state is BookingState.STARTED:
            new_state = target  # the plan could not keep a rider on board (vehicle broke down): reported, as stored
        else:
            new_state = transition(booking.state, target)
    except InvalidTransition:
        state.anomalies.append(f"{event.at.isoformat()}: {event.type} on booking {event.booking_id} in state "
                               f"{booking.state}")
        return
    offer = booking.offer
    if target is BookingState.STARTED and event.vehicle_id and event.vehicle_id != offer.vehicle_id:
        offer = dataclasses.replace(offer, vehicle_id=event.vehicle_id)  # boarded another vehicle than offered
    state.bookings[event.booking_id] = _moved(booking, offer, new_state, event.at)


def _moved(booking: Booking, offer: Offer, new_state: BookingState, at: datetime) -> Booking:
    return dataclasses.replace(booking, offer=offer, state=new_state, updated_at=at,
                               history=(*booking.history, (at, new_state)))
