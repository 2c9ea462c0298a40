"""Every error answer in the OpenAPI document: a ``Problem`` schema (RFC 9457) and, per operation, the statuses it
can answer with (as ``application/problem+json``).

Which statuses: every operation 422 (bad input, control characters), 500 and 503 (database unreachable, with
``Retry-After``); with sign-in 401 and 403; with path parameters 404; writes 409 and 413; sign-in and registration
429; the form of the password flow 400. Routes may document more themselves (``responses=``); those stay.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details; `detail` is German and meant for the person using the service.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "stable problem type, urn:salzland-mobility:problem:<code>"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "reference": {"type": "string", "description": "id of a 5xx answer, also in the service's log"},
        "retry_after_s": {"type": "integer", "description": "seconds to wait (also the Retry-After header)"},
        "field": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "message": {"type": "string"}}}},
    },
    "additionalProperties": True,
}
DESCRIPTIONS = {
    400: "Malformed request",
    401: "Not signed in, or the token expired or was revoked",
    403: "The role may not do this",
    404: "Not found (or not the caller's)",
    409: "Conflicts with the current state",
    413: "Request body too large",
    422: "Invalid input",
    429: "Too many attempts; wait `Retry-After` seconds",
    500: "Unexpected error (with a reference id)",
    503: "Database unreachable; retry after `Retry-After` seconds",
}
THROTTLED = ("/auth/token", "/auth/register")
SIGN_IN = ("/auth/token", "/auth/refresh")
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}


MEDIA_TYPES = (  # answers that are not JSON (the routes return them directly)
    (re.compile(r"\.geojson$"), ("application/geo+json",)),
    (re.compile(r"/gtfs-rt/"), ("application/x-protobuf", "application/json")),
    (re.compile(r"\.zip$"), ("application/zip",)),
    (re.compile(r"/stream$"), ("text/event-stream",)),
)


def _statuses(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    statuses = {422, 500, 503}
    if operation.get("security"):
        statuses |= {401, 403}
    if path.endswith(SIGN_IN):
        statuses.add(401)
    if "requestBody" in operation:
        statuses.add(400)  # a body that cannot be parsed at all
    parameters = operation.get("parameters", ())
    if method != "get" or any(p.get("in") == "path" or str(p.get("name", "")).endswith("_id") for p in parameters):
        statuses.add(404)  # the resource, or one the body or a query names (an offer, a car, a station)
    if method != "get":
        statuses |= {409, 413}
    if path.endswith(THROTTLED):
        statuses |= {400, 429}
    return statuses


def _media_types(path: str, operation: dict[str, Any]) -> None:
    for pattern, types in MEDIA_TYPES:
        if pattern.search(path):
            for status, answer in operation["responses"].items():
                if status.startswith("2"):
                    answer["content"] = {t: {} for t in types}


def add_problem_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the ``Problem`` schema and the error responses to an OpenAPI document (in place; returned)."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            _media_types(path, operation)
            for status in sorted(_statuses(path, method, operation)):
                answer = responses.setdefault(str(status), {"description": DESCRIPTIONS[status]})
                answer["content"] = {"application/problem+json": {"schema": ref}}
                if status in (429, 503):
                    answer["headers"] = RETRY_AFTER
    return schema


def document_problems(app: FastAPI) -> None:
    """Make ``app.openapi()`` document every error answer (built once, on first request of the document)."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_problem_responses(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
