"""Simulated time: a thread-safe settable clock for the service and the agenda of due actions that moves it.

The rehearsal is a discrete-event simulation: every actor puts its next action on the :class:`Agenda`; the loop
takes the earliest, sets the clock to its time (never back, never by sleeping) and runs it. The server reads the
same clock through the ``Clock`` port, so each HTTP request sees the simulated time of the action that sent it.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from mobility.domain.clock import ManualClock

Action = Callable[[], None]


@dataclass
class SteppingClock(ManualClock):
    """A :class:`ManualClock` that several threads may read while the rehearsal sets it (never backwards)."""

    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def now(self) -> datetime:
        """The simulated time."""
        with self._lock:
            return self.current

    def set(self, when: datetime) -> datetime:
        """Move the clock to ``when`` (a time before the current one leaves it where it is)."""
        if when.tzinfo is None:
            msg = "the clock needs a timezone-aware time"
            raise ValueError(msg)
        with self._lock:
            self.current = max(self.current, when)
            return self.current

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward by ``seconds``."""
        if seconds < 0:
            msg = f"a clock cannot go back ({seconds} s)"
            raise ValueError(msg)
        with self._lock:
            self.current += timedelta(seconds=seconds)
            return self.current


@dataclass(order=True, frozen=True, slots=True)
class Due:
    """An action due at ``at``; ties run in the order they were put on the agenda."""

    at: datetime
    seq: int
    label: str = field(compare=False)
    action: Action = field(compare=False)


class Agenda:
    """The priority queue of due actions."""

    def __init__(self) -> None:
        self._heap: list[Due] = []
        self._seq = itertools.count()
        self.executed = 0

    def __len__(self) -> int:
        return len(self._heap)

    def at(self, when: datetime, label: str, action: Action) -> None:
        """Run ``action`` at ``when`` (or at once, when that has passed)."""
        heapq.heappush(self._heap, Due(when, next(self._seq), label, action))

    def peek(self) -> datetime | None:
        """When the next action is due (None when the agenda is empty)."""
        return self._heap[0].at if self._heap else None

    def run(self, clock: SteppingClock, *, until: datetime, moved: Callable[[datetime], None] | None = None,
            stop: Callable[[], bool] | None = None) -> None:
        """Run the due actions in time order up to ``until``, moving ``clock`` to each one's time.

        ``moved(t)`` runs when the clock has moved to a later ``t``, before the actions due then (the service closes
        the past there); ``stop()`` ends the run early when it says so (checked after each action).
        """
        while self._heap and self._heap[0].at <= until:
            due = heapq.heappop(self._heap)
            if due.at > clock.now():
                clock.set(due.at)
                if moved is not None:
                    moved(due.at)
            due.action()
            self.executed += 1
            if stop is not None and stop():
                return


class Pace:
    """Optional pacing for people watching the pages: the simulated clock runs at most ``speed`` times real time.

    Without a speed the rehearsal jumps from action to action; with one, moving the clock to ``t`` first waits
    until ``t`` is due on the wall clock (the only place the rehearsal ever sleeps).
    """

    def __init__(self, speed: float | None, start: datetime) -> None:
        if speed is not None and speed <= 0:
            msg = f"speed must be positive, got {speed}"
            raise ValueError(msg)
        self.speed = speed
        self.start = start
        self.wall_start = time.monotonic()

    def __call__(self, t: datetime) -> None:
        if self.speed is None:
            return
        due = self.wall_start + (t - self.start).total_seconds() / self.speed
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
