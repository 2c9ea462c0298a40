"""Vehicle positions: the driver's device reports, the dispatcher sees each vehicle's last position and its age."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from booking.api.deps import DriverUser, ServicesDep, require_roles
from booking.api.schemas import local
from booking.service.operations import require_driver_vehicle
from booking.service.positions import PositionFix, PositionService

driver_router = APIRouter(prefix="/driver", tags=["driver"])
dispatch_router = APIRouter(prefix="/dispatch", tags=["dispatch"], dependencies=[Depends(require_roles("dispatcher"))])
routers = (driver_router, dispatch_router)


class PositionCreate(BaseModel):
    """The device position (WGS84); the time is the server's."""

    model_config = ConfigDict(extra="forbid", strict=True)

    lon: float = Field(ge=-180, le=180, allow_inf_nan=False, description="longitude (degrees)")
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False, description="latitude (degrees)")
    accuracy_m: float | None = Field(default=None, ge=0, le=10_000, allow_inf_nan=False,
                                     description="radius of 68 % confidence (metres)")
    speed_mps: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False,
                                    description="speed over ground (metres per second)")
    heading_deg: float | None = Field(default=None, ge=0, lt=360, allow_inf_nan=False,
                                      description="direction of travel, clockwise from true north (degrees)")


class PositionAccepted(BaseModel):
    """The stored position's vehicle and server time."""

    vehicle_id: str
    at: datetime


class PositionPublic(BaseModel):
    """A vehicle's last position and how old it is."""

    vehicle_id: str
    lon: float
    lat: float
    at: datetime
    age_s: int
    accuracy_m: float | None = None
    speed_mps: float | None = None
    heading_deg: float | None = None


@driver_router.post("/position", status_code=status.HTTP_202_ACCEPTED, summary="Report my vehicle's position")
def post_position(body: PositionCreate, user: DriverUser, services: ServicesDep) -> PositionAccepted:
    """Store the device position of the driver's vehicle (every 15–30 s while on duty, with the driver's consent).

    422 (German problem+json, nothing stored) outside the service area or for a jump no vehicle can make."""
    vehicle_id = require_driver_vehicle(user.vehicle_id)
    fix = PositionFix(body.lon, body.lat, body.accuracy_m, body.speed_mps, body.heading_deg)
    position = PositionService(services.ctx).record(vehicle_id, fix)
    return PositionAccepted(vehicle_id=vehicle_id, at=local(position.at))


@dispatch_router.get("/positions", summary="Last position of every vehicle")
def positions(services: ServicesDep) -> list[PositionPublic]:
    """Each vehicle's last stored position (within the retention period) with its age in seconds."""
    return [PositionPublic(vehicle_id=a.position.vehicle_id, lon=a.position.point.lon, lat=a.position.point.lat,
                           at=local(a.position.at), age_s=a.age_s, accuracy_m=a.position.accuracy_m,
                           speed_mps=a.position.speed_mps, heading_deg=a.position.heading_deg)
            for a in PositionService(services.ctx).latest()]
