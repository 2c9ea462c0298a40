"""Drivers: their manifest and their events (arrived, boarded, no-show, dropped off)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from booking.api.deps import DriverUser, ServicesDep
from booking.api.live import sse_response
from booking.api.schemas import BookingPublic
from booking.service.bus import Message
from booking.service.operations import DriverReport, require_driver_vehicle
from booking.service.views import manifest

router = APIRouter(prefix="/driver", tags=["driver"])


class DriverEventCreate(BaseModel):
    """What happened at a stop."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["arrived", "boarded", "no_show", "dropped_off"]
    booking_id: str | None = Field(default=None, max_length=64)
    stop_id: str | None = Field(default=None, max_length=64)


class DriverEventPublic(BaseModel):
    """The recorded event and the booking it changed."""

    type: str
    vehicle_id: str
    booking: BookingPublic | None = None


@router.get("/manifest", summary="My next stops")
def get_manifest(user: DriverUser, services: ServicesDep) -> dict[str, Any]:
    """Next stops of the driver's vehicle: who boards, who alights, party size and needs."""
    return manifest(services.ctx, require_driver_vehicle(user.vehicle_id))


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
    """Record an event of the driver's vehicle; the plan and the booking follow."""
    vehicle_id = require_driver_vehicle(user.vehicle_id)
    row = services.operations.driver_event(vehicle_id, DriverReport(body.type, body.booking_id, body.stop_id), user.id)
    return DriverEventPublic(type=body.type, vehicle_id=vehicle_id, booking=BookingPublic.of(row) if row else None)
