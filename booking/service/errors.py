"""Errors of the booking use cases: a stable code, an HTTP status, a German detail and optional extra members.

The API turns every :class:`ServiceError` into an RFC 9457 problem+json response; the service itself knows no HTTP.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A use case failed for a reason the caller can understand (German ``detail``)."""

    def __init__(self, status: int, code: str, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.extra = extra


def not_found(what: str, ident: str) -> ServiceError:
    """A resource that does not exist (or that the caller may not see)."""
    return ServiceError(404, "not_found", "Nicht gefunden", f"{what} „{ident}“ wurde nicht gefunden.")


def forbidden(detail: str) -> ServiceError:
    """The caller's role may not do this."""
    return ServiceError(403, "forbidden", "Keine Berechtigung", detail)


def conflict(code: str, detail: str, **extra: Any) -> ServiceError:
    """The request clashes with the current state."""
    return ServiceError(409, code, "Konflikt", detail, **extra)


def invalid(code: str, detail: str, **extra: Any) -> ServiceError:
    """The request is understood but cannot be served as given."""
    return ServiceError(422, code, "Anfrage nicht erfüllbar", detail, **extra)
