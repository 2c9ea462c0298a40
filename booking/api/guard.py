"""Two ASGI middlewares around the whole app: input hygiene before any route, and a last line for failures.

* :class:`InputGuard` refuses control characters (NUL and the other C0/C1 controls) and lone surrogates in the
  path, the query and every string (and key) of a JSON or form body with one 422 problem, before a route or a
  store sees them — so SQLite and PostGIS answer alike, and no such value reaches a log line.
* :class:`ProblemGuard` turns any exception that escaped the routes into a problem+json answer (500, or 503 with
  ``Retry-After`` when the database is unreachable) with a reference id; the log gets the same id, the error
  classes and the code location, never the message (it may hold values). Nothing propagates to the server, so the
  client always gets an HTTP answer.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from booking.api.problems import failure_response, problem_response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY = 2_000_000
MAX_DEPTH = 32
CONTROL = "Steuerzeichen (z. B. NUL) sind nicht erlaubt"


def _bad(text: str) -> bool:
    return any(unicodedata.category(c) in ("Cc", "Cs") for c in text) if not text.isprintable() else False


def _walk(value: Any, where: str, depth: int = 0) -> str | None:
    """The location of the first string (or key) with a control character, else ``None``."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(value, str):
        return where if _bad(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if _bad(str(key)):
                return where + ".?"
            found = _walk(item, f"{where}.{key}", depth + 1)
            if found:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _walk(item, f"{where}.{i}", depth + 1)
            if found:
                return found
    return None


def _clean_path(path: str) -> str:
    return "".join(c if not _bad(c) else "?" for c in path)[:200]


class InputGuard:
    """Refuse control characters anywhere in a request (422 problem+json)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        where = "path" if _bad(path) else None
        if where is None:
            query = bytes(scope.get("query_string", b"")).decode("utf-8", "replace")
            for key, value in parse_qsl(query, keep_blank_values=True):
                if _bad(key) or _bad(value):
                    where = "query." + (key if not _bad(key) else "?")
                    break
        body: bytes | None = None
        if where is None and scope.get("method") in ("POST", "PUT", "PATCH", "DELETE"):
            body, too_big = await _read_body(receive)
            if too_big:
                await problem_response(413, "payload_too_large", "Anfrage zu groß",
                                       "Der Inhalt der Anfrage ist zu groß.", _clean_path(path))(scope, receive, send)
                return
            where = _body_problem(scope, body)
        if where is not None:
            response = problem_response(422, "validation_error", "Ungültige Eingabe",
                                        f"Ungültige Eingabe – {where}: {CONTROL}", _clean_path(path),
                                        errors=[{"field": where, "message": CONTROL}])
            await response(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive) if body is not None else receive, send)


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), False


def _body_problem(scope: Scope, body: bytes) -> str | None:
    headers = dict(scope.get("headers") or [])
    kind = headers.get(b"content-type", b"").decode("latin-1").lower()
    text = body.decode("utf-8", "replace")
    if "json" in kind:
        try:
            data = json.loads(text)
        except ValueError:  # not JSON: the route's validation answers
            return None
        return _walk(data, "body")
    if "x-www-form-urlencoded" in kind:
        for key, value in parse_qsl(text, keep_blank_values=True):
            if _bad(key) or _bad(value):
                return "body." + (key if not _bad(key) else "?")
    elif _bad(text):
        return "body"
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


class ProblemGuard:
    """The last line: an exception that escaped becomes a problem+json answer with a reference id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            route = scope.get("route")
            where = f"{scope.get('method', '')} {getattr(route, 'path', None) or _clean_path(str(scope.get('path')))}"
            response = failure_response(exc, where, _clean_path(str(scope.get("path", ""))))
            if not started:
                await response(scope, receive, send)
