"""``/poolcars`` (self-drive pool cars) and ``/gbfs`` (GBFS 3.0 feed; 3.1 under ``/gbfs/v3.1``), same conventions
as the booking API.

Wiring: ``mount_poolcars(app, PoolCarApi(service, desk, accounts, secret_key))`` adds both routers under
``/api/v1`` and keeps the pool-car services in ``app.state.poolcars``. Bearer tokens are the booking API's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordBearer

from booking.api.bounds import Moment
from booking.api.poolcars_schemas import (
    BreakdownPublic,
    CarAvailability,
    CarCreate,
    CarOccupancy,
    CarPublic,
    CarUpdate,
    EndChange,
    OfferPublic,
    OfferWish,
    PeriodPublic,
    ReservationCreate,
    ReservationPublic,
    StationIn,
    StationPublic,
)
from booking.api.schemas import aware
from booking.gbfs.feed import GBFS_3_1, GBFS_VERSION
from booking.service.accounts import AccountService
from booking.service.errors import ServiceError, forbidden, invalid
from booking.service.keys import KeyRing
from booking.service.poolcar_admin import CarChange, PoolCarDesk
from booking.service.poolcars import Caller, PoolCarService, PoolCarWish
from booking.service.security import decode_token
from mobility.domain.geo import Point
from mobility.domain.poolcars import Station, StationKind

API_PREFIX = "/api/v1"
router = APIRouter(prefix="/poolcars", tags=["poolcars"])
gbfs_router = APIRouter(prefix="/gbfs", tags=["gbfs"])
_bearer = OAuth2PasswordBearer(tokenUrl=f"{API_PREFIX}/auth/token", auto_error=False)


@dataclass
class PoolCarApi:
    """What the pool-car routes need; kept in ``app.state.poolcars``."""

    service: PoolCarService
    desk: PoolCarDesk
    accounts: AccountService
    secret_key: KeyRing | str  # the booking API's signing keys


@dataclass(frozen=True, slots=True)
class User:
    """The authenticated caller."""

    id: str
    role: str

    @property
    def caller(self) -> Caller:
        return Caller(self.id, staff=self.role in ("dispatcher", "admin"))


def mount_poolcars(app: FastAPI, api: PoolCarApi) -> None:
    """Add the pool-car and GBFS routers to ``app``."""
    app.state.poolcars = api
    app.include_router(router, prefix=API_PREFIX)
    app.include_router(gbfs_router, prefix=API_PREFIX)


def _api(request: Request) -> PoolCarApi:
    api: PoolCarApi = request.app.state.poolcars
    return api


Api = Annotated[PoolCarApi, Depends(_api)]


def _user(api: Api, token: Annotated[str | None, Depends(_bearer)]) -> User:
    if not token:
        raise ServiceError(401, "unauthorized", "Nicht angemeldet", "Bitte melden Sie sich an (Bearer-Token fehlt).")
    claims = decode_token(api.secret_key, token)
    account = None if claims is None else api.accounts.principal(claims.user_id, claims.session_id, claims.version)
    if account is None:
        raise ServiceError(
            401,
            "unauthorized",
            "Nicht angemeldet",
            "Das Anmelde-Token ist ungültig oder abgelaufen. Bitte erneut anmelden.",
        )
    return User(account.id, account.role)


def _roles(*roles: str) -> Any:
    def check(user: Annotated[User, Depends(_user)]) -> User:
        if user.role not in roles and user.role != "admin":
            raise forbidden(f"Diese Funktion ist nur für die Rolle(n) {', '.join(roles)} freigegeben.")
        return user

    return Depends(check)


AnyUser = Annotated[User, Depends(_user)]
Person = Annotated[User, _roles("resident", "dispatcher")]
Staff = Annotated[User, _roles("dispatcher")]
Admin = Annotated[User, _roles("admin")]
Window = tuple[datetime, datetime]


def _aware(t: datetime) -> datetime:
    """A naive input time is read as Europe/Berlin (as in the booking API)."""
    out = aware(t)
    return t if out is None else out


def _window(start: Annotated[Moment, Query(alias="from")], end: Annotated[Moment, Query(alias="to")]) -> Window:
    return _aware(start), _aware(end)


WindowDep = Annotated[Window, Depends(_window)]


# ---- stations, cars, availability ------------------------------------------------------------------------------
@router.get("/stations", summary="Pool-car stations")
def stations(api: Api) -> list[StationPublic]:
    """Every active station with its coordinates ``[lon, lat]`` and parking capacity."""
    return [StationPublic.of(s) for s in api.desk.stations()]


@router.get("/cars", summary="Pool cars")
def cars(api: Api) -> list[CarPublic]:
    """Every car with its type, seats, wheelchair access, range and calendar."""
    return [CarPublic.of(c, t) for c, t in api.desk.car_rows()]


@router.get("/availability", summary="Free periods of cars")
def availability(
    api: Api,
    _user: AnyUser,
    window: WindowDep,
    station_id: Annotated[str | None, Query(max_length=64)] = None,
    car_id: Annotated[str | None, Query(max_length=64)] = None,
) -> list[CarAvailability]:
    """Per car (of a station, or one car) the free periods in ``[from, to)``: calendar minus reservations+buffer."""
    rows = api.desk.availability(window[0], window[1], station_id=station_id, car_id=car_id)
    return [CarAvailability(car_id=c, free=[PeriodPublic.of(s) for s in free]) for c, free in rows]


# ---- offers and reservations -------------------------------------------------------------------------------
@router.post("/offers", status_code=status.HTTP_201_CREATED, summary="Ask for pool-car offers")
def offers(body: OfferWish, user: Person, api: Api) -> list[OfferPublic]:
    """Concrete offers (car, station, slot), best first; 422 problem with a German reason when none fits."""
    start, end = _aware(body.start), _aware(body.end)
    point = None
    if body.coordinates is not None:
        try:
            point = Point(*body.coordinates)
        except ValueError as exc:
            raise invalid("invalid_coordinates", f"Ungültige Koordinaten: {exc}", field="coordinates") from None
    wish = PoolCarWish(
        start=start,
        end=end,
        station_id=body.station_id,
        point=point,
        walk_radius_m=body.walk_radius_m,
        flex_min=body.flex_min,
        car_type_id=body.car_type_id,
        seats=body.seats,
        wheelchair=body.wheelchair,
        distance_km=body.distance_km,
    )
    return [OfferPublic.of(o) for o in api.service.offers(user.caller, wish)]


@router.post("/reservations", status_code=status.HTTP_201_CREATED, summary="Confirm an offer")
def reserve(
    body: ReservationCreate,
    user: Person,
    api: Api,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> ReservationPublic:
    """Reserve the offered car; a retry with the same ``Idempotency-Key`` returns the same reservation."""
    row, created = api.service.reserve(user.caller, body.offer_id, idempotency_key, booked_by=user.id)
    response.headers["Location"] = f"{API_PREFIX}/poolcars/reservations/{row.id}"
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return ReservationPublic.of(row)


@router.get("/reservations", summary="My reservations (staff: all)")
def reservations(
    user: AnyUser, api: Api, state: Annotated[list[str] | None, Query()] = None
) -> list[ReservationPublic]:
    """Residents see their own reservations; dispatchers and admins see all."""
    return [ReservationPublic.of(r) for r in api.service.reservations(user.caller, state)]


@router.get("/reservations/{reservation_id}", summary="One reservation")
def reservation(reservation_id: str, user: AnyUser, api: Api) -> ReservationPublic:
    """A reservation (residents: only their own)."""
    return ReservationPublic.of(api.service.reservation(user.caller, reservation_id))


@router.post("/reservations/{reservation_id}/extend", summary="Extend a reservation")
def extend(reservation_id: str, body: EndChange, user: AnyUser, api: Api) -> ReservationPublic:
    """Move the end later; 409 when the car is reserved right after."""
    current = api.service.reservation(user.caller, reservation_id)
    end = _aware(body.end)
    if end <= current.end_at:
        raise invalid("not_an_extension", "Zum Verlängern muss das neue Ende nach dem bisherigen liegen.", field="end")
    return ReservationPublic.of(api.service.change_end(user.caller, reservation_id, end))


@router.post("/reservations/{reservation_id}/shorten", summary="Shorten a reservation")
def shorten(reservation_id: str, body: EndChange, user: AnyUser, api: Api) -> ReservationPublic:
    """Move the end earlier (not before now or the start)."""
    current = api.service.reservation(user.caller, reservation_id)
    end = _aware(body.end)
    if end >= current.end_at:
        raise invalid("not_a_shortening", "Zum Verkürzen muss das neue Ende vor dem bisherigen liegen.", field="end")
    return ReservationPublic.of(api.service.change_end(user.caller, reservation_id, end))


@router.post("/reservations/{reservation_id}/pickup", summary="The car was picked up")
def pickup(reservation_id: str, user: AnyUser, api: Api) -> ReservationPublic:
    """Start the trip (from 15 minutes before the start until the grace period ends)."""
    return ReservationPublic.of(api.service.pick_up(user.caller, reservation_id))


@router.post("/reservations/{reservation_id}/return", summary="The car is back")
def return_car(reservation_id: str, user: AnyUser, api: Api) -> ReservationPublic:
    """Finish the trip; an early return frees the rest of the slot for others."""
    return ReservationPublic.of(api.service.return_car(user.caller, reservation_id))


@router.post("/reservations/{reservation_id}/cancel", summary="Cancel a reservation")
def cancel(reservation_id: str, user: AnyUser, api: Api) -> ReservationPublic:
    """Cancel before pick-up."""
    return ReservationPublic.of(api.service.cancel(user.caller, reservation_id))


# ---- dispatcher and admin ----------------------------------------------------------------------------------
@router.get("/occupancy", summary="Occupancy calendar (dispatcher)")
def occupancy(_staff: Staff, api: Api, window: WindowDep) -> list[CarOccupancy]:
    """Per car, every reservation overlapping ``[from, to)``."""
    types = {c.id: t for c, t in api.desk.car_rows()}
    return [
        CarOccupancy(car=CarPublic.of(c, types[c.id]), reservations=[ReservationPublic.of(r) for r in rs])
        for c, rs in api.desk.occupancy(*window)
    ]


@router.post("/cars/{car_id}/out-of-service", summary="Car broke down (dispatcher)")
def out_of_service(car_id: str, _staff: Staff, api: Api) -> BreakdownPublic:
    """Take the car out of service; its pending reservations move to same-type cars at the station or are reported."""
    report = api.desk.out_of_service(car_id)
    return BreakdownPublic(car_id=report.car_id, moved=report.moved, unkept=report.unkept)


@router.post("/cars/{car_id}/in-service", summary="Car is back in service (dispatcher)")
def in_service(car_id: str, _staff: Staff, api: Api) -> CarPublic:
    """Put the car back into service."""
    api.desk.in_service(car_id)
    return next(CarPublic.of(c, t) for c, t in api.desk.car_rows() if c.id == car_id)


@router.post("/cars", status_code=status.HTTP_201_CREATED, summary="Add a car (admin)")
def add_car(body: CarCreate, _admin: Admin, api: Api) -> CarPublic:
    """Add a car to a station."""
    api.desk.add_car(
        body.id,
        body.name,
        type_id=body.type_id,
        station_id=body.station_id,
        plate=body.plate,
        availability=body.availability,
    )
    return next(CarPublic.of(c, t) for c, t in api.desk.car_rows() if c.id == body.id)


@router.patch("/cars/{car_id}", summary="Change a car (admin)")
def change_car(car_id: str, body: CarUpdate, _admin: Admin, api: Api) -> CarPublic:
    """Change name, home station, plate, calendar or current range."""
    rng = None if body.current_range_km is None else body.current_range_km * 1000
    api.desk.change_car(car_id, CarChange(body.name, body.station_id, body.plate, body.availability, rng))
    return next(CarPublic.of(c, t) for c, t in api.desk.car_rows() if c.id == car_id)


@router.put("/stations/{station_id}", summary="Create or replace a station (admin)")
def put_station(station_id: str, body: StationIn, _admin: Admin, api: Api) -> StationPublic:
    """Create or replace a station at ``coordinates`` ``[lon, lat]``."""
    try:
        station = Station(
            station_id,
            body.name,
            body.municipality,
            Point(*body.coordinates),
            StationKind(body.kind),
            body.capacity,
            body.stop_id,
            body.address,
        )
    except ValueError as exc:
        raise invalid("invalid_station", f"Ungültige Station: {exc}", field="coordinates") from None
    return StationPublic.of(api.desk.save_station(station, body.active))


# ---- GBFS 3.0 and 3.1 ------------------------------------------------------------------------------------------
def _gbfs_bases(request: Request) -> dict[str, str]:
    return {GBFS_VERSION: str(request.url_for("gbfs_file", name="gbfs")).removesuffix("/gbfs.json"),
            GBFS_3_1: str(request.url_for("gbfs_3_1_file", name="gbfs")).removesuffix("/gbfs.json")}


@gbfs_router.get("/{name}.json", summary="GBFS 3.0 file")
def gbfs_file(name: str, request: Request, api: Api) -> JSONResponse:
    """``gbfs``, ``system_information``, ``vehicle_types``, ``station_information``, ``station_status``,
    ``vehicle_status``."""
    return JSONResponse(api.desk.gbfs(name, _gbfs_bases(request)))


@gbfs_router.get("/v3.1/{name}.json", summary="GBFS 3.1 file (release candidate 3)")
def gbfs_3_1_file(name: str, request: Request, api: Api) -> JSONResponse:
    """The 3.0 files as 3.1-RC3 (stations with ``city``), ``gbfs_versions`` (3.0 and 3.1-RC3) and
    ``vehicle_availability``: when each car can still be reserved, from the reservations."""
    return JSONResponse(api.desk.gbfs(name, _gbfs_bases(request), GBFS_3_1))
