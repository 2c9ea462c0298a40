"""Request and response shapes of the pool-car API (kept apart from the tables)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from booking.api.bounds import Coordinate, Moment
from booking.store.poolcars import PoolCarRow, PoolCarTypeRow, PoolOfferRow, PoolReservationRow
from mobility.domain.poolcars import Slot, Station


class StationPublic(BaseModel):
    """A station with its place."""

    id: str
    name: str
    municipality: str
    kind: str
    coordinates: tuple[float, float]  # [lon, lat]
    capacity: int
    stop_id: str
    address: str

    @classmethod
    def of(cls, s: Station) -> StationPublic:
        return cls(
            id=s.id,
            name=s.name,
            municipality=s.municipality,
            kind=str(s.kind),
            coordinates=(s.point.lon, s.point.lat),
            capacity=s.capacity,
            stop_id=s.stop_id,
            address=s.address,
        )


class StationIn(BaseModel):
    """An admin creates or replaces a station."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    municipality: str = Field(min_length=1, max_length=120)
    kind: Literal["administration", "town_centre", "rail_station"]
    coordinates: tuple[Coordinate, Coordinate]
    capacity: int = Field(ge=1, le=200, strict=True)
    stop_id: str = Field(default="", max_length=64)
    address: str = Field(default="", max_length=200)
    active: bool = Field(default=True, strict=True)


class CarPublic(BaseModel):
    """A car with its type (no reservations)."""

    id: str
    name: str
    station_id: str
    plate: str
    type_id: str
    type_name: str
    seats: int
    wheelchair_accessible: bool
    propulsion: str
    range_km: int
    availability: str
    in_service: bool

    @classmethod
    def of(cls, c: PoolCarRow, t: PoolCarTypeRow) -> CarPublic:
        rng = c.current_range_m if c.current_range_m is not None else t.max_range_m
        return cls(
            id=c.id,
            name=c.name,
            station_id=c.station_id,
            plate=c.plate,
            type_id=t.id,
            type_name=t.name,
            seats=t.seats,
            wheelchair_accessible=t.wheelchair_accessible,
            propulsion=t.propulsion,
            range_km=rng // 1000,
            availability=c.availability,
            in_service=c.in_service,
        )


class CarCreate(BaseModel):
    """An admin adds a car."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._\-]+$")
    name: str = Field(min_length=1, max_length=120)
    type_id: str = Field(min_length=1, max_length=64)
    station_id: str = Field(min_length=1, max_length=64)
    plate: str = Field(default="", max_length=20)
    availability: str = Field(default="24/7", max_length=200)


class CarUpdate(BaseModel):
    """An admin changes a car."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=120)
    station_id: str | None = Field(default=None, min_length=1, max_length=64)
    plate: str | None = Field(default=None, max_length=20)
    availability: str | None = Field(default=None, max_length=200)
    current_range_km: int | None = Field(default=None, ge=0, le=2_000, strict=True)


class OfferWish(BaseModel):
    """A person asks for a car: a slot and a place (station or ``[lon, lat]`` with a walking radius)."""

    model_config = ConfigDict(extra="forbid")

    start: Moment
    end: Moment
    station_id: str | None = Field(default=None, min_length=1, max_length=64)
    coordinates: tuple[Coordinate, Coordinate] | None = None
    walk_radius_m: int | None = Field(default=None, ge=0, le=10_000, strict=True)
    flex_min: int = Field(default=0, ge=0, le=24 * 60, strict=True)
    car_type_id: str | None = Field(default=None, max_length=64)
    seats: int = Field(default=1, ge=1, le=9, strict=True)
    wheelchair: bool = Field(default=False, strict=True)
    distance_km: int = Field(default=0, ge=0, le=2_000, strict=True)

    @model_validator(mode="after")
    def _one_place(self) -> OfferWish:
        if (self.station_id is None) == (self.coordinates is None):
            msg = "genau eines von station_id und coordinates angeben"
            raise ValueError(msg)
        return self


class OfferPublic(BaseModel):
    """A concrete offer: this car at this station for this slot, valid until ``valid_until``."""

    id: str
    car_id: str
    station_id: str
    start: datetime
    end: datetime
    walk_m: int
    shift_min: int
    moved_from_station_id: str | None
    valid_until: datetime

    @classmethod
    def of(cls, o: PoolOfferRow) -> OfferPublic:
        return cls(
            id=o.id,
            car_id=o.car_id,
            station_id=o.station_id,
            start=o.start_at,
            end=o.end_at,
            walk_m=o.walk_m,
            shift_min=o.shift_s // 60,
            moved_from_station_id=o.moved_from_station_id,
            valid_until=o.valid_until,
        )


class ReservationCreate(BaseModel):
    """Confirm an offer."""

    model_config = ConfigDict(extra="forbid")

    offer_id: str = Field(min_length=1, max_length=36)


class EndChange(BaseModel):
    """A new end for extend or shorten."""

    model_config = ConfigDict(extra="forbid")

    end: Moment


class ReservationPublic(BaseModel):
    """A reservation."""

    id: str
    customer_id: str
    car_id: str
    station_id: str
    state: str
    state_reason: str | None
    start: datetime
    end: datetime
    blocked_until: datetime
    walk_m: int
    moved_from_station_id: str | None
    created_at: datetime
    picked_up_at: datetime | None
    returned_at: datetime | None

    @classmethod
    def of(cls, r: PoolReservationRow) -> ReservationPublic:
        return cls(
            id=r.id,
            customer_id=r.customer_id,
            car_id=r.car_id,
            station_id=r.station_id,
            state=r.state,
            state_reason=r.state_reason,
            start=r.start_at,
            end=r.end_at,
            blocked_until=r.blocked_until,
            walk_m=r.walk_m,
            moved_from_station_id=r.moved_from_station_id,
            created_at=r.created_at,
            picked_up_at=r.picked_up_at,
            returned_at=r.returned_at,
        )


class PeriodPublic(BaseModel):
    """A half-open period."""

    start: datetime
    end: datetime

    @classmethod
    def of(cls, s: Slot) -> PeriodPublic:
        return cls(start=s.start, end=s.end)


class CarAvailability(BaseModel):
    """Free periods of one car."""

    car_id: str
    free: list[PeriodPublic]


class CarOccupancy(BaseModel):
    """One row of the occupancy calendar: a car and its reservations in the window."""

    car: CarPublic
    reservations: list[ReservationPublic]


class BreakdownPublic(BaseModel):
    """Result of taking a car out of service."""

    car_id: str
    moved: dict[str, str]
    unkept: list[str]
