"""A TCP proxy in front of PostgreSQL that a test can take down and bring back: a real database outage.

``down()`` stops listening (new connections are refused) and cuts every open connection, as a stopped or crashed
database server does; ``up()`` listens again on the same port. The service under test connects to the proxy's
port and knows nothing of it.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class DbProxy:
    """Forwards ``127.0.0.1:<port>`` to ``target`` until taken down."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._upstream: set[socket.socket] = set()
        self.accepted = 0

    def __enter__(self) -> DbProxy:
        self.up()
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()

    def up(self) -> None:
        """Listen (again) and forward new connections."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        """Refuse new connections and cut the open ones."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            open_sockets, self._open = self._open, set()
        for sock in open_sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                if self._listener is not listener:  # taken down meanwhile
                    client.close()
                    server.close()
                    return
                self._open |= {client, server}
                self._upstream.add(server)
                self.accepted += 1
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65_536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            with self._lock:
                self._open -= {source, sink}
                self._upstream -= {source, sink}

    def upstream_ports(self) -> list[int]:
        """The local ports of the open connections to the database (its ``pg_stat_activity.client_port``)."""
        with self._lock:
            ports = []
            for sock in self._upstream:
                with contextlib.suppress(OSError):
                    ports.append(sock.getsockname()[1])
            return ports
