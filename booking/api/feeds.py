"""Public feeds: the planned trips as GeoJSON and GTFS-Realtime TripUpdates, the service as GTFS-Flex."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from booking.api.deps import ServicesDep
from booking.feeds.geojson import plan_feature_collection
from booking.feeds.gtfs_flex import Agency, flex_files, flex_zip
from booking.feeds.gtfs_rt import as_json, trip_updates

router = APIRouter(prefix="/feeds", tags=["feeds"])


@router.get("/trips.geojson", summary="Planned trips as GeoJSON")
def trips(services: ServicesDep) -> JSONResponse:
    """Tours along the roads with stop times and loads, without personal data."""
    ctx = services.ctx
    body = plan_feature_collection(ctx.dispatcher.plan(), ctx.dispatcher.vehicles(), services.legs, personal=False)
    return JSONResponse(body, media_type="application/geo+json")


@router.get("/gtfs-rt/trip-updates", summary="GTFS-Realtime TripUpdates", response_model=None)
def gtfs_rt(
    services: ServicesDep, format: Annotated[Literal["pb", "json"], Query()] = "pb"
) -> Response:
    """Protobuf FeedMessage (``?format=json`` for reading it)."""
    ctx = services.ctx
    feed = trip_updates(ctx.dispatcher.plan(), ctx.dispatcher.vehicles(), ctx.clock.now())
    if format == "json":
        return JSONResponse(as_json(feed))
    return Response(feed.SerializeToString(), media_type="application/x-protobuf")


@router.get("/gtfs-flex.zip", summary="The on-demand service as static GTFS-Flex", response_class=Response)
def gtfs_flex(request: Request, services: ServicesDep) -> Response:
    """A zone-based demand-responsive GTFS feed: service area, service hours per booking period, booking rules,
    the virtual stops; valid for a year from today."""
    ctx, config = services.ctx, services.config
    today = ctx.clock.now().astimezone(ZoneInfo(config.timezone)).date()
    agency = Agency(timezone=config.timezone, booking_url=str(request.base_url))
    files = flex_files(config.booking_rules, services.network.service_area_geojson(), ctx.stops.stops(),
                       agency=agency, start=today)
    return Response(flex_zip(files), media_type="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="rufbus-salzlandkreis-gtfs-flex.zip"'})
