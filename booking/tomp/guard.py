"""Every failure under ``/tomp/`` is a TOMP ``errorResponse``, also those answered before or around the routes.

The service-wide guards (control characters, body size, an exception no route handled, a database outage) answer
problem+json; :class:`TompErrors`, the outermost middleware, rewrites such an answer on a TOMP path into the spec's
error object (status, German detail, ``Retry-After`` kept) with the TOMP headers.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from booking.tomp.errors import BOOKING, EXECUTION, GENERAL, PLANNING, TompError
from booking.tomp.mapping import headers

PREFIX = "/tomp/"
NUMBERS = {400: 2, 401: 6, 403: 6, 404: 204, 405: 4, 409: 4, 413: 2, 422: 2, 429: 7}


def module_of(path: str) -> int:
    """The TOMP module digit of a path (for the error code)."""
    if "search-offers" in path or "/collections/offers" in path:
        return PLANNING
    if path.endswith("-leg/execution"):
        return EXECUTION
    return BOOKING if "/processes/" in path or "/collections/packages" in path else GENERAL


def rewrite(path: str, status: int, problem: dict[str, Any]) -> TompError:
    """The TOMP error for a problem+json answer on ``path``."""
    number = NUMBERS.get(status, 5)
    out = 400 if status == 422 else status
    detail = str(problem.get("detail") or problem.get("title") or "Fehler")
    return TompError(out, module_of(path), number, detail)


class TompErrors:
    """Rewrite problem+json answers under ``/tomp/`` into TOMP error objects."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not path.startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                kind = dict(message.get("headers") or []).get(b"content-type", b"")
                if kind.startswith(b"application/problem+json"):
                    held.append(message)
                    return
            if held and message["type"] == "http.response.body":
                held.append(message)
                if not message.get("more_body", False):
                    await _send_rewritten(path, held, send)
                return
            await send(message)

        await self.app(scope, receive, watch)


async def _send_rewritten(path: str, held: list[Message], send: Send) -> None:
    start = held[0]
    body = b"".join(m.get("body", b"") for m in held[1:])
    try:
        problem = json.loads(body)
    except ValueError:
        problem = {}
    error = rewrite(path, int(start["status"]), problem if isinstance(problem, dict) else {})
    content = json.dumps(error.body(), ensure_ascii=False).encode()
    out = [(k.encode(), v.encode()) for k, v in headers().items()]
    out += [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]
    out += [(k, v) for k, v in start.get("headers") or [] if k.lower() == b"retry-after"]
    await send({"type": "http.response.start", "status": error.status, "headers": out})
    await send({"type": "http.response.body", "body": content})
