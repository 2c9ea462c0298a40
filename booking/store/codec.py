"""Domain objects ⇄ JSON-compatible dicts for the store (offers and bookings keep the full domain offer)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from mobility.domain.geo import Point
from mobility.domain.rides import Offer, RideRequest, TimeWindow
from mobility.domain.stops import Stop, StopKind

StopResolver = Callable[[str], Stop | None]


def _t(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _dt(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


def _req_dt(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


def stop_to_dict(stop: Stop) -> dict[str, Any]:
    """A stop as a dict (with its matrix index)."""
    return {
        "id": stop.id,
        "name": stop.name,
        "municipality": stop.municipality,
        "lon": stop.point.lon,
        "lat": stop.point.lat,
        "kind": str(stop.kind),
        "index": stop.index,
    }


def stop_from_dict(data: dict[str, Any], resolve: StopResolver | None = None) -> Stop:
    """The stop of ``data``; ``resolve`` returns the current network's stop (fresh matrix index) when it knows it."""
    if resolve is not None:
        current = resolve(str(data["id"]))
        if current is not None:
            return current
    return Stop(
        id=str(data["id"]),
        name=str(data["name"]),
        municipality=str(data["municipality"]),
        point=Point(float(data["lon"]), float(data["lat"])),
        kind=StopKind(data.get("kind", StopKind.STOP)),
        index=int(data.get("index", -1)),
    )


def request_to_dict(request: RideRequest) -> dict[str, Any]:
    """A ride request as a dict."""
    return {
        "id": request.id,
        "customer_id": request.customer_id,
        "origin": [request.origin.lon, request.origin.lat],
        "destination": [request.destination.lon, request.destination.lat],
        "submitted_at": _t(request.submitted_at),
        "departure": _t(request.departure),
        "arrival": _t(request.arrival),
        "passengers": request.passengers,
        "wheelchairs": request.wheelchairs,
        "strollers": request.strollers,
        "origin_stop_id": request.origin_stop_id,
        "destination_stop_id": request.destination_stop_id,
    }


def request_from_dict(data: dict[str, Any]) -> RideRequest:
    """The ride request of ``data``."""
    return RideRequest(
        id=str(data["id"]),
        customer_id=str(data["customer_id"]),
        origin=Point(*data["origin"]),
        destination=Point(*data["destination"]),
        submitted_at=_req_dt(data["submitted_at"]),
        departure=_dt(data.get("departure")),
        arrival=_dt(data.get("arrival")),
        passengers=int(data["passengers"]),
        wheelchairs=int(data["wheelchairs"]),
        strollers=int(data["strollers"]),
        origin_stop_id=data.get("origin_stop_id"),
        destination_stop_id=data.get("destination_stop_id"),
    )


def offer_to_dict(offer: Offer) -> dict[str, Any]:
    """An offer (with its request) as a dict."""
    return {
        "id": offer.id,
        "request": request_to_dict(offer.request),
        "vehicle_id": offer.vehicle_id,
        "vehicle_type": offer.vehicle_type,
        "pickup_stop": stop_to_dict(offer.pickup_stop),
        "dropoff_stop": stop_to_dict(offer.dropoff_stop),
        "walk_to_pickup_m": offer.walk_to_pickup_m,
        "walk_from_dropoff_m": offer.walk_from_dropoff_m,
        "pickup_window": [_t(offer.pickup_window.earliest), _t(offer.pickup_window.latest)],
        "planned_pickup": _t(offer.planned_pickup),
        "planned_dropoff": _t(offer.planned_dropoff),
        "latest_arrival": _t(offer.latest_arrival),
        "price_cents": offer.price_cents,
        "valid_until": _t(offer.valid_until),
        "network_source": offer.network_source,
    }


def offer_json(offer: Offer) -> str:
    """An offer as compact JSON text (for the event log)."""
    return json.dumps(offer_to_dict(offer), separators=(",", ":"), ensure_ascii=False)


def offer_from_json(text: str, resolve: StopResolver | None = None) -> Offer:
    """The offer of :func:`offer_json`'s text."""
    return offer_from_dict(json.loads(text), resolve)


def offer_from_dict(data: dict[str, Any], resolve: StopResolver | None = None) -> Offer:
    """The offer of ``data``; stops are re-resolved against the current network when ``resolve`` is given."""
    earliest, latest = data["pickup_window"]
    return Offer(
        id=str(data["id"]),
        request=request_from_dict(data["request"]),
        vehicle_id=str(data["vehicle_id"]),
        vehicle_type=str(data["vehicle_type"]),
        pickup_stop=stop_from_dict(data["pickup_stop"], resolve),
        dropoff_stop=stop_from_dict(data["dropoff_stop"], resolve),
        walk_to_pickup_m=int(data["walk_to_pickup_m"]),
        walk_from_dropoff_m=int(data["walk_from_dropoff_m"]),
        pickup_window=TimeWindow(_req_dt(earliest), _req_dt(latest)),
        planned_pickup=_req_dt(data["planned_pickup"]),
        planned_dropoff=_req_dt(data["planned_dropoff"]),
        latest_arrival=_req_dt(data["latest_arrival"]),
        price_cents=int(data["price_cents"]),
        valid_until=_req_dt(data["valid_until"]),
        network_source=str(data.get("network_source", "approximate")),
    )
