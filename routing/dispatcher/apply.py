"""Which handler applies which event to the live state; a refused event changes nothing."""

from __future__ import annotations

from collections.abc import Callable

from mobility.domain.events import Event, EventType
from routing.dispatcher import duty_events, events
from routing.dispatcher.events import EventContext, EventError
from routing.dispatcher.state import PlanState

Handler = Callable[[PlanState, Event, EventContext], list[str]]

HANDLERS: dict[EventType, Handler] = {
    EventType.VEHICLE_ARRIVED: events.arrived,
    EventType.PASSENGER_BOARDED: events.boarded,
    EventType.PASSENGER_NO_SHOW: events.no_show,
    EventType.PASSENGER_DROPPED_OFF: events.dropped_off,
    EventType.VEHICLE_OUT_OF_SERVICE: events.out_of_service,
    EventType.VEHICLE_IN_SERVICE: events.in_service,
    EventType.DUTY_STARTED: duty_events.duty_started,
    EventType.DUTY_ENDED: duty_events.duty_ended,
    EventType.BREAK_STARTED: duty_events.break_started,
    EventType.BREAK_ENDED: duty_events.break_ended,
}


def apply_event(state: PlanState, event: Event, ctx: EventContext) -> list[str]:
    """Apply ``event``; return ids of bookings that can no longer be kept because of it.

    Handlers check before they change; the one change a check may precede — a duty begun implicitly by the event — is
    taken back when the event is refused."""
    handler = HANDLERS.get(event.type)
    if handler is None:
        return []
    began = dict(state.duty_began)
    try:
        lost = handler(state, event, ctx)
    except EventError:
        for key in set(state.duty_began) - set(began):
            del state.duty_began[key]
            state.touch(key)
        raise
    state.bump("event", f"{event.type}:{event.booking_id or event.vehicle_id}", event.at)
    return lost
