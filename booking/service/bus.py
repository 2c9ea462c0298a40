"""In-process publish/subscribe for live updates (Server-Sent Events to the dispatcher page).

``publish`` may be called from any thread; each subscriber is an asyncio queue bound to its event loop.
A slow subscriber loses its oldest messages rather than blocking the service.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass
from typing import Any

QUEUE_SIZE = 100


@dataclass(frozen=True, slots=True)
class Message:
    """One live update: an event name (``plan_changed``, ``booking_changed``, …) and JSON data."""

    kind: str
    data: dict[str, Any]

    def sse(self) -> str:
        """The message in text/event-stream framing."""
        return f"event: {self.kind}\ndata: {json.dumps(self.data, ensure_ascii=False)}\n\n"


class EventBus:
    """Fan-out of messages to every subscriber."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Message]]] = []

    def subscribe(self) -> asyncio.Queue[Message]:
        """A new queue for the running event loop; call :meth:`unsubscribe` when done."""
        queue: asyncio.Queue[Message] = asyncio.Queue(QUEUE_SIZE)
        with self._lock:
            self._subscribers.append((asyncio.get_running_loop(), queue))
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Message]) -> None:
        """Stop delivering to ``queue``."""
        with self._lock:
            self._subscribers = [(lp, q) for lp, q in self._subscribers if q is not queue]

    @property
    def subscriber_count(self) -> int:
        """How many subscribers are listening."""
        with self._lock:
            return len(self._subscribers)

    def publish(self, kind: str, **data: Any) -> None:
        """Deliver a message to every subscriber (thread-safe, never blocks)."""
        message = Message(kind, data)
        with self._lock:
            subscribers = list(self._subscribers)
        for loop, queue in subscribers:
            try:
                loop.call_soon_threadsafe(_put, queue, message)
            except RuntimeError:  # the loop is closed: the subscriber is gone
                self.unsubscribe(queue)


def _put(queue: asyncio.Queue[Message], message: Message) -> None:
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(message)
