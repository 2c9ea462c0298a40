"""Stops (autocomplete), network facts and map layers — public, no sign-in needed."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field

from booking.api.deps import ServicesDep
from booking.api.schemas import StopPublic
from booking.service.bookings import stop_of
from booking.service.stop_search import stop_index

router = APIRouter(tags=["stops"])
GEOJSON = "application/geo+json"


class StopHit(StopPublic):
    """A stop found by a search and how it matched the query."""

    match: Literal["central", "exact", "prefix", "partial", "typo"] = Field(
        description="central: the central stop (ZOB, Markt, Bahnhof …) of the town typed; exact: every typed word "
                    "is a word of the stop; prefix, partial, typo: looser matches")
    locality: str = Field(description="the town or village the stop belongs to")


@router.get("/stops", summary="Find stops by name")
def find_stops(
    services: ServicesDep,
    q: Annotated[str, Query(max_length=100, description="part of the name, a town or village (typos allowed)")] = "",
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
) -> list[StopHit]:
    """Stops matching every word of ``q`` (umlauts and ß in any spelling, small typos); a town's central stop first
    (``Egeln`` → ``ZOB, Egeln``), then the closest matches. Without ``q``: every stop by name."""
    hits = stop_index(services.ctx.stops).search(q, limit)
    return [StopHit(**StopPublic.of(h.stop).model_dump(), match=h.match,
                    locality=h.locality) for h in hits]


@router.get("/stops/{stop_id}", summary="One stop")
def get_stop(stop_id: str, services: ServicesDep) -> StopPublic:
    """The stop with ``stop_id``."""
    return StopPublic.of(stop_of(services.ctx, stop_id))


@router.get("/network/info", summary="Facts about the road network")
def network_info(services: ServicesDep) -> dict[str, Any]:
    """Source (approximate or OSM), size and extent of the network the offers are computed on."""
    info = dict(services.network.info())
    info.setdefault("source", services.ctx.stops.network_source)
    info["network_source"] = services.ctx.stops.network_source
    return info


@router.get("/network/roads.geojson", summary="Road lines for a map without tiles")
def roads(services: ServicesDep, zoom: Annotated[int | None, Query(
        ge=0, le=22, description="map zoom level: minor roads are left out and lines simplified at small scales "
                                 "(default: every road, full detail)")] = None) -> JSONResponse:
    """Road lines as GeoJSON, simplified for the zoom level; empty (``approximate: true``) on the approximate
    network, whose straight links between stops are no roads."""
    return JSONResponse(services.network.roads_geojson(zoom), media_type=GEOJSON)


@router.get("/service-area.geojson", summary="The service area")
def service_area(services: ServicesDep) -> JSONResponse:
    """The service area as GeoJSON."""
    return JSONResponse(services.network.service_area_geojson(), media_type=GEOJSON)
