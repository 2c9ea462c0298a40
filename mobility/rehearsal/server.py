"""An ASGI app served by uvicorn in a thread on a free loopback port: real HTTP for the actors and the browser."""

from __future__ import annotations

import threading
import time
from typing import Any


class Served:
    """``with Served(app) as url:`` — the app listens on ``url`` until the block ends."""

    def __init__(self, app: Any, *, host: str = "127.0.0.1", start_timeout_s: float = 30.0) -> None:
        import uvicorn

        config = uvicorn.Config(app, host=host, port=0, log_level="warning", lifespan="on", access_log=False,
                                log_config=None)  # the caller's logging stays as it is
        self.server = uvicorn.Server(config)
        self.host = host
        self.start_timeout_s = start_timeout_s
        self.thread = threading.Thread(target=self.server.run, name="rehearsal-server", daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + self.start_timeout_s
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                msg = "the service did not start"
                raise RuntimeError(msg)
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://{self.host}:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)
