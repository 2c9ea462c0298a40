"""Public feeds of the planned trips: GeoJSON and GTFS-Realtime TripUpdates."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from booking.api.deps import ServicesDep
from booking.feeds.geojson import plan_feature_collection
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
