"""Server-Sent Events over the service's event bus (dispatcher and driver pages follow the plan live)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse

from booking.service.bus import EventBus, Message

KEEPALIVE_S = 15.0


def sse_response(request: Request, bus: EventBus, hello: dict[str, Any], *,
                 keep: Callable[[Message], bool] | None = None, max_events: int | None = None) -> StreamingResponse:
    """A ``text/event-stream`` of the bus's messages (those ``keep`` accepts), after a ``hello`` event; a comment
    line every :data:`KEEPALIVE_S` seconds keeps proxies from closing it; ends when the client goes away."""
    queue = bus.subscribe()

    async def events() -> AsyncIterator[str]:
        sent = 0
        try:
            yield f"event: hello\ndata: {json.dumps(hello)}\n\n"
            while max_events is None or sent < max_events:
                try:
                    message = await asyncio.wait_for(queue.get(), timeout=KEEPALIVE_S)
                except TimeoutError:
                    if await request.is_disconnected():
                        break
                    yield ": keep-alive\n\n"
                    continue
                if keep is not None and not keep(message):
                    continue
                yield message.sse()
                sent += 1
        finally:
            bus.unsubscribe(queue)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
