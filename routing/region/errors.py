"""Errors of region packs: each names the file and the row, field or vehicle that is wrong."""

from __future__ import annotations


class RegionError(ValueError):
    """A region pack cannot be built or loaded from the given input; the message says where and why."""
