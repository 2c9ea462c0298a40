"""Background work: re-optimisation every few minutes and the write-behind of the plan; never blocking quotes."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import date
from datetime import time as clock_time

from booking.service.batch import batch_due, plan_day
from booking.service.context import ServiceContext
from booking.service.logsafe import log_failure
from booking.service.operations import OperationsService
from booking.service.positions import PositionService
from booking.service.privacy import PrivacyService, PurgeReport
from mobility.domain.batch import DayPlan

log = logging.getLogger(__name__)
PRIVACY_PURGE_EVERY_S = 3_600.0


@dataclass(frozen=True, slots=True)
class BatchSchedule:
    """When the daily batch plan runs (local time) and how long it may take."""

    at: clock_time
    time_limit_s: float = 60.0
    timezone: str = "Europe/Berlin"


class Reoptimiser:
    """Runs :meth:`OperationsService.reoptimise` every ``interval_s`` seconds until stopped, and once a day after
    ``batch.at`` the batch plan of the next service day (:func:`booking.service.batch.plan_day`)."""

    def __init__(self, operations: OperationsService, interval_s: float, time_limit_s: float,
                 batch: BatchSchedule | None = None) -> None:
        if interval_s <= 0 or time_limit_s <= 0:
            msg = f"interval_s and time_limit_s must be positive, got {interval_s} and {time_limit_s}"
            raise ValueError(msg)
        self.operations = operations
        self.interval_s = interval_s
        self.time_limit_s = time_limit_s
        self.batch = batch
        self.last_batch_day: date | None = None
        self.privacy: PrivacyService | None = None  # retention of personal data, when the app hands it over
        self._last_privacy_purge = -PRIVACY_PURGE_EVERY_S
        self.runs = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (idempotent)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="reoptimiser", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Ask the thread to finish and wait for it (a running solve ends within its time limit)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.run_once()

    def run_once(self) -> None:
        """One round of the loop, as the thread runs it every ``interval_s``: the clock closes the past, the solver
        re-plans, the night's batch plan runs when due, old positions are purged. Failures are logged, not raised."""
        try:
            self.operations.advance_clock()  # breaks over, duties over: before the solver looks at the plan
            self.operations.reoptimise(self.time_limit_s)
            self.run_batch_if_due()
        except Exception:  # a failed round must not end the loop; the old plan stays
            log.exception("background re-optimisation failed; the old plan stays")
        self.purge_positions()
        self.purge_personal_data()
        self.runs += 1

    def purge_personal_data(self) -> PurgeReport | None:
        """Retention (hourly): unbooked offers and rider data of long-past trips (:meth:`PrivacyService.purge`)."""
        if self.privacy is None or time.monotonic() - self._last_privacy_purge < PRIVACY_PURGE_EVERY_S:
            return None
        self._last_privacy_purge = time.monotonic()
        try:
            return self.privacy.purge()
        except Exception as exc:
            log_failure(log, "could not purge personal data; will retry in an hour", exc)
            return None

    def purge_positions(self) -> int:
        """Delete the vehicle positions past their retention period (a failure is logged, the loop goes on)."""
        try:
            return PositionService(self.operations.ctx).purge()
        except Exception:
            log.exception("could not purge old vehicle positions; will retry next round")
            return 0

    def run_batch_if_due(self) -> DayPlan | None:
        """Run the day's batch plan if its time has come and the day is not planned yet."""
        if self.batch is None:
            return None
        day = batch_due(self.operations.ctx.clock.now(), self.batch.at, self.batch.timezone, self.last_batch_day)
        if day is None:
            return None
        self.last_batch_day = day
        return plan_day(self.operations, day, self.batch.time_limit_s, round_s=self.time_limit_s)


class PlanWriter:
    """Stores the live plan and the pending quotes shortly after they changed (``debounce_s``), off the request path.
    """

    def __init__(self, ctx: ServiceContext, debounce_s: float = 2.0) -> None:
        self.ctx = ctx
        self.debounce_s = debounce_s
        self.writes = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (idempotent)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="plan-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and write what is still pending."""
        self._stop.set()
        self.ctx.plan_dirty.set()
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None
        self._write()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.ctx.plan_dirty.wait()
            if self._stop.wait(self.debounce_s):
                return
            self._write()

    def _write(self) -> None:
        self.ctx.plan_dirty.clear()
        try:
            self.ctx.flush_pending()
            if self.ctx.flush_plan():
                self.writes += 1
        except Exception:  # keep writing later changes; the bookings themselves are committed already
            log.exception("could not store the plan; will retry with the next change")
            self.ctx.plan_dirty.set()
