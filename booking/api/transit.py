"""Rail connections: the trains at a Rufbus stop and offers that meet one (``/api/v1/transit/…``, docs/transit.md).

The routes use the booking API's accounts and tokens; the transit service is kept in ``app.state.transit``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from booking.api.bounds import Day, Moment
from booking.api.deps import API_PREFIX, CurrentUser, Principal, require_roles
from booking.api.rides import place
from booking.api.schemas import LocationIn, OfferPublic, aware, local
from booking.service.errors import invalid
from booking.service.transit import ConnectionRef, Party, TransitService
from mobility.domain.transit import Connection, Direction

router = APIRouter(prefix="/transit", tags=["transit"])
Rider = Annotated[Principal, Depends(require_roles("resident", "dispatcher"))]


def mount_transit(app: FastAPI, service: TransitService) -> None:
    """Add the transit routes to ``app``."""
    app.state.transit = service
    app.include_router(router, prefix=API_PREFIX)


def _service(request: Request) -> TransitService:
    service: TransitService = request.app.state.transit
    return service


TransitDep = Annotated[TransitService, Depends(_service)]


class ConnectionRefIn(BaseModel):
    """A train chosen from ``GET /transit/connections``: its trip and stop on a service day, and the direction."""

    model_config = ConfigDict(extra="forbid")

    feed: str = Field(min_length=1, max_length=64)
    trip_id: str = Field(min_length=1, max_length=200)
    stop_sequence: int = Field(ge=0, le=2**31 - 1, strict=True)
    service_date: Day
    direction: Direction

    def ref(self) -> ConnectionRef:
        return ConnectionRef(self.feed, self.trip_id, self.stop_sequence, self.service_date, self.direction)


class ConnectionPublic(BaseModel):
    """A train at a station near a Rufbus stop, with what a ride to (or from) it promises."""

    feed: str
    trip_id: str
    stop_sequence: int
    service_date: date
    direction: Direction
    line: str
    headsign: str
    station: str
    transit_stop_id: str
    rail: bool
    train_time: datetime = Field(description="scheduled departure (to_train) or arrival (from_train)")
    ride_time: datetime = Field(description="latest arrival at the station (to_train) or earliest pickup there")
    label: str = Field(description="German, e.g. 'Anschluss an RE 13 12:04, Bernburg Hbf'")
    promise: str = Field(description="German: what the offer promises")

    @classmethod
    def of(cls, c: Connection) -> ConnectionPublic:
        call = c.call
        return cls(feed=call.feed, trip_id=call.trip_id, stop_sequence=call.stop_sequence,
                   service_date=call.service_date, direction=c.direction, line=call.line, headsign=call.headsign,
                   station=call.station, transit_stop_id=call.stop_id, rail=call.is_rail,
                   train_time=local(c.train_time), ride_time=local(c.ride_time), label=c.label(),
                   promise=c.promise())


class ConnectionOfferCreate(BaseModel):
    """A ride to a train (``station_stop_id`` is the destination) or from one (it is the pickup)."""

    model_config = ConfigDict(extra="forbid")

    station_stop_id: str = Field(min_length=1, max_length=64, description="the Rufbus stop at the station")
    place: LocationIn = Field(description="where the ride starts (to_train) or ends (from_train)")
    connection: ConnectionRefIn
    passengers: int = Field(default=1, ge=1, le=20, strict=True)
    wheelchairs: int = Field(default=0, ge=0, le=10, strict=True)
    strollers: int = Field(default=0, ge=0, le=10, strict=True)


class ConnectionOfferPublic(BaseModel):
    """A held offer and the connection it keeps."""

    offer: OfferPublic
    connection: ConnectionPublic


@router.get("/connections", summary="Trains at the station of a stop")
def connections(
    service: TransitDep,
    stop_id: Annotated[str, Query(min_length=1, max_length=64, description="a Rufbus stop")],
    direction: Annotated[Direction, Query(description="to_train: departures; from_train: arrivals")] =
        Direction.TO_TRAIN,
    time: Annotated[Moment | None, Query(description="from (ISO 8601; default now)")] = None,
) -> list[ConnectionPublic]:
    """Departures (or arrivals) at the stations near the stop in the next hours, with German labels."""
    at = aware(time) or service.ctx.clock.now()
    return [ConnectionPublic.of(c) for c in service.connections(stop_id, at, direction)]


@router.post("/offers", status_code=status.HTTP_201_CREATED, summary="Ask for an offer that meets a train")
def create_offer(body: ConnectionOfferCreate, user: Rider, service: TransitDep) -> ConnectionOfferPublic:
    """An offer that arrives by the train's departure minus the transfer time, or picks up after its arrival;
    book it with ``POST /bookings`` like any offer."""
    party = Party(body.passengers, body.wheelchairs, body.strollers)
    if body.wheelchairs > body.passengers:
        raise invalid("invalid_request", "wheelchairs darf nicht größer als passengers sein.", field="wheelchairs")
    offer, connection = service.quote(user.id, body.station_stop_id, place(body.place), body.connection.ref(), party)
    return ConnectionOfferPublic(offer=OfferPublic.of(offer), connection=ConnectionPublic.of(connection))


class BookingConnectionPublic(BaseModel):
    """Which train one of the caller's bookings meets (as labelled when it was booked)."""

    booking_id: str
    direction: Direction
    label: str


@router.get("/bookings/connections", summary="The trains my bookings meet")
def my_booking_connections(user: CurrentUser, service: TransitDep) -> list[BookingConnectionPublic]:
    """The caller's bookings that were made for a train, with the train's German label (newest first)."""
    return [BookingConnectionPublic(booking_id=b, direction=Direction(d), label=label)
            for b, d, label in service.labels_of_bookings(user.id)]


@router.get("/bookings/{booking_id}/connection", summary="The train a booking meets")
def booking_connection(booking_id: str, user: CurrentUser, service: TransitDep) -> ConnectionPublic:
    """The connection a booking was made for (404 if it was booked without one)."""
    connection = service.of_booking(booking_id, None if user.is_staff else user.id)
    return ConnectionPublic.of(connection)
