"""``/tomp/v2``: the TOMP-API 2.0 door for MaaS operators (offers, two-phase purchase, packages, legs).

Every answer carries ``Version`` and ``Content-Language``; unbought packages ``Expires``. Requests need
``Accept-Language`` and ``authorization: Bearer <JWT>`` (a token of ``/api/v1/auth/token``; a MaaS operator signs in
with its own rider account). Every failure is the spec's ``errorResponse`` (``{"errors": [...]}``), never
problem+json — also for paths and operations outside what this adapter offers.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from booking.api.deps import Principal, Services, current_user
from booking.service.errors import ServiceError
from booking.tomp import errors, mapping, requests
from booking.tomp.errors import BOOKING, EXECUTION, GENERAL, PLANNING, TompError
from booking.tomp.service import PackageView, TompService

PREFIX = "/tomp/v2"
ROLES = frozenset({"resident", "dispatcher", "admin"})
GEO = "application/geo+json"
LEG_OPERATIONS = frozenset({"start", "pause", "resume", "end", "extend", "postpone"})
#: Refusals that are answers, not errors: no vehicle can take the ride (an empty offer collection says why).
REFUSALS = frozenset({"no_capacity", "no_suitable_vehicle", "outside_service_hours", "too_short_notice",
                      "beyond_horizon"})
#: Processes of the 2.0 modules this adapter does not offer (answered with x004 and 501).
NOT_OFFERED = frozenset({"select-offers", "update-traveller", "update-travel-specification", "assign-asset",
                         "assign-ancillary", "remove-offer", "purchase-package", "purchase-product", "use-asset",
                         "extend-expiry-time", "claim-redress-option", "confirm-redress-option", "refund-deposit",
                         "confirm-payment", "request-support"})

router = APIRouter(prefix=PREFIX, tags=["tomp"], include_in_schema=False)  # its contract: the TOMP spec


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _base(request: Request) -> str:
    return f"{str(request.base_url).rstrip('/')}{PREFIX}/"


def _error(exc: TompError, base: str) -> JSONResponse:
    for link in exc.links:
        if not link["href"].startswith(("http://", "https://")):
            link["href"] = base + link["href"]
    return JSONResponse(exc.body(), status_code=exc.status, headers=mapping.headers())


async def _caller(request: Request, module: int) -> Principal:
    """The authenticated MaaS operator's account (the headers the spec requires are checked first)."""
    if not request.headers.get("accept-language"):
        raise errors.missing(module, "Accept-Language", "Der Header fehlt (z. B. „de-DE“).")
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TompError(401, module, 6, "authorization: Bitte ein Bearer-Token senden (POST /api/v1/auth/token).")
    try:
        user = await current_user(_services(request), token.strip())
    except ServiceError as exc:
        raise errors.from_service(module, exc) from None
    if user.role not in ROLES:
        raise TompError(403, module, 6, "Dieses Konto darf die TOMP-Schnittstelle nicht nutzen.")
    return user


async def _body(request: Request, module: int) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError):
        raise errors.invalid(module, "body", "Der Inhalt ist kein gültiges JSON.") from None
    return requests.inputs(body, module)


async def _answer(request: Request, module: int, work: Callable[[Principal, dict[str, Any] | None], Any],
                  *, body: bool = True) -> JSONResponse:
    """Check headers and caller, read the body, run ``work`` in a worker thread; TOMP errors for every failure."""
    base = _base(request)
    try:
        user = await _caller(request, module)
        data = await _body(request, module) if body else None
        return await run_in_threadpool(work, user, data)
    except TompError as exc:
        return _error(exc, base)
    except ServiceError as exc:
        return _error(errors.from_service(module, exc), base)


def _service(request: Request) -> TompService:
    services = _services(request)
    return TompService(services.ctx, services.bookings, services.legs, services.config.quote_retention)


def _package_answer(request: Request, view: PackageView, *, as_offer: bool = False) -> JSONResponse:
    geometry = _services(request).legs(view.offer.pickup_stop, view.offer.dropoff_stop)
    return JSONResponse(mapping.package(_base(request), view, geometry, as_offer=as_offer),
                        headers=mapping.headers(view), media_type=GEO)


@router.get("/collections/datasources/items", summary="TOMP: data sources of place references")
async def datasources(request: Request) -> JSONResponse:
    """``stop:`` refers to a stop of ``/api/v1/stops`` (``GPS:`` needs no entry)."""
    base = str(request.base_url).rstrip("/")
    return JSONResponse([{"rel": mapping.STOP_PREFIX, "href": f"{base}/api/v1/stops", "type": "application/json",
                          "description": "Stops of this on-demand service; refer to one as stop:{id}."}],
                        headers=mapping.headers())


@router.post("/processes/search-offers/execution", summary="TOMP: search offers")
async def search_offers(request: Request) -> JSONResponse:
    """The best offer for the travel specification (an empty collection with the reason when there is none)."""
    service = _service(request)
    base = _base(request)

    def work(user: Principal, data: dict[str, Any] | None) -> JSONResponse:
        assert data is not None
        wish, mode = requests.search(data, PLANNING)
        now = service.ctx.clock.now()
        search_id = str(uuid.uuid4())
        if mode is not None and mode != mapping.MODE:
            refusal = {"reason": "mode_not_offered", "detail": f"Dieser Dienst fährt nur mit {mapping.MODE}."}
            return _offers(mapping.offer_collection(base, search_id, [], refusal), now)
        try:
            offer = service.search(user.id, wish)
        except ServiceError as exc:
            if exc.extra.get("reason") not in REFUSALS:
                raise errors.from_service(PLANNING, exc) from None
            refusal = {"reason": exc.extra["reason"], "detail": exc.detail,
                       "alternatives": exc.extra.get("alternatives", [])}
            return _offers(mapping.offer_collection(base, search_id, [], refusal), now)
        geometry = service.geometry(offer.pickup_stop, offer.dropoff_stop)
        return _offers(mapping.offer_collection(base, search_id, [(offer, geometry)]), offer.valid_until)

    return await _answer(request, PLANNING, work)


def _offers(document: dict[str, Any], expires: Any) -> JSONResponse:
    headers = {**mapping.headers(), "Expires": mapping.http_date(expires)}
    return JSONResponse(document, headers=headers, media_type=GEO)


@router.get("/collections/offers/items", summary="TOMP: one offer")
async def get_offer(request: Request) -> JSONResponse:
    """The offer ``offerId`` with its state now."""
    return await _read(request, "offerId", PLANNING, as_offer=True)


@router.get("/collections/packages/items", summary="TOMP: one package")
async def get_package(request: Request) -> JSONResponse:
    """The package ``packageId`` with its state and its leg's state now."""
    return await _read(request, "packageId", BOOKING)


async def _read(request: Request, parameter: str, module: int, *, as_offer: bool = False) -> JSONResponse:
    service = _service(request)

    def work(user: Principal, _data: dict[str, Any] | None) -> JSONResponse:
        ident = request.query_params.get(parameter)
        if not ident:
            raise errors.missing(module, parameter, "Der Parameter fehlt.")
        return _package_answer(request, service.view(user.id, ident, module), as_offer=as_offer)

    return await _answer(request, module, work, body=False)


def _process(name: str, field: str, module: int, action: Callable[[TompService, str, str], PackageView]) -> None:
    async def endpoint(request: Request) -> JSONResponse:
        service = _service(request)

        def work(user: Principal, data: dict[str, Any] | None) -> JSONResponse:
            assert data is not None
            ident = requests.reference(data, field, module)
            assert ident is not None
            return _package_answer(request, action(service, user.id, ident))

        return await _answer(request, module, work)

    endpoint.__name__ = name.replace("-", "_")
    router.add_api_route(f"/processes/{name}/execution", endpoint, methods=["POST"], summary=f"TOMP: {name}")


_process("purchase-offers", "offer", BOOKING, lambda s, u, i: s.purchase(u, i))
_process("confirm-purchase", "package", BOOKING, lambda s, u, i: s.confirm(u, i))
_process("rollback-purchase", "package", BOOKING, lambda s, u, i: s.rollback(u, i))
_process("release-package", "package", BOOKING, lambda s, u, i: s.release(u, i))
_process("cancel-package", "package", BOOKING, lambda s, u, i: s.cancel(u, i))


@router.post("/processes/{operation}-leg/execution", summary="TOMP: an operation on a leg")
async def leg_operation(request: Request, operation: str) -> JSONResponse:
    """Refused with x004 for a driven ride (after checking the operation and that the leg exists)."""
    service = _service(request)

    def work(user: Principal, data: dict[str, Any] | None) -> JSONResponse:
        assert data is not None
        if operation not in LEG_OPERATIONS:
            raise errors.invalid(EXECUTION, "legOperation", f"Unbekannte Operation „{operation}“.")
        leg = requests.reference(data, "leg", EXECUTION)
        assert leg is not None
        return _package_answer(request, service.leg_operation(user.id, operation, leg))

    return await _answer(request, EXECUTION, work)


@router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
async def outside(path: str) -> JSONResponse:
    """Anything else under the prefix: x004 (501) for a process of the spec this adapter does not offer, else 404."""
    parts = path.split("/")
    if len(parts) == 3 and parts[0] == "processes" and parts[2] == "execution" and parts[1] in NOT_OFFERED:
        exc = TompError(501, GENERAL, 4, f"Die Operation „{parts[1]}“ bietet dieser Dienst nicht an.")
    else:
        exc = TompError(404, GENERAL, 204, f"„/{path}“ gibt es in dieser TOMP-Schnittstelle nicht.")
    return JSONResponse(exc.body(), status_code=exc.status, headers=mapping.headers())
