"""What the booking service needs from the road network beyond stops: map layers and facts (handed in by the app)."""

from __future__ import annotations

from typing import Any, Protocol


class NetworkView(Protocol):
    """Read-only facts and map layers of the configured road network."""

    def info(self) -> dict[str, Any]:
        """Source (``approximate`` | ``osm-extract`` | ``overpass``), size, bounding box, stop count …"""
        ...

    def roads_geojson(self, zoom: int | None = None) -> dict[str, Any]:
        """Road lines as a GeoJSON FeatureCollection simplified for the map ``zoom`` (for a map without tiles);
        empty and flagged ``approximate`` when the network is the approximation."""
        ...

    def service_area_geojson(self) -> dict[str, Any]:
        """The service area as a GeoJSON FeatureCollection."""
        ...


class NoticeChannel(Protocol):
    """A way to reach a rider (e-mail, SMS): sends one plain-text message or raises (the outbox retries later)."""

    def send(self, recipient: str, subject: str, body: str) -> None:
        """Deliver the message to ``recipient`` (an address or a phone number); raise when it was not accepted."""
        ...
