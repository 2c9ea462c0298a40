"""The booking API as a FastAPI application, built around ready :class:`~booking.api.deps.Services`.

``mobility.app.create_app(settings)`` builds the services (network, dispatcher, store) and calls :func:`build_api`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from booking.api import auth, dispatch, driver, feeds, positions, rides, stops
from booking.api.deps import API_PREFIX, Services
from booking.api.problems import install_problem_handlers
from booking.service.background import BatchSchedule, PlanWriter, Reoptimiser

log = logging.getLogger(__name__)


def build_api(services: Services, *, reoptimise_interval_s: float | None = None, title: str = "Salzland mobility",
              version: str = "0.1.0") -> FastAPI:
    """The app with every router under ``/api/v1``; the plan writer and the re-optimiser run while the app is up."""
    config = services.config
    batch = (BatchSchedule(config.batch_plan_at, config.batch_plan_time_limit_s, config.timezone)
             if config.batch_plan_at is not None else None)
    reoptimiser = (Reoptimiser(services.operations, reoptimise_interval_s, config.solver_time_limit_s, batch)
                   if reoptimise_interval_s else None)
    writer = PlanWriter(services.ctx)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        writer.start()
        if reoptimiser is not None:
            reoptimiser.start()
        try:
            yield
        finally:
            if reoptimiser is not None:
                reoptimiser.stop()
            writer.stop()

    app = FastAPI(title=title, version=version, lifespan=lifespan,
                  description="Rural on-demand mobility in the Salzlandkreis: offers, bookings, dispatch, feeds. "
                              "Errors are RFC 9457 problem+json with a German `detail`.")
    install_problem_handlers(app)
    for module in (auth, stops, rides, dispatch, driver, feeds):
        app.include_router(module.router, prefix=API_PREFIX)
    for router in positions.routers:
        app.include_router(router, prefix=API_PREFIX)

    @app.get("/health", tags=["meta"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.state.services = services
    app.state.reoptimiser = reoptimiser
    app.state.plan_writer = writer
    return app
