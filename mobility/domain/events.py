"""Events of the append-only log from which the live plan can be rebuilt after a restart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class EventType(StrEnum):
    """Stable event type names as stored in the log."""

    BOOKING_CREATED = "booking_created"
    BOOKING_CONFIRMED = "booking_confirmed"
    BOOKING_CANCELLED = "booking_cancelled"
    BOOKING_REJECTED = "booking_rejected"
    VEHICLE_ARRIVED = "vehicle_arrived"
    PASSENGER_BOARDED = "passenger_boarded"
    PASSENGER_NO_SHOW = "passenger_no_show"
    PASSENGER_DROPPED_OFF = "passenger_dropped_off"
    VEHICLE_OUT_OF_SERVICE = "vehicle_out_of_service"
    VEHICLE_IN_SERVICE = "vehicle_in_service"
    PLAN_REPLACED = "plan_replaced"
    DUTY_STARTED = "duty_started"
    DUTY_ENDED = "duty_ended"
    BREAK_STARTED = "break_started"
    BREAK_ENDED = "break_ended"


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of the event log; ``data`` holds JSON-compatible details."""

    type: EventType
    at: datetime
    booking_id: str | None = None
    vehicle_id: str | None = None
    actor: str | None = None
    data: tuple[tuple[str, str], ...] = ()
