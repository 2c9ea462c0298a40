"""Driver events sent late: made while the connection was gone, queued on the phone, sent when it is back.

Such an event carries the time it happened (``at``) and a key the phone made for it (``event_id``). The time is
taken as the event's time if it is plausible — not in the future (beyond a little clock skew) and not older than
:data:`MAX_AGE` — so the plan and the log say when the bus really arrived, not when the network came back. The key
makes a resend harmless: an event whose key is already in the vehicle's log is not applied again (the phone may
have sent it before the connection broke, without hearing the answer).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from booking.service.errors import invalid
from booking.service.wording import day_time
from booking.store.models import EventRow

MAX_AGE = timedelta(hours=2)  # older queued events are refused: the dispatcher has handled the ride by then
MAX_AHEAD = timedelta(minutes=2)  # a phone's clock may run a little ahead of the server's
KEY = "event_id"
RECEIVED = "received_at"


def event_time(at: datetime | None, now: datetime, timezone: str = "Europe/Berlin") -> datetime:
    """The time of a driver's event: ``at`` if given and plausible, else ``now``; a 422 (German) otherwise."""
    if at is None:
        return now
    if at.tzinfo is None:
        raise invalid("naive_time", "Die Zeit der Meldung braucht eine Zeitzone (z. B. +01:00).", field="at")
    if at > now + MAX_AHEAD:
        raise invalid("event_in_future", f"Die Meldung trägt eine Zeit in der Zukunft ({day_time(at, timezone)}); "
                      "bitte die Uhr des Geräts prüfen.", field="at")
    if at < now - MAX_AGE:
        hours = int(MAX_AGE.total_seconds() // 3600)
        raise invalid("event_too_old", f"Die Meldung von {day_time(at, timezone)} ist älter als {hours} Stunden und "
                      "wird nicht mehr übernommen; bitte die Leitstelle anrufen.", field="at")
    return min(at, now)


def recorded(session: Session, vehicle_id: str, key: str, now: datetime) -> EventRow | None:
    """The event of ``vehicle_id`` already logged under ``key`` (looked up among its events of the last
    :data:`MAX_AGE`, the only ones a queued event can repeat)."""
    stmt = (sa.select(EventRow).where(EventRow.vehicle_id == vehicle_id, EventRow.at >= now - MAX_AGE - MAX_AHEAD)
            .order_by(EventRow.id))
    for row in session.scalars(stmt):
        if isinstance(row.data, dict) and row.data.get(KEY) == key:
            return row
    return None
