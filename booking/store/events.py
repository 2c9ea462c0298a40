"""The append-only event log: append and read, never update."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from booking.store.codec import StopResolver, offer_from_json
from booking.store.models import EventRow
from mobility.domain.eventlog import LogState, fold_log
from mobility.domain.events import Event, EventType


def append_event(session: Session, event: Event) -> EventRow:
    """Append ``event`` to the log (the caller commits it together with the state it describes)."""
    row = EventRow(
        type=str(event.type),
        at=event.at,
        booking_id=event.booking_id,
        vehicle_id=event.vehicle_id,
        actor=event.actor,
        data=dict(event.data),
    )
    session.add(row)
    return row


def row_to_event(row: EventRow) -> Event:
    """The domain event of a log row."""
    return Event(
        type=EventType(row.type),
        at=row.at,
        booking_id=row.booking_id,
        vehicle_id=row.vehicle_id,
        actor=row.actor,
        data=tuple(sorted((str(k), str(v)) for k, v in row.data.items())),
    )


def list_events(
    session: Session,
    *,
    booking_id: str | None = None,
    types: Sequence[EventType] = (),
    since: datetime | None = None,
    limit: int = 1000,
) -> list[EventRow]:
    """Events in log order, filtered by booking, types and time."""
    stmt = sa.select(EventRow).order_by(EventRow.id)
    if booking_id is not None:
        stmt = stmt.where(EventRow.booking_id == booking_id)
    if types:
        stmt = stmt.where(EventRow.type.in_([str(t) for t in types]))
    if since is not None:
        stmt = stmt.where(EventRow.at >= since)
    return list(session.scalars(stmt.limit(limit)))


def replay_log(session: Session, resolve: StopResolver | None = None, *, batch: int = 5_000) -> LogState:
    """Fold the whole log (in order, streamed in batches) into bookings and vehicle states."""
    rows = session.execute(sa.select(EventRow).order_by(EventRow.id).execution_options(yield_per=batch)).scalars()
    return fold_log((row_to_event(row) for row in rows), lambda text: offer_from_json(text, resolve))
