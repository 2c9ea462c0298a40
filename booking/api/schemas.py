"""Request and response shapes of the rides API (``…Create`` in, ``…Public`` out); times in Europe/Berlin."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from booking.api.bounds import Coordinate, Moment
from booking.store.codec import offer_from_dict
from booking.store.models import BookingRow
from mobility.domain.rides import Offer, TimeWindow
from mobility.domain.stops import Stop

TZ = ZoneInfo("Europe/Berlin")
LonLat = Annotated[list[Coordinate], Field(min_length=2, max_length=2, description="[lon, lat] in WGS84")]


def local(t: datetime) -> datetime:
    """``t`` in Europe/Berlin."""
    return t.astimezone(TZ)


def aware(t: datetime | None) -> datetime | None:
    """A naive input time is read as Europe/Berlin."""
    if t is None or t.tzinfo is not None:
        return t
    return t.replace(tzinfo=TZ)


class LocationIn(BaseModel):
    """Either a stop id or GeoJSON-ordered coordinates ``[lon, lat]``."""

    model_config = ConfigDict(extra="forbid")

    stop_id: str | None = Field(default=None, min_length=1, max_length=64)
    coordinates: LonLat | None = None

    @model_validator(mode="after")
    def _one_of(self) -> LocationIn:
        if (self.stop_id is None) == (self.coordinates is None):
            msg = "genau eines von stop_id und coordinates angeben"
            raise ValueError(msg)
        if self.coordinates is not None:
            lon, lat = self.coordinates
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                msg = f"Koordinaten [{lon}, {lat}] ungültig: Reihenfolge [lon, lat], lon −180…180, lat −90…90"
                raise ValueError(msg)
        return self


class OfferCreate(BaseModel):
    """A ride request: from, to, departure or arrival, party and needs."""

    model_config = ConfigDict(extra="forbid")

    origin: LocationIn
    destination: LocationIn
    departure: Moment | None = Field(default=None, description="earliest pickup (ISO 8601)")
    arrival: Moment | None = Field(default=None, description="latest arrival (ISO 8601)")
    passengers: int = Field(default=1, ge=1, le=20, strict=True)
    wheelchairs: int = Field(default=0, ge=0, le=10, strict=True)
    strollers: int = Field(default=0, ge=0, le=10, strict=True)

    @model_validator(mode="after")
    def _time_and_party(self) -> OfferCreate:
        if (self.departure is None) == (self.arrival is None):
            msg = "genau eines von departure und arrival angeben"
            raise ValueError(msg)
        if self.wheelchairs > self.passengers:
            msg = "wheelchairs darf nicht größer als passengers sein"
            raise ValueError(msg)
        return self


class StopPublic(BaseModel):
    """A virtual stop."""

    id: str
    name: str
    municipality: str
    kind: str
    coordinates: LonLat

    @classmethod
    def of(cls, stop: Stop) -> StopPublic:
        return cls(id=stop.id, name=stop.name, municipality=stop.municipality, kind=str(stop.kind),
                   coordinates=[stop.point.lon, stop.point.lat])


class WindowPublic(BaseModel):
    """A time window."""

    earliest: datetime
    latest: datetime

    @classmethod
    def of(cls, window: TimeWindow) -> WindowPublic:
        return cls(earliest=local(window.earliest), latest=local(window.latest))


class OfferPublic(BaseModel):
    """A held offer."""

    id: str
    pickup_window: WindowPublic
    planned_pickup: datetime
    planned_dropoff: datetime
    latest_arrival: datetime
    pickup_stop: StopPublic
    dropoff_stop: StopPublic
    walk_to_pickup_m: int
    walk_from_dropoff_m: int
    vehicle_type: str
    price_cents: int
    valid_until: datetime
    network_source: str
    passengers: int
    wheelchairs: int
    strollers: int

    @classmethod
    def of(cls, offer: Offer) -> OfferPublic:
        r = offer.request
        return cls(
            id=offer.id, pickup_window=WindowPublic.of(offer.pickup_window),
            planned_pickup=local(offer.planned_pickup), planned_dropoff=local(offer.planned_dropoff),
            latest_arrival=local(offer.latest_arrival), pickup_stop=StopPublic.of(offer.pickup_stop),
            dropoff_stop=StopPublic.of(offer.dropoff_stop), walk_to_pickup_m=offer.walk_to_pickup_m,
            walk_from_dropoff_m=offer.walk_from_dropoff_m, vehicle_type=offer.vehicle_type,
            price_cents=offer.price_cents, valid_until=local(offer.valid_until),
            network_source=offer.network_source, passengers=r.passengers, wheelchairs=r.wheelchairs,
            strollers=r.strollers,
        )


class BookingCreate(BaseModel):
    """Accept an offer (send an ``Idempotency-Key`` header so a retry never books twice)."""

    model_config = ConfigDict(extra="forbid")

    offer_id: str = Field(min_length=1, max_length=64)


class BookingPublic(BaseModel):
    """A booking and its TOMP state."""

    id: str
    state: str
    state_reason: str | None
    offer_id: str
    customer_id: str
    vehicle_id: str
    vehicle_type: str
    pickup_stop: StopPublic
    dropoff_stop: StopPublic
    pickup_window: WindowPublic
    planned_pickup: datetime
    planned_dropoff: datetime
    latest_arrival: datetime
    walk_to_pickup_m: int
    walk_from_dropoff_m: int
    passengers: int
    wheelchairs: int
    strollers: int
    price_cents: int
    network_source: str
    booked_by: str | None
    caller_name: str | None
    caller_phone: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: BookingRow) -> BookingPublic:
        offer = offer_from_dict(row.payload)
        return cls(
            id=row.id, state=row.state, state_reason=row.state_reason, offer_id=row.offer_id,
            customer_id=row.customer_id, vehicle_id=row.vehicle_id, vehicle_type=offer.vehicle_type,
            pickup_stop=StopPublic.of(offer.pickup_stop), dropoff_stop=StopPublic.of(offer.dropoff_stop),
            pickup_window=WindowPublic.of(offer.pickup_window), planned_pickup=local(row.planned_pickup),
            planned_dropoff=local(row.planned_dropoff), latest_arrival=local(row.latest_arrival),
            walk_to_pickup_m=offer.walk_to_pickup_m, walk_from_dropoff_m=offer.walk_from_dropoff_m,
            passengers=row.passengers, wheelchairs=row.wheelchairs, strollers=row.strollers,
            price_cents=row.price_cents, network_source=offer.network_source, booked_by=row.booked_by,
            caller_name=row.caller_name, caller_phone=row.caller_phone, created_at=local(row.created_at),
            updated_at=local(row.updated_at),
        )


class EtaPublic(BaseModel):
    """When the vehicle is expected at the rider's pickup (or drop-off once aboard).

    ``basis`` says what the time rests on: ``planned`` (the duty has not begun: the plan's time) or ``live`` (the
    vehicle's last driver event or position, the stops before and the travel times); ``basis_at`` and
    ``basis_age_s`` say how old that fact is. A pickup is never expected before its promised window.
    """

    booking_id: str
    state: str
    vehicle_id: str
    duty_id: str
    target: Literal["pickup", "dropoff"]
    stop: StopPublic
    eta: datetime
    window: WindowPublic
    stops_before: int
    basis: Literal["planned", "live"]
    basis_at: datetime
    basis_age_s: int
    live: bool

    @classmethod
    def of(cls, data: dict[str, Any]) -> EtaPublic:
        return cls(booking_id=data["booking_id"], state=data["state"], vehicle_id=data["vehicle_id"],
                   duty_id=data["duty_id"], target=data["target"], stop=StopPublic.of(data["stop"]),
                   eta=local(data["eta"]), window=WindowPublic.of(data["window"]), stops_before=data["stops_before"],
                   basis=data["basis"], basis_at=local(data["basis_at"]), basis_age_s=data["basis_age_s"],
                   live=data["basis"] == "live")


class PhoneBookingCreate(BaseModel):
    """A dispatcher books on behalf of a caller."""

    model_config = ConfigDict(extra="forbid")

    caller_name: str = Field(min_length=1, max_length=120)
    caller_phone: str = Field(min_length=3, max_length=40, pattern=r"^[0-9+()/ \-]+$")
    request: OfferCreate


class PhoneBookingPublic(BaseModel):
    """The booking made on the phone, with the offer it took."""

    booking: BookingPublic
    offer: OfferPublic
