"""Rebuild the live plan from the event log alone (``mobility serve --rebuild-from-log``).

The normal restart (:meth:`OperationsService.restore`) lays out the stored plan again. This one trusts only the
append-only log: it replays it into bookings and vehicle states, makes the bookings table agree with it (a
missing row is written again from the logged offer, a row in another state follows the log), and plans every
active booking anew within its promised windows. The stored plan is then replaced as a whole.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from booking.service.context import ServiceContext
from booking.service.operations import replay_duties
from booking.store import bookings as store
from booking.store import plans as plan_store
from booking.store.codec import offer_to_dict
from booking.store.events import replay_log
from booking.store.models import BookingRow, OfferRow
from mobility.domain.eventlog import LogState
from mobility.domain.events import Event, EventType
from mobility.domain.plan import Plan

log = logging.getLogger(__name__)

CHUNK = 1_000  # booking ids per query when the table is compared with the log


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """What a rebuild did: log entries read, bookings planned, rows written or corrected, bookings lost."""

    entries: int
    planned: int
    rows_written: int
    rows_corrected: int
    lost: list[str]
    unreadable: int
    anomalies: int


def rebuild_from_log(ctx: ServiceContext) -> Rebuilt:
    """Replay the log into the dispatcher and the bookings table; bookings that fit nowhere are reported."""
    now = ctx.clock.now()
    with ctx.plan_lock, ctx.sessions() as session:
        plan_store.sync_stops(session, ctx.stops.stops())
        flags = plan_store.sync_vehicles(session, ctx.dispatcher.vehicles(), now)
        logged = replay_log(session, ctx.resolve_stop)
        for vehicle_id, stored_in_service in flags.items():
            in_service = vehicle_id not in logged.out_of_service
            if in_service != stored_in_service:
                plan_store.set_in_service(session, vehicle_id, in_service, now)
            if not in_service:
                ctx.dispatcher.record(Event(EventType.VEHICLE_OUT_OF_SERVICE, now, vehicle_id=vehicle_id,
                                            actor="rebuild"))
        written, corrected = _agree(session, logged, now)
        since = now - timedelta(seconds=ctx.options.restore_window_s)
        active = [b for b in logged.active() if b.offer.latest_arrival >= since]
        current = ctx.dispatcher.plan()
        empty = Plan(service_area=current.service_area, version=current.version, created_at=now)
        lost = sorted(ctx.dispatcher.restore(empty, active, now))
        replay_duties(ctx, session, since)
        session.flush()
        ctx.report_lost(session, lost, "nach Neuaufbau aus dem Ereignisprotokoll nicht wieder einplanbar", now)
        session.commit()
    ctx.saved_plan = None  # the stored plan is replaced as a whole
    ctx.flush_plan()
    for anomaly in logged.anomalies[:20]:
        log.warning("event log: %s", anomaly)
    if logged.unreadable:
        log.warning("event log: %d confirmations carry no offer (written before offers were logged); their "
                    "bookings were not rebuilt", len(logged.unreadable))
    result = Rebuilt(entries=logged.entries, planned=len(active) - len(lost), rows_written=written,
                     rows_corrected=corrected, lost=lost, unreadable=len(logged.unreadable),
                     anomalies=len(logged.anomalies))
    log.info("rebuilt from %d log entries: %d bookings planned, %d booking rows written again, %d corrected, "
             "%d could not be put back", result.entries, result.planned, written, corrected, len(lost))
    return result


def _agree(session: Session, logged: LogState, now: datetime) -> tuple[int, int]:
    """Make the bookings table say what the log says; returns (rows written again, rows corrected)."""
    written = corrected = 0
    ids = list(logged.bookings)
    stored: dict[str, BookingRow] = {}
    for k in range(0, len(ids), CHUNK):  # one query per chunk, not one per booking of the whole log
        chunk = sa.select(BookingRow).where(BookingRow.id.in_(ids[k:k + CHUNK]))
        stored.update((r.id, r) for r in session.scalars(chunk))
    for booking in logged.bookings.values():
        row = stored.get(booking.id)
        if row is None:
            offer = booking.offer
            if session.get(OfferRow, offer.id) is None:
                session.add(OfferRow(id=offer.id, customer_id=booking.customer_id, created_at=booking.created_at,
                                     valid_until=offer.valid_until, payload=offer_to_dict(offer)))
                session.flush()
            row = store.new_booking_row(booking.offer, booking_id=booking.id, state=booking.state,
                                        now=booking.created_at, booked_by=booking.booked_by)
            row.updated_at = booking.updated_at
            session.add(row)
            written += 1
        elif row.state != str(booking.state):
            log.warning("booking %s: the table says %s, the log %s; the log wins", booking.id, row.state,
                        booking.state)
            row.state = str(booking.state)
            row.updated_at = now
            corrected += 1
    return written, corrected
