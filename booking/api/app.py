"""The booking API as a FastAPI application, built around ready :class:`~booking.api.deps.Services`.

``mobility.app.create_app(settings)`` builds the services (network, dispatcher, store) and calls :func:`build_api`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from booking.api import auth, dispatch, driver, feeds, me, positions, rides, stops
from booking.api.deps import API_PREFIX, Services
from booking.api.openapi_docs import document_problems
from booking.api.problems import OUTAGE_DETAIL, RETRY_AFTER_S, install_problem_handlers, problem_response
from booking.service.background import BatchSchedule, PlanWriter, Reoptimiser
from booking.service.logsafe import error_classes
from booking.tomp import api as tomp
from booking.tomp.guard import TompErrors

log = logging.getLogger(__name__)


def build_api(services: Services, *, reoptimise_interval_s: float | None = None, title: str = "Salzland mobility",
              version: str = "0.1.0") -> FastAPI:
    """The app with every router under ``/api/v1``; the plan writer and the re-optimiser run while the app is up."""
    config = services.config
    batch = (BatchSchedule(config.batch_plan_at, config.batch_plan_time_limit_s, config.timezone)
             if config.batch_plan_at is not None else None)
    reoptimiser = (Reoptimiser(services.operations, reoptimise_interval_s, config.solver_time_limit_s, batch)
                   if reoptimise_interval_s else None)
    if reoptimiser is not None:
        reoptimiser.privacy = services.privacy
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
    app.add_middleware(TompErrors)  # outermost: failures under /tomp/ answer as TOMP errors
    for module in (auth, stops, rides, dispatch, driver, feeds):
        app.include_router(module.router, prefix=API_PREFIX)
    for router in (*positions.routers, *me.routers):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(tomp.router)  # TOMP-API 2.0 for MaaS operators (docs/tomp.md)
    _health(app, services)
    document_problems(app)

    app.state.services = services
    app.state.reoptimiser = reoptimiser
    app.state.plan_writer = writer
    return app


def _health(app: FastAPI, services: Services) -> None:
    """``/health`` and ``/health/live``: the process answers; ``/health/ready``: and its database does (503 with
    ``Retry-After`` while it does not — a load balancer sends no traffic then; it recovers without a restart)."""

    @app.get("/health", tags=["meta"], summary="The process answers")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/health/live", tags=["meta"], summary="Liveness: the process answers")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/health/ready", tags=["meta"], summary="Readiness: the database answers", response_model=None)
    async def ready() -> dict[str, str] | JSONResponse:
        try:
            await run_in_threadpool(_ping, services)
        except Exception as exc:  # any failure to reach the store means: not ready
            log.warning("not ready: database unreachable (%s)", error_classes(exc))
            return problem_response(503, "not_ready", "Nicht bereit", OUTAGE_DETAIL, "/health/ready",
                                    retry_after_s=RETRY_AFTER_S)
        return {"status": "ready", "database": "ok"}


def _ping(services: Services) -> None:
    with services.sessions() as session:
        session.execute(sa.text("SELECT 1"))
