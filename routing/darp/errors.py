"""Errors raised by the dial-a-ride solver."""

from __future__ import annotations


class ProblemError(ValueError):
    """The problem data is invalid (raised before any solving, names the offending field)."""


class InfeasibleError(RuntimeError):
    """Confirmed (must-serve) requests cannot all be served; ``request_ids`` names the culprits if known."""

    def __init__(self, message: str, request_ids: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.request_ids = request_ids
