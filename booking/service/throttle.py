"""Growing delays after failed attempts (sign-in per account and per client address, registration per address).

After ``free`` failures of one key, each further failure locks the key for ``base_s`` doubling up to ``max_s``;
while locked, every attempt is answered 429 with ``Retry-After`` without checking the password, right or wrong.
A key is forgotten ``forget_s`` after its last failure, or at once after a success (accounts only).
In memory, per process: a restart forgets, which costs an attacker nothing a restart would not cost the service.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Entry:
    failures: int
    last: float
    locked_until: float


class Throttle:
    """Failures and lockouts per key (thread-safe, bounded in memory)."""

    def __init__(self, *, free: int = 5, base_s: float = 1.0, max_s: float = 900.0, forget_s: float = 3_600.0,
                 max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        if free < 0 or base_s <= 0 or max_s < base_s:
            msg = f"free >= 0 and 0 < base_s <= max_s required, got {free}, {base_s}, {max_s}"
            raise ValueError(msg)
        self.free = free
        self.base_s = base_s
        self.max_s = max_s
        self.forget_s = forget_s
        self.max_keys = max_keys
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}

    def retry_after(self, key: str) -> int:
        """Whole seconds until ``key`` may try again (0: now)."""
        now = self.clock()
        with self._lock:
            entry = self._live(key, now)
            return 0 if entry is None else max(0, math.ceil(entry.locked_until - now))

    def failed(self, key: str) -> int:
        """Count a failure of ``key``; returns the seconds it is locked for now (0: not locked)."""
        now = self.clock()
        with self._lock:
            entry = self._live(key, now)
            if entry is None:
                if len(self._entries) >= self.max_keys:
                    self._prune(now)
                entry = self._entries.setdefault(key, _Entry(0, now, now))
            entry.failures += 1
            entry.last = now
            over = entry.failures - self.free
            if over > 0:
                entry.locked_until = now + min(self.max_s, self.base_s * 2 ** min(over - 1, 30))
            return max(0, math.ceil(entry.locked_until - now))

    def succeeded(self, key: str) -> None:
        """Forget ``key``'s failures."""
        with self._lock:
            self._entries.pop(key, None)

    def failures(self, key: str) -> int:
        """Failures of ``key`` still remembered."""
        with self._lock:
            entry = self._live(key, self.clock())
            return 0 if entry is None else entry.failures

    def _live(self, key: str, now: float) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is not None and now - entry.last > self.forget_s and now >= entry.locked_until:
            del self._entries[key]
            return None
        return entry

    def _prune(self, now: float) -> None:
        for key in [k for k, e in self._entries.items() if now - e.last > self.forget_s and now >= e.locked_until]:
            del self._entries[key]
        if len(self._entries) >= self.max_keys:  # still full: forget the oldest half
            for key in sorted(self._entries, key=lambda k: self._entries[k].last)[: self.max_keys // 2]:
                del self._entries[key]
