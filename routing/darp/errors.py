"""Errors raised by the dial-a-ride solver."""

from __future__ import annotations


class ProblemError(ValueError):
    """The problem data is invalid (raised before any solving, names the offending field)."""
