"""A background thread that re-optimises the live plan every few minutes (quotes never wait for it)."""

from __future__ import annotations

import logging
import threading

from mobility.domain.ports import Clock, Dispatcher

log = logging.getLogger(__name__)


class ReoptimiseLoop:
    """Calls ``dispatcher.reoptimise(clock.now(), time_limit_s)`` every ``interval_s`` seconds until stopped."""

    def __init__(self, dispatcher: Dispatcher, clock: Clock, *, interval_s: float = 300.0,
                 time_limit_s: float = 5.0) -> None:
        if interval_s <= 0 or time_limit_s <= 0:
            msg = f"interval_s and time_limit_s must be positive, got {interval_s} and {time_limit_s}"
            raise ValueError(msg)
        self.dispatcher = dispatcher
        self.clock = clock
        self.interval_s = interval_s
        self.time_limit_s = time_limit_s
        self.runs = 0
        self.replaced = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (a daemon, so it never keeps the process alive)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="reoptimise", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float | None = None) -> None:
        """Ask the thread to stop and wait for it (a running solve finishes within its time limit)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s if timeout_s is not None else self.time_limit_s + 5)
            self._thread = None

    def run_once(self) -> bool:
        """One re-optimisation now; True if the plan was replaced. Failures are logged, never raised."""
        self.runs += 1
        try:
            replaced = self.dispatcher.reoptimise(self.clock.now(), self.time_limit_s)
        except Exception:  # the loop must survive anything the solver does
            log.exception("re-optimisation run failed; the old plan stays")
            return False
        self.replaced += int(replaced)
        return replaced

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.run_once()
