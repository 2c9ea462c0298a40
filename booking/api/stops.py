"""Stops (autocomplete), network facts and map layers — public, no sign-in needed."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from booking.api.deps import ServicesDep
from booking.api.schemas import StopPublic
from booking.service.bookings import stop_of

router = APIRouter(tags=["stops"])
GEOJSON = "application/geo+json"


def _fold(text: str) -> str:
    """Lower case without accents, ß as ss: „Staßfurt“ matches „stassfurt“ and „Stassfurt“."""
    text = text.casefold().replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@router.get("/stops", summary="Find stops by name")
def find_stops(
    services: ServicesDep,
    q: Annotated[str, Query(max_length=100, description="part of the name or municipality")] = "",
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
) -> list[StopPublic]:
    """Stops whose name or municipality contains every word of ``q``; names starting with ``q`` first."""
    words = _fold(q).split()
    hits = []
    for stop in services.ctx.stops.stops():
        name = _fold(f"{stop.name} {stop.municipality}")
        if all(w in name for w in words):
            hits.append((not _fold(stop.name).startswith(words[0]) if words else False, stop.name, stop))
    hits.sort(key=lambda h: (h[0], h[1]))
    return [StopPublic.of(h[2]) for h in hits[:limit]]


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
def roads(services: ServicesDep) -> JSONResponse:
    """Simplified road lines as GeoJSON."""
    return JSONResponse(services.network.roads_geojson(), media_type=GEOJSON)


@router.get("/service-area.geojson", summary="The service area")
def service_area(services: ServicesDep) -> JSONResponse:
    """The service area as GeoJSON."""
    return JSONResponse(services.network.service_area_geojson(), media_type=GEOJSON)
