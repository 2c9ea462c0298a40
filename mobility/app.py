"""The composition root: ``create_app(settings)`` wires network, dispatcher, store and API together."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from mobility.config import Settings


def create_app(settings: Settings) -> FastAPI:
    """Build the FastAPI application for ``settings``; nothing is loaded before this is called."""
    from fastapi import FastAPI

    app = FastAPI(title="Salzland mobility", version="0.1.0")

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.state.settings = settings
    return app
