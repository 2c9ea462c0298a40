"""RFC 9457 problem+json: one response shape for every error, with a German ``detail``.

Reuse: ``raise ServiceError(...)`` (``booking.service.errors``) anywhere below a route, or return
:func:`problem_response` directly; :func:`install_problem_handlers` maps validation errors, unknown routes, wrong
methods (405 with ``Allow``), database errors and unexpected failures to the same shape:

* the database unreachable (connection refused, dropped, timed out, SQLite locked) → 503 with ``Retry-After``;
* a write that clashed with a concurrent one (unique or exclusion constraint) → 409; a value the database refused
  → 422; anything else → 500. 5xx answers carry a ``reference`` that is also in the log, with the error classes
  and the code location only (:mod:`booking.service.logsafe`): never a message, so never a value.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from booking.service.errors import ServiceError
from booking.service.logsafe import error_classes, log_failure

log = logging.getLogger(__name__)

PROBLEM_TYPE = "application/problem+json"
TYPE_BASE = "urn:salzland-mobility:problem:"

HTTP_TITLES = {
    400: ("bad_request", "Ungültige Anfrage", "Die Anfrage ist ungültig."),
    401: ("unauthorized", "Nicht angemeldet", "Bitte melden Sie sich an."),
    403: ("forbidden", "Keine Berechtigung", "Dafür fehlt Ihnen die Berechtigung."),
    404: ("not_found", "Nicht gefunden", "Diese Adresse gibt es nicht."),
    405: ("method_not_allowed", "Methode nicht erlaubt", "Diese Methode ist hier nicht erlaubt."),
    415: ("unsupported_media_type", "Falscher Inhaltstyp", "Bitte JSON senden."),
}
RETRY_AFTER_S = 5
OUTAGE_DETAIL = ("Der Dienst ist gerade nicht erreichbar (Datenbank). Bitte in wenigen Sekunden erneut versuchen; "
                 "nichts wurde gespeichert.")


def problem_response(
    status: int, code: str, title: str, detail: str, instance: str | None = None, **extra: Any
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {"type": TYPE_BASE + code, "title": title, "status": status, "detail": detail}
    if instance is not None:
        body["instance"] = instance
    retry_after = extra.pop("retry_after_s", None)
    allow = extra.pop("allow", None)
    body.update({k: v for k, v in extra.items() if v is not None})
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if retry_after is not None:
        headers["Retry-After"] = str(int(retry_after))
        body["retry_after_s"] = int(retry_after)
    if allow:
        headers["Allow"] = str(allow)
    return JSONResponse(jsonable_encoder(body), status_code=status, media_type=PROBLEM_TYPE, headers=headers or None)


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be reached now (as opposed to a bug or a bad value)."""
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.DisconnectionError |
                      sa_exc.TimeoutError)


def failure_response(exc: BaseException, where: str, instance: str | None) -> JSONResponse:
    """The problem answer for an exception no route handled, logged with a reference id (classes only)."""
    ref = uuid.uuid4().hex[:12]
    if is_outage(exc):
        log.warning("database unavailable [ref %s] on %s: %s", ref, where, error_classes(exc))
        return problem_response(503, "service_unavailable", "Dienst vorübergehend nicht verfügbar", OUTAGE_DETAIL,
                                instance, reference=ref, retry_after_s=RETRY_AFTER_S)
    if isinstance(exc, sa_exc.IntegrityError):
        log.info("write conflict [ref %s] on %s: %s", ref, where, error_classes(exc))
        return problem_response(409, "concurrent_change", "Konflikt",
                                "Die Änderung kollidierte mit einer gleichzeitigen. Bitte erneut versuchen.",
                                instance, reference=ref)
    if isinstance(exc, sa_exc.DataError):
        log.info("value refused by the database [ref %s] on %s: %s", ref, where, error_classes(exc))
        return problem_response(422, "invalid_value", "Ungültige Eingabe",
                                "Ein Wert der Anfrage ist ungültig (zu groß, zu lang oder falsch geformt).",
                                instance, reference=ref)
    log_failure(log, f"unexpected error on {where}", exc, ref=ref)
    return problem_response(500, "internal_error", "Interner Fehler",
                            f"Ein unerwarteter Fehler ist aufgetreten (Referenz {ref}). Bitte später erneut "
                            "versuchen.", instance, reference=ref)


def allowed_methods(request: Request) -> str:
    """The methods the app's routes allow on the request's path (for ``Allow``)."""
    routes = request.app.router.routes
    methods = [m for m in ("GET", "POST", "PUT", "PATCH", "DELETE")
               if any(route.matches({**request.scope, "method": m})[0] is Match.FULL for route in routes)]
    return ", ".join(methods + (["HEAD"] if "GET" in methods else []))


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "body"


GERMAN_MESSAGES = {
    "missing": "Pflichtfeld fehlt",
    "extra_forbidden": "unbekanntes Feld",
    "int_parsing": "keine ganze Zahl",
    "int_type": "keine ganze Zahl",
    "float_parsing": "keine Zahl",
    "float_type": "keine Zahl",
    "finite_number": "keine endliche Zahl",
    "string_type": "kein Text",
    "bool_parsing": "kein Wahrheitswert",
    "datetime_parsing": "kein Zeitpunkt im Format ISO 8601 (z. B. 2026-11-23T08:30:00+01:00)",
    "datetime_from_date_parsing": "kein Zeitpunkt im Format ISO 8601 (z. B. 2026-11-23T08:30:00+01:00)",
    "datetime_type": "kein Zeitpunkt im Format ISO 8601",
    "model_type": "ein JSON-Objekt wird erwartet",
    "model_attributes_type": "ein JSON-Objekt wird erwartet",
    "list_type": "eine Liste wird erwartet",
    "enum": "unzulässiger Wert",
    "literal_error": "unzulässiger Wert",
}


def _german(err: dict[str, Any]) -> str:
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if kind in GERMAN_MESSAGES:
        text = GERMAN_MESSAGES[kind]
        if kind in ("enum", "literal_error") and "expected" in ctx:
            text += f" (erlaubt: {ctx['expected']})"
        return text
    bounds = {"greater_than_equal": "mindestens {ge}", "greater_than": "größer als {gt}",
              "less_than_equal": "höchstens {le}", "less_than": "kleiner als {lt}",
              "string_too_short": "mindestens {min_length} Zeichen",
              "string_too_long": "höchstens {max_length} Zeichen",
              "too_short": "mindestens {min_length} Einträge", "too_long": "höchstens {max_length} Einträge",
              "string_pattern_mismatch": "unzulässige Zeichen"}
    if kind in bounds:
        try:
            return bounds[kind].format(**ctx)
        except (KeyError, IndexError):
            return bounds[kind]
    if kind == "value_error":
        return str(err.get("msg", "ungültig")).removeprefix("Value error, ")
    return str(err.get("msg", "ungültig"))


def _validation_detail(errors: list[dict[str, Any]]) -> tuple[str, list[dict[str, str]]]:
    if errors and errors[0].get("type") == "json_invalid":
        err = errors[0]
        where = err.get("loc", ("body", "?"))[-1]
        reason = (err.get("ctx") or {}).get("error", err.get("msg"))
        detail = f"Der Inhalt ist kein gültiges JSON (Zeichen {where}: {reason})."
        return detail, [{"field": "body", "message": detail}]
    fields = [{"field": _field_name(tuple(err.get("loc", ()))), "message": _german(err)} for err in errors]
    summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:5])
    return f"Ungültige Eingabe – {summary}", fields


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error of ``app`` a problem+json response."""

    from booking.api.guard import InputGuard, ProblemGuard

    app.add_middleware(InputGuard)
    app.add_middleware(ProblemGuard)  # added last: the outermost of the two

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError) -> JSONResponse:
        return problem_response(exc.status, exc.code, exc.title, exc.detail, request.url.path, **exc.extra)

    @app.exception_handler(sa_exc.SQLAlchemyError)
    async def database_error(request: Request, exc: sa_exc.SQLAlchemyError) -> JSONResponse:
        route = request.scope.get("route")
        return failure_response(exc, f"{request.method} {getattr(route, 'path', request.url.path)}",
                                request.url.path)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail, fields = _validation_detail(list(exc.errors()))
        return problem_response(422, "validation_error", "Ungültige Eingabe", detail, request.url.path,
                                errors=fields)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, title, detail = HTTP_TITLES.get(exc.status_code, ("http_error", "Fehler", str(exc.detail)))
        if isinstance(exc.detail, str) and exc.detail and exc.status_code not in (404, 405):
            detail = exc.detail
        if exc.status_code == 400 and "parsing the body" in detail:
            detail = "Der Inhalt der Anfrage lässt sich nicht lesen (kein gültiges JSON oder Formular)."
        allow = allowed_methods(request) if exc.status_code == 405 else None
        return problem_response(exc.status_code, code, title, detail, request.url.path, allow=allow)
