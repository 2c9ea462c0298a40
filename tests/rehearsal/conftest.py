"""Fixtures of the rehearsal tests: Debian's Chromium as the browser tests use it."""

from __future__ import annotations

from tests.web.conftest import browser

__all__ = ["browser"]
