"""A real SMTP server on loopback (aiosmtpd) that keeps the messages it accepts, for the e-mail notice tests."""

from __future__ import annotations

import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _Keep:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.box.lock:
            self.box.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class Mailbox:
    """An SMTP server (started with :meth:`start`, stopped with :meth:`stop`) and the messages it accepted."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()
        self.controller: Controller | None = None

    def start(self) -> Mailbox:
        self.controller = Controller(_Keep(self), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait_for(self, count: int = 1, timeout_s: float = 10.0) -> list[tuple[list[str], EmailMessage]]:
        """The messages once at least ``count`` arrived (AssertionError after ``timeout_s``)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        msg = f"{count} message(s) expected at the SMTP server, got {len(self.messages)}"
        raise AssertionError(msg)

    def __enter__(self) -> Mailbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
