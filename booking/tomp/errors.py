"""TOMP errors: the error object of the 2.0 core module with the codes of the TOMP error table.

A code is the module digit (2 planning, 3 booking, 4 trip execution, 7 general) followed by the table's number:
x001 missing, x002 invalid, x004 illegal operation, x005 technical issue, x006 no access, x202 expired,
x204 not found. ``detail`` is German, for the person behind the MaaS app.
"""

from __future__ import annotations

from typing import Any

from booking.service.errors import ServiceError

PLANNING, BOOKING, EXECUTION, GENERAL = 2, 3, 4, 7
TITLES = {1: "Missing", 2: "Invalid", 4: "Illegal operation", 5: "Technical issue", 6: "No access",
          202: "Expired", 204: "Not found"}
TYPES = {1: "Missing", 2: "Invalid", 4: "Illegal", 5: "Technical", 6: "Technical", 202: "Expired",
         204: "Not found"}


class TompError(Exception):
    """A TOMP request that cannot be served: HTTP status, TOMP code, German detail, optional links."""

    def __init__(self, status: int, module: int, number: int, detail: str,
                 links: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = module * 1000 + number
        self.number = number
        self.detail = detail
        self.links = links or []

    def body(self) -> dict[str, Any]:
        """The ``errorResponse`` body: ``{"errors": [error]}``."""
        error: dict[str, Any] = {"errorcode": self.code, "type": TYPES[self.number], "title": TITLES[self.number],
                                 "detail": self.detail}
        if self.links:
            error["links"] = self.links
        return {"errors": [error]}


def missing(module: int, field: str, detail: str) -> TompError:
    """x001: a required field or header is missing."""
    return TompError(400, module, 1, f"{field}: {detail}")


def invalid(module: int, field: str, detail: str) -> TompError:
    """x002: a field is not as the spec defines it, or not a value this service can serve."""
    return TompError(400, module, 2, f"{field}: {detail}")


def illegal(module: int, detail: str) -> TompError:
    """x004: the operation is not possible in the package's or leg's state (or not offered by this service)."""
    return TompError(409, module, 4, detail)


def not_found(module: int, what: str, ident: str) -> TompError:
    """x204: the package, offer or leg does not exist for this MaaS operator."""
    return TompError(404, module, 204, f"{what} „{ident}“ wurde nicht gefunden.")


def from_service(module: int, exc: ServiceError) -> TompError:
    """The TOMP error for a booking-service error (its German detail is kept)."""
    if exc.status == 404:
        return TompError(404, module, 204, exc.detail)
    if exc.status in (401, 403):
        return TompError(exc.status, module, 6, exc.detail)
    if exc.status == 409:
        return TompError(409, module, 4, exc.detail)
    if exc.status in (400, 422):
        return TompError(400, module, 2, exc.detail)
    return TompError(exc.status if exc.status >= 500 else 500, module, 5, exc.detail)
