"""Shapes of the control-room API (``…Create``/``…Action`` in, ``…Public`` out); times in Europe/Berlin."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from booking.api.bounds import Day, Moment
from booking.api.schemas import BookingPublic, WindowPublic, local
from booking.service.problem_desk import ProblemView
from booking.service.search import FoundBooking
from booking.store.models import BookingRow
from mobility.domain.rides import TimeWindow

ACTION_DE = {"called": "angerufen", "rebooked": "neu gebucht", "cancelled": "abgesagt mit Nachricht",
             "put_back": "wieder eingeplant (Fahrzeug zurück)"}


class DispatchBookingPublic(BookingPublic):
    """A booking as the control room lists it: with the rider's name and phone and the vehicle's name."""

    rider_name: str | None = Field(description="caller's name (phone booking) or the account's display name")
    rider_phone: str | None
    rider_kind: str = Field(description="phone (booked by the Leitstelle for a caller) or app")
    vehicle_name: str | None
    pickup_stop_name: str
    dropoff_stop_name: str

    @classmethod
    def found(cls, item: FoundBooking) -> DispatchBookingPublic:
        return cls.with_rider(item.row, item.rider_name, item.rider_phone, item.rider_kind, item.vehicle_name)

    @classmethod
    def with_rider(cls, row: BookingRow, name: str | None, phone: str | None, kind: str,
                   vehicle_name: str | None) -> DispatchBookingPublic:
        base = BookingPublic.of(row)
        return cls(**base.model_dump(), rider_name=name, rider_phone=phone, rider_kind=kind,
                   vehicle_name=vehicle_name, pickup_stop_name=base.pickup_stop.name,
                   dropoff_stop_name=base.dropoff_stop.name)


class BookingSearchPublic(BaseModel):
    """One page of the booking search and how many match in all (``total``): nothing is cut off silently."""

    items: list[DispatchBookingPublic]
    total: int
    page: int
    page_size: int
    pages: int
    now: datetime
    today: date


class ProblemActionPublic(BaseModel):
    """What was done about a problem."""

    action: str
    label: str
    at: datetime
    actor_name: str | None
    note: str | None
    booking_id: str | None


class ProblemDetailPublic(BaseModel):
    """A problem with everything needed to act: rider, phone, pickup time, route, reason."""

    id: int
    booking_id: str
    vehicle_id: str | None
    vehicle_name: str | None
    reason: str
    created_at: datetime
    resolved_at: datetime | None
    rider_name: str | None
    rider_phone: str | None
    rider_kind: str = Field(description="phone or app")
    booking_state: str | None
    pickup_window: WindowPublic | None
    planned_pickup: datetime | None
    pickup_stop_name: str | None
    dropoff_stop_name: str | None
    passengers: int | None
    wheelchairs: int | None
    pickup_passed: bool = Field(description="the promised pickup window is over: only another time can help")
    actions: list[ProblemActionPublic]

    @classmethod
    def of(cls, view: ProblemView, vehicle_names: dict[str, str], now: datetime,
           stop_name: dict[str, str]) -> ProblemDetailPublic:
        p, b = view.problem, view.booking
        return cls(
            id=p.id, booking_id=p.booking_id, vehicle_id=p.vehicle_id,
            vehicle_name=vehicle_names.get(p.vehicle_id or "", p.vehicle_id), reason=p.reason,
            created_at=local(p.created_at), resolved_at=p.resolved_at and local(p.resolved_at),
            rider_name=view.rider_name, rider_phone=view.rider_phone,
            rider_kind=view.rider_kind, booking_state=b.state if b else None,
            pickup_window=WindowPublic.of(TimeWindow(b.pickup_earliest, b.pickup_latest)) if b else None,
            planned_pickup=local(b.planned_pickup) if b else None,
            pickup_stop_name=stop_name.get(b.pickup_stop_id, b.pickup_stop_id) if b else None,
            dropoff_stop_name=stop_name.get(b.dropoff_stop_id, b.dropoff_stop_id) if b else None,
            passengers=b.passengers if b else None, wheelchairs=b.wheelchairs if b else None,
            pickup_passed=b is not None and b.pickup_latest <= now,
            actions=[ProblemActionPublic(action=a.action, label=ACTION_DE.get(a.action, a.action), at=local(a.at),
                                         actor_name=view.actor_names.get(a.actor, "Leitstelle" if a.actor == "system"
                                                                         else None),
                                         note=a.note, booking_id=a.booking_id) for a in view.actions],
        )


class CalledAction(BaseModel):
    """The dispatcher phoned the rider."""

    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=500)


class RebookAction(BaseModel):
    """Book the ride again: on a vehicle (same promise; empty: any vehicle) or at another time."""

    model_config = ConfigDict(extra="forbid")

    vehicle_id: str | None = Field(default=None, min_length=1, max_length=64)
    departure: Moment | None = Field(default=None, description="new earliest pickup (ISO 8601)")


class CancelAction(BaseModel):
    """The ride does not take place; ``message`` is sent to the rider."""

    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, max_length=500)


class OutOfService(BaseModel):
    """Out of service until ``until`` (empty: until further notice), with an optional reason."""

    model_config = ConfigDict(extra="forbid")

    until: Moment | None = None
    reason: str | None = Field(default=None, max_length=200)


class ServiceChangePublic(BaseModel):
    """Result of taking a vehicle out of / into service."""

    vehicle_id: str
    in_service: bool
    until: datetime | None = None
    lost_bookings: list[str] = Field(description="rides no other vehicle could take (problems now)")
    put_back: dict[str, str] = Field(default_factory=dict,
                                     description="rides booked again on return: old booking id → new booking id")
    still_lost: list[str] = Field(default_factory=list, description="lost rides that still fit no vehicle")


class StandingOrderCreate(BaseModel):
    """A recurring ride of a regular caller."""

    model_config = ConfigDict(extra="forbid")

    caller_name: str = Field(min_length=1, max_length=120)
    caller_phone: str = Field(min_length=3, max_length=40, pattern=r"^[0-9+()/ \-]+$")
    origin_stop_id: str = Field(min_length=1, max_length=64)
    destination_stop_id: str = Field(min_length=1, max_length=64)
    weekdays: list[int] = Field(min_length=1, max_length=7, description="ISO weekdays: 1 = Monday … 7 = Sunday")
    time: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="local time HH:MM")
    time_kind: Literal["departure", "arrival"] = "departure"
    passengers: int = Field(default=1, ge=1, le=20)
    wheelchairs: int = Field(default=0, ge=0, le=10)
    strollers: int = Field(default=0, ge=0, le=10)
    first_day: Day | None = Field(default=None, description="default: today")
    last_day: Day | None = None
    note: str | None = Field(default=None, max_length=300)

    @model_validator(mode="after")
    def _days(self) -> StandingOrderCreate:
        if any(not 1 <= d <= 7 for d in self.weekdays):
            msg = "weekdays: nur 1 (Montag) bis 7 (Sonntag)"
            raise ValueError(msg)
        return self


class StandingRunPublic(BaseModel):
    """What a run booked for a standing order on one day."""

    day: date
    outcome: str = Field(description="booked or refused")
    booking_id: str | None
    detail: str | None
    at: datetime


class StandingOrderPublic(BaseModel):
    """A standing order with its latest runs."""

    id: str
    caller_name: str
    caller_phone: str | None
    origin_stop_id: str
    origin_name: str
    destination_stop_id: str
    destination_name: str
    weekdays: list[int]
    weekdays_label: str
    time: str
    time_kind: str = Field(description="departure or arrival")
    passengers: int
    wheelchairs: int
    strollers: int
    first_day: date
    last_day: date | None
    note: str | None
    active: bool
    runs: list[StandingRunPublic]
