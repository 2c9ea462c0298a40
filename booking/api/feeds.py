"""Public feeds: the planned trips as GeoJSON, GTFS-Realtime TripUpdates and VehiclePositions, the service as
GTFS-Flex."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from booking.api.bounds import Day
from booking.api.deps import MaybeUser, ServicesDep
from booking.feeds.geojson import plan_feature_collection
from booking.feeds.gtfs_flex import Agency, flex_files, flex_zip
from booking.feeds.gtfs_rt import POSITION_MAX_AGE, as_json, local_day, trip_updates, vehicle_positions
from booking.service.positions import PositionService

router = APIRouter(prefix="/feeds", tags=["feeds"])


DayQuery = Annotated[Day | None, Query(description="local service day (YYYY-MM-DD); default today")]
FormatQuery = Annotated[Literal["pb", "json"], Query(description="pb: protobuf (default), json: for reading")]


@router.get("/trips.geojson", summary="Planned trips as GeoJSON")
def trips(services: ServicesDep, user: MaybeUser, day: DayQuery = None) -> JSONResponse:
    """One line per duty of the service day along the roads with the stops in order, each with a 15-minute slot;
    with a dispatcher's or admin's token the visits' exact times, windows and loads too (never names)."""
    ctx = services.ctx
    ctx.advance_clock()  # breaks and duties that are over are closed before they are published
    day = day or local_day(ctx.clock.now(), ZoneInfo(services.config.timezone))
    body = plan_feature_collection(ctx.dispatcher.plan(), ctx.dispatcher.vehicles(), services.legs, personal=False,
                                   day=day, public=user is None or not user.is_staff)
    return JSONResponse(body, media_type="application/geo+json")


def _feed(feed: Any, format: str) -> Response:
    if format == "json":
        return JSONResponse(as_json(feed))
    return Response(feed.SerializeToString(), media_type="application/x-protobuf")


@router.get("/gtfs-rt/trip-updates", summary="GTFS-Realtime TripUpdates", response_model=None)
def gtfs_rt(services: ServicesDep, format: FormatQuery = "pb") -> Response:
    """One NEW trip per duty of today and the next hours (protobuf FeedMessage; ``?format=json`` for reading it)."""
    ctx = services.ctx
    ctx.advance_clock()
    tz = ZoneInfo(services.config.timezone)
    return _feed(trip_updates(ctx.dispatcher.plan(), ctx.dispatcher.vehicles(), ctx.clock.now(), tz=tz), format)


@router.get("/gtfs-rt/vehicle-positions", summary="GTFS-Realtime VehiclePositions", response_model=None)
def gtfs_rt_positions(services: ServicesDep, format: FormatQuery = "pb") -> Response:
    """Each vehicle's last position of the last ten minutes with the trip of its current duty."""
    ctx = services.ctx
    ctx.advance_clock()
    recent = [a.position for a in PositionService(ctx).latest(max_age_s=POSITION_MAX_AGE.total_seconds())]
    feed = vehicle_positions(recent, ctx.dispatcher.plan(), ctx.dispatcher.vehicles(), ctx.clock.now(),
                             tz=ZoneInfo(services.config.timezone))
    return _feed(feed, format)


@router.get("/gtfs-flex.zip", summary="The on-demand service as static GTFS-Flex", response_class=Response)
def gtfs_flex(request: Request, services: ServicesDep) -> Response:
    """A zone-based demand-responsive GTFS feed: service area, service hours per booking period, booking rules
    with the Leitstelle's phone number and the booking page, the safe duration of a ride, the virtual stops;
    valid for a year from today (docs/feeds.md: how planners consume it)."""
    ctx, config = services.ctx, services.config
    today = ctx.clock.now().astimezone(ZoneInfo(config.timezone)).date()
    agency = Agency(timezone=config.timezone, booking_url=config.flex.public_url or str(request.base_url),
                    phone=config.control_room_phone, info_url=config.flex.info_url)
    files = flex_files(config.booking_rules, services.network.service_area_geojson(), ctx.stops.stops(),
                       agency=agency, start=today, safe=config.flex.safe)
    return Response(flex_zip(files), media_type="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="rufbus-salzlandkreis-gtfs-flex.zip"'})
