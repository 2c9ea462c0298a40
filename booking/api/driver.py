"""Drivers: the manifest of their current duty and their events (duty, breaks, arrived, boarded, no-show, dropped off).

The position endpoint (``POST /driver/position``) lives in its own router.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from booking.api.deps import DriverUser, ServicesDep
from booking.api.live import sse_response
from booking.api.schemas import BookingPublic, LonLat, aware
from booking.service.bus import Message
from booking.service.driver_replay import recorded
from booking.service.errors import conflict
from booking.service.manifest import duty_label, manifest
from booking.service.operations import DriverReport, require_driver_vehicle
from booking.store.bookings import get_booking_row

router = APIRouter(prefix="/driver", tags=["driver"])

EventKind = Literal["arrived", "boarded", "no_show", "dropped_off", "duty_begin", "duty_end", "break_begin",
                    "break_end"]
DutyAction = Literal["duty_begin", "duty_end", "break_begin", "break_end"]


class DriverEventCreate(BaseModel):
    """What happened: at a stop (``arrived``, ``boarded``, ``no_show``, ``dropped_off``) or to the duty
    (``duty_begin``, ``duty_end``, ``break_begin``, ``break_end``)."""

    model_config = ConfigDict(extra="forbid")

    type: EventKind
    booking_id: str | None = Field(default=None, min_length=1, max_length=64)
    stop_id: str | None = Field(default=None, min_length=1, max_length=64)
    duty_id: str | None = Field(default=None, min_length=1, max_length=80,
                                description="the duty the driver sees; refused (409) when it is no longer current")
    at: datetime | None = Field(default=None, description="when it happened, for an event sent late (queued while "
                                "offline): at most 2 h ago and not in the future, else 422; default: now")
    event_id: str | None = Field(default=None, min_length=8, max_length=80, pattern=r"^[A-Za-z0-9._:-]+$",
                                 description="the phone's key for this event: sent again, it is not applied twice "
                                             "(the answer says replayed)")


class WindowOut(BaseModel):
    """The promised pickup window."""

    earliest: datetime
    latest: datetime


class RiderOut(BaseModel):
    """A party boarding or alighting: a person's name and phone, party size and needs, the promised window."""

    booking_id: str
    name: str
    phone: str | None
    passengers: int
    wheelchairs: int
    strollers: int
    state: str
    window: WindowOut
    no_show_from: datetime | None = Field(description="from when a no-show may be reported (pickups only)")


class BreakOut(BaseModel):
    """A planned break."""

    planned_start: datetime
    planned_end: datetime
    minutes: int
    begin_from: datetime = Field(description="the earliest time the break can be begun")


class LoadOut(BaseModel):
    """What is on board after the stop."""

    seats: int
    wheelchairs: int
    strollers: int


class ManifestStop(BaseModel):
    """One stop of the duty ahead (consecutive visits at one stop together) or a break (``kind`` ``break``)."""

    model_config = ConfigDict(populate_by_name=True)

    stop_id: str
    name: str = Field(description="the stop's name; 'Pause' for a break")
    place: str = Field(description="the stop's name (where a break is taken)")
    coordinates: LonLat
    kind: Literal["stop", "break"]
    planned_arrival: datetime
    planned_departure: datetime
    status: Literal["planned", "arrived", "done"]
    overdue: bool = Field(description="the planned departure passed (with a few minutes' grace) without an event")
    break_: BreakOut | None = Field(alias="break")
    board: list[RiderOut]
    alight: list[RiderOut]
    load_after: LoadOut


class DepotOut(BaseModel):
    """Where the duty begins and ends."""

    stop_id: str
    name: str


class DutyOut(BaseModel):
    """The driver's current duty: one vehicle, one shift, one service day."""

    id: str
    day: date
    start: datetime
    end: datetime
    status: Literal["planned", "under_way", "ended"]
    began_at: datetime | None
    ended_at: datetime | None
    on_break_since: datetime | None
    begin_from: datetime = Field(description="the earliest time the duty can be begun")
    end_from: datetime = Field(description="the earliest time the driver can end the duty (once no ride is left)")
    in_service: bool
    depot: DepotOut
    label: str = Field(description="German line with the date, e.g. 'Dienstbeginn 05:30, Mo 7.12.'")


class ManifestOut(BaseModel):
    """The manifest of the driver's current duty: the stops not yet done and the duty actions possible now."""

    vehicle_id: str
    vehicle_name: str
    plan_version: int
    now: datetime
    duty: DutyOut | None
    actions: list[DutyAction]
    stops: list[ManifestStop]
    overdue: int


class DriverEventPublic(BaseModel):
    """The recorded event, the booking it changed and the manifest after it."""

    type: str
    vehicle_id: str
    booking: BookingPublic | None = None
    manifest: ManifestOut
    replayed: bool = Field(default=False, description="the event_id was recorded before: nothing applied again")


@router.get("/manifest", summary="My current duty")
def get_manifest(user: DriverUser, services: ServicesDep) -> ManifestOut:
    """The driver's current duty (its date and state), its stops not yet done with who boards and alights, party
    size and needs, breaks, what is overdue and the duty actions possible now. The clock closes the past first
    (a break over by its planned end, a duty over with nothing left)."""
    services.operations.advance_clock()
    return ManifestOut.model_validate(manifest(services.ctx, require_driver_vehicle(user.vehicle_id)))


@router.get("/stream", summary="Live updates for my vehicle (Server-Sent Events)")
async def stream(
    request: Request,
    user: DriverUser,
    services: ServicesDep,
    max_events: Annotated[int | None, Query(ge=1, le=10_000, description="close after this many events")] = None,
) -> StreamingResponse:
    """``plan_changed`` (when the vehicle's tour changed), ``booking_changed``, ``vehicle_changed`` and ``problem``
    of the driver's vehicle, as they happen: the manifest page reloads at once instead of polling."""
    vehicle_id = require_driver_vehicle(user.vehicle_id)

    def mine(message: Message) -> bool:
        data = message.data
        return vehicle_id in data.get("vehicles", ()) or data.get("vehicle_id") == vehicle_id

    return sse_response(request, services.ctx.bus, {"vehicle_id": vehicle_id}, keep=mine, max_events=max_events)


@router.post("/events", summary="Report what happened")
def post_event(body: DriverEventCreate, user: DriverUser, services: ServicesDep) -> DriverEventPublic:
    """Record an event of the driver's vehicle; the plan and the booking follow. Answers with the updated manifest.
    An event that cannot be true (too early, out of order, another vehicle's booking) is refused and changes
    nothing. With ``duty_id`` (as the page sends it) an event from a stale screen — the duty ended meanwhile, on
    another device — is refused instead of applying to the next duty."""
    vehicle_id = require_driver_vehicle(user.vehicle_id)
    report = DriverReport(body.type, body.booking_id, body.stop_id, at=aware(body.at), event_id=body.event_id)
    with services.ctx.plan_lock:  # the duty checked is the duty the event applies to
        seen, booking = _recorded(services, vehicle_id, body.event_id)
        if seen:
            return DriverEventPublic(type=body.type, vehicle_id=vehicle_id, booking=booking, replayed=True,
                                     manifest=ManifestOut.model_validate(manifest(services.ctx, vehicle_id)))
        if body.duty_id is not None:
            _require_current_duty(services, vehicle_id, body.duty_id)
        row = services.operations.driver_event(vehicle_id, report, user.id)
    return DriverEventPublic(type=body.type, vehicle_id=vehicle_id, booking=BookingPublic.of(row) if row else None,
                             manifest=ManifestOut.model_validate(manifest(services.ctx, vehicle_id)))


def _recorded(services: ServicesDep, vehicle_id: str, event_id: str | None) -> tuple[bool, BookingPublic | None]:
    """Whether an event with this key is in the vehicle's log already (sent again: queued on the phone, its answer
    lost), and the booking it changed."""
    if event_id is None:
        return False, None
    with services.ctx.read_session() as session:
        row = recorded(session, vehicle_id, event_id, services.ctx.clock.now())
        if row is None:
            return False, None
        booking = get_booking_row(session, row.booking_id) if row.booking_id else None
        return True, BookingPublic.of(booking) if booking is not None else None


def _require_current_duty(services: ServicesDep, vehicle_id: str, duty_id: str) -> None:
    ctx = services.ctx
    services.operations.advance_clock()
    current = ctx.dispatcher.plan().current_duty(vehicle_id, ctx.clock.now())
    if current is None or current.id != duty_id:
        shown = f" Jetzt gilt: {duty_label(current)}" if current is not None else ""
        raise conflict("duty_not_current", "Dieser Dienst ist nicht mehr aktuell (schon beendet, etwa auf einem "
                       f"anderen Gerät); nichts wurde geändert.{shown}", duty_id=duty_id)
