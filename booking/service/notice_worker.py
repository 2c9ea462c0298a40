"""The notice worker: sends the outbox of rider notices off the request path, retrying until a channel accepts, and
watches confirmed rides for a vehicle that will come later than the promised window.

A notice is only marked sent after its channel accepted it; a failure keeps it ``pending`` with the error, the
attempt count and the next attempt (30 s, 1 min, 2 min … at most an hour later). Nothing is ever dropped: a
notice whose channel is not configured waits until it is. A crash between sending and marking sends it twice
rather than never (at least once). Sending holds no database connection (SQLite has one writer).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa

from booking.service.context import ServiceContext
from booking.service.notices import NoticeKind
from booking.service.ports import NoticeChannel
from booking.store.models import BookingRow
from booking.store.notices import PENDING, SENT, RiderNoticeRow
from mobility.domain.plan import VisitKind
from mobility.domain.rides import BookingState

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)
DELAY_LOOKAHEAD = timedelta(hours=3)  # rides whose pickup window starts this soon are watched for delays
DELAY_TOLERANCE = timedelta(minutes=2)  # later than the window's end by more than this: the rider is told
DELAY_REASON = "Das Fahrzeug ist auf seiner Fahrt aufgehalten worden."
CHANNEL_NAMES = {"email": "E-Mail", "sms": "SMS"}


def retry_after(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt (doubling from 30 s, at most an hour)."""
    factor: int = 2 ** min(max(0, attempts - 1), 12)
    return min(FIRST_RETRY * factor, LAST_RETRY)


class NoticeWorker:
    """Sends due notices every ``poll_s`` seconds and looks for delayed rides every ``delay_check_s`` seconds."""

    def __init__(self, ctx: ServiceContext, channels: Mapping[str, NoticeChannel], *, poll_s: float = 5.0,
                 delay_check_s: float = 60.0, batch: int = 50) -> None:
        if poll_s <= 0 or delay_check_s <= 0 or batch <= 0:
            msg = f"poll_s, delay_check_s and batch must be positive, got {poll_s}, {delay_check_s}, {batch}"
            raise ValueError(msg)
        self.ctx = ctx
        self.channels = dict(channels)
        self.poll_s = poll_s
        self.delay_check_s = delay_check_s
        self.batch = batch
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the outbox ------------------------------------------------------------------------------------------
    def send_due(self) -> int:
        """Send the notices that are due now; returns how many a channel accepted."""
        now = self.ctx.clock.now()
        with self.ctx.read_session() as session:
            due = session.execute(
                sa.select(RiderNoticeRow.id, RiderNoticeRow.channel, RiderNoticeRow.recipient,
                          RiderNoticeRow.subject, RiderNoticeRow.body, RiderNoticeRow.attempts)
                .where(RiderNoticeRow.status == PENDING, RiderNoticeRow.next_attempt_at <= now)
                .order_by(RiderNoticeRow.next_attempt_at, RiderNoticeRow.id).limit(self.batch)).all()
        sent = 0
        for notice in due:
            channel = self.channels.get(notice.channel)
            try:
                if channel is None:
                    name = CHANNEL_NAMES.get(notice.channel, notice.channel)
                    msg = f"kein Versand per {name} eingerichtet"
                    raise RuntimeError(msg)
                channel.send(notice.recipient or "", notice.subject, notice.body)
            except Exception as exc:  # any failure: keep it and try again later
                self._failed(notice.id, notice.attempts + 1, f"{type(exc).__name__}: {exc}", now)
                continue
            self._mark(notice.id, status=SENT, sent_at=now, attempts=notice.attempts + 1, last_error=None,
                       next_attempt_at=None)
            sent += 1
        return sent

    def _failed(self, notice_id: int, attempts: int, error: str, now: datetime) -> None:
        wait = retry_after(attempts)
        log.warning("rider notice %s not sent (attempt %d), next try in %s: %s", notice_id, attempts, wait, error)
        self._mark(notice_id, attempts=attempts, last_error=error[:2000], next_attempt_at=now + wait)

    def _mark(self, notice_id: int, **values: object) -> None:
        with self.ctx.sessions.begin() as session:
            session.execute(sa.update(RiderNoticeRow).where(RiderNoticeRow.id == notice_id).values(**values))

    # -- delays ----------------------------------------------------------------------------------------------
    def check_delays(self) -> int:
        """Tell the riders whose vehicle is expected after the end of their pickup window (once per booking);
        returns how many were told now."""
        now = self.ctx.clock.now()
        with self.ctx.read_session() as session:
            ids = session.scalars(
                sa.select(BookingRow.id).where(BookingRow.state == str(BookingState.CONFIRMED),
                                               BookingRow.pickup_latest >= now - DELAY_LOOKAHEAD,
                                               BookingRow.pickup_earliest <= now + DELAY_LOOKAHEAD)).all()
        told = 0
        for booking_id in ids:
            eta = self.ctx.dispatcher.eta(booking_id, now)
            if eta is None or eta.kind is not VisitKind.PICKUP or eta.eta <= eta.window.latest + DELAY_TOLERANCE:
                continue
            with self.ctx.sessions.begin() as session:
                row = session.get(BookingRow, booking_id)
                if row is not None and row.state == str(BookingState.CONFIRMED):
                    told += self.ctx.tell_rider(session, row, NoticeKind.DELAYED, DELAY_REASON, now,
                                                expected=eta.eta) is not None
        return told

    # -- the thread ------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the thread (idempotent)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="notice-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 15.0) -> None:
        """Stop the thread (a send under way finishes first)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _loop(self) -> None:
        next_delay_check = 0.0
        waited = 0.0
        while True:
            if waited >= next_delay_check:
                self._guarded(self.check_delays, "could not check rides for delays")
                next_delay_check = waited + self.delay_check_s
            self._guarded(self.send_due, "could not send rider notices")
            if self._stop.wait(self.poll_s):
                return
            waited += self.poll_s

    @staticmethod
    def _guarded(step: Callable[[], int], what: str) -> None:
        try:
            step()
        except Exception:  # the next round tries again
            log.exception("%s; will try again", what)
