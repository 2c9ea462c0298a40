"""The composition root: ``create_app(settings)`` alone gives the whole service on the embedded default."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from mobility.app import create_app
from mobility.config import Settings


def test_create_app_wires_network_fleet_store_api_pages_and_pool_cars(tmp_path: Path) -> None:
    """From settings only: the bundled network, the 40-vehicle default fleet, a migrated SQLite file, the API,
    the web pages and the pool-car/GBFS routes all answer."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'mobility.db'}", cache_dir=tmp_path)
    app = create_app(settings, background=False)
    with TestClient(app) as client:
        assert client.get("/health").json() == {"status": "ok"}
        assert client.get("/api/v1/network/info").json()["source"] == "approximate"
        assert len(app.state.parts.dispatcher.vehicles()) == 40
        assert client.get("/").status_code == 200
        assert client.get("/api/v1/gbfs/gbfs.json").status_code == 200
        openapi = client.get("/openapi.json").json()
        assert {"/api/v1/offers", "/api/v1/bookings", "/api/v1/dispatch/tours.geojson",
                "/api/v1/feeds/gtfs-rt/trip-updates"} <= set(openapi["paths"])
    assert (tmp_path / "mobility.db").exists()
