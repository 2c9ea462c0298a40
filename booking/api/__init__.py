"""The HTTP API (FastAPI): routers, schemas, problem+json errors and auth dependencies.

Reuse: :mod:`booking.api.deps` (``CurrentUser``, ``ServicesDep``, ``require_roles``, ``API_PREFIX``),
:mod:`booking.api.problems` (``problem_response``, ``install_problem_handlers``), :func:`booking.api.app.build_api`.
"""
