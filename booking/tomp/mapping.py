"""Our offers and bookings as TOMP-API 2.0 documents (GeoJSON, ``{lon},{lat}`` place references, UTC times).

Coordinates: a place reference is ``GPS:{lon},{lat}`` (WGS84, GeoJSON order, as in the offers module's example) or
``stop:{id}`` (a stop of ``/api/v1/stops``, declared in ``/collections/datasources/items``); geometries are GeoJSON
``[lon, lat]``. Times are RFC 3339 in UTC (``Z``); money in euros (``amount`` with two decimals, VAT included).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from booking.store.models import BookingRow
from booking.tomp.service import PackageView
from booking.tomp.states import PackageState
from mobility.domain.geo import Point
from mobility.domain.rides import Offer

VERSION = "2.0.0"
LANGUAGE = "de-DE"  # every text this service writes is German
PRODUCT = "rufbus"
MODE = "BUS"
STOP_PREFIX = "stop"
P = PackageState


def utc(t: datetime) -> str:
    """RFC 3339 in UTC with ``Z``."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def http_date(t: datetime) -> str:
    """An HTTP date (``Expires``)."""
    return format_datetime(t.astimezone(UTC), usegmt=True)


def gps(point: Point) -> str:
    """A place reference of a position: ``GPS:{lon},{lat}``."""
    return f"GPS:{point.lon:.6f},{point.lat:.6f}"


def money(cents: int) -> dict[str, Any]:
    """An ``amountOfMoney`` in euros."""
    return {"amount": round(cents / 100, 2), "currencyCode": "EUR"}


def fare(cents: int) -> dict[str, Any]:
    """A ``fareStructure``: one fixed element, the whole price."""
    return {**money(cents), "estimated": False, "elements": [{"type": "FIXED", **money(cents)}]}


def link(base: str, rel: str, process: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """A link to a process of this adapter, with its prefilled body."""
    return {"rel": rel, "href": f"{base}processes/{process}/execution", "method": "POST",
            "type": "application/geo+json", "body": {"inputs": inputs}}


def product(vehicle_type: str) -> dict[str, Any]:
    """The one product: a ride in the on-demand bus (the vehicle type as its description)."""
    return {"type": "product", "id": PRODUCT, "name": "Rufbus", "description": vehicle_type}


def specification(offer: Offer, booking: BookingRow | None = None) -> dict[str, Any]:
    """Where and when the ride goes: pickup and drop-off stop, planned pickup and drop-off."""
    pickup = booking.planned_pickup if booking is not None else offer.planned_pickup
    dropoff = booking.planned_dropoff if booking is not None else offer.planned_dropoff
    return {"type": "travelSpecification", "from": gps(offer.pickup_stop.point), "to": gps(offer.dropoff_stop.point),
            "startTime": utc(pickup), "endTime": utc(dropoff)}


def summary(package_id: str, offer: Offer) -> dict[str, Any]:
    """The ``summary`` of an offer."""
    return {"id": package_id, "specification": specification(offer), "price": money(offer.price_cents),
            "estimatedPrice": False, "products": [PRODUCT], "legs": [{"mode": MODE, "name": "Rufbus"}],
            "cancellation": {"cancellable": True, "feePercentage": 0}}


def line(geometry: Sequence[tuple[float, float]]) -> dict[str, Any]:
    """A GeoJSON LineString."""
    return {"type": "LineString", "coordinates": [[round(lon, 6), round(lat, 6)] for lon, lat in geometry]}


def offer_feature(base: str, offer: Offer, geometry: Sequence[tuple[float, float]]) -> dict[str, Any]:
    """An offer in the search answer: a Feature with the offer's summary and the links to buy or read it."""
    props = {"type": "offer", **summary(offer.id, offer)}
    return {"type": "Feature", "id": offer.id, "geometry": line(geometry), "properties": props,
            "links": [link(base, "purchase-offers", "purchase-offers", {"offer": offer.id}),
                      {"rel": "self", "href": f"{base}collections/offers/items?offerId={offer.id}",
                       "type": "application/geo+json"}]}


def offer_collection(base: str, search_id: str, offers: list[tuple[Offer, Sequence[tuple[float, float]]]],
                     refusal: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``offerCollection``; without offers the refusal's ``reason``, German ``detail`` and ``alternatives``."""
    props: dict[str, Any] = {"type": "OfferCollection", "id": search_id,
                             "definitions": {"products": [product(o.vehicle_type) for o, _g in offers[:1]]}}
    if refusal:
        props.update(refusal)
    return {"type": "FeatureCollection", "features": [offer_feature(base, o, g) for o, g in offers],
            "properties": props, "numberMatched": len(offers), "numberReturned": len(offers), "links": []}


def actions(base: str, view: PackageView) -> list[dict[str, Any]]:
    """What the MaaS operator can do with the package now (the spec's purchase flow 2 and cancel)."""
    by_state = {P.OFFERED: [("purchase-offers", {"offer": view.id}), ("release-package", {"package": view.id})],
                P.PENDING: [("confirm-purchase", {"package": view.id}), ("rollback-purchase", {"package": view.id})],
                P.CONFIRMED: [("cancel-package", {"package": view.id})]}
    return [link(base, rel, rel, inputs) for rel, inputs in by_state.get(view.state, [])]


def leg(view: PackageView) -> dict[str, Any]:
    """The package's one leg (its id is the package's): the ride from pickup to drop-off stop."""
    props: dict[str, Any] = {"type": "leg", "id": view.id, "specification": specification(view.offer, view.booking),
                             "sequenceNumber": 1, "mode": MODE, "status": str(view.leg), "products": [PRODUCT],
                             "labels": ["CANCELLABLE"]}
    if view.booking is not None:
        props["assets"] = [view.booking.vehicle_id]
    return props


def package(base: str, view: PackageView, geometry: Sequence[tuple[float, float]], *,
            as_offer: bool = False) -> dict[str, Any]:
    """The ``package`` document: a FeatureCollection of the leg, the package in ``properties``."""
    leg_props = leg(view)
    props = {"type": "offer" if as_offer else "package", "id": view.id, "status": str(view.state),
             "summary": summary(view.id, view.offer), "price": fare(view.offer.price_cents), "legs": [leg_props],
             "definitions": {"products": [product(view.offer.vehicle_type)]}}
    feature = {"type": "Feature", "id": view.id, "geometry": line(geometry), "properties": leg_props}
    return {"type": "FeatureCollection", "features": [feature], "properties": props,
            "links": [*actions(base, view),
                      {"rel": "self", "href": f"{base}collections/packages/items?packageId={view.id}",
                       "type": "application/geo+json"}]}


def headers(view: PackageView | None = None) -> dict[str, str]:
    """The TOMP response headers: ``Version``, ``Content-Language``, and ``Expires`` (the end of the offer's hold)
    for a package never purchased."""
    out = {"Version": VERSION, "Content-Language": LANGUAGE}
    if view is not None and view.booking is None:  # the spec: there whenever the package has not been purchased
        out["Expires"] = http_date(view.expires_at)
        if view.state is P.PENDING:
            out["Expiry-date"] = out["Expires"]
    return out
