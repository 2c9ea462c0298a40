"""What counts as CI for every conftest, and the rule that a missing PostGIS or Chromium fails there."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NoReturn

import pytest


def in_ci(environ: Mapping[str, str] | None = None) -> bool:
    """True when ``CI`` is set to any non-empty value except ``false`` (any case), as CI services set it."""
    value = (os.environ if environ is None else environ).get("CI", "").strip()
    return bool(value) and value.lower() != "false"


def unavailable(reason: str) -> NoReturn:
    """Skip locally, fail in CI: a test that needs PostGIS or Chromium must really run there."""
    if in_ci():
        pytest.fail(f"needed but not available in CI: {reason}", pytrace=False)
    pytest.skip(reason)
