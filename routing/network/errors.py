"""Errors of the road network: each names the file, point or stop that is wrong."""

from __future__ import annotations


class NetworkError(ValueError):
    """The road network cannot be built or loaded from the given input."""


class NetworkFileError(NetworkError):
    """A network or OSM file is missing, unreadable or not of the expected format."""


class NoDrivableRoads(NetworkError):
    """The input holds no drivable road (after filtering and clipping)."""


class OutsideServiceArea(ValueError):
    """A point lies outside the area the network serves."""


class NoStopNearby(ValueError):
    """No usable stop lies within the walking limit of a point."""


class UnknownStop(ValueError):
    """A stop name or id matches no stop (or several) of the network."""
