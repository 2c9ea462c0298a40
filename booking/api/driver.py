"""Drivers: their manifest and their events (arrived, boarded, no-show, dropped off)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from booking.api.deps import DriverUser, ServicesDep
from booking.api.schemas import BookingPublic
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


@router.post("/events", summary="Report what happened")
def post_event(body: DriverEventCreate, user: DriverUser, services: ServicesDep) -> DriverEventPublic:
    """Record an event of the driver's vehicle; the plan and the booking follow."""
    vehicle_id = require_driver_vehicle(user.vehicle_id)
    row = services.operations.driver_event(vehicle_id, DriverReport(body.type, body.booking_id, body.stop_id), user.id)
    return DriverEventPublic(type=body.type, vehicle_id=vehicle_id, booking=BookingPublic.of(row) if row else None)
