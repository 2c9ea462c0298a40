"""Write-behind of quotes: offers and rejected requests are kept in memory and stored in batches.

A quote is on the hot path of every resident; its two writes (the held offer, and for a refusal the
``booking_rejected`` log entry) go to the store in one batch by the plan writer thread, within about a
second. A booking takes its offer out of the batch and stores it in the booking's own transaction, so the
booking never waits and never misses its offer. Offers are 5-minute holds: one made in the last second
before a crash is lost, and the resident simply asks again.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from booking.store.codec import offer_to_dict
from booking.store.models import EventRow, OfferRow
from mobility.domain.events import Event
from mobility.domain.rides import Offer


class PendingWrites:
    """Offers and log entries not yet in the store (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offers: dict[str, tuple[Offer, dict[str, Any]]] = {}
        self._events: list[dict[str, Any]] = []

    def __len__(self) -> int:
        with self._lock:
            return len(self._offers) + len(self._events)

    def add_offer(self, offer: Offer, now: datetime) -> None:
        """Hold ``offer`` for the next batch."""
        row = {"id": offer.id, "customer_id": offer.request.customer_id, "created_at": now,
               "valid_until": offer.valid_until, "payload": offer_to_dict(offer)}
        with self._lock:
            self._offers[offer.id] = (offer, row)

    def add_event(self, event: Event) -> None:
        """Hold a log entry for the next batch."""
        row = {"type": str(event.type), "at": event.at, "booking_id": event.booking_id,
               "vehicle_id": event.vehicle_id, "actor": event.actor, "data": dict(event.data)}
        with self._lock:
            self._events.append(row)

    def offer(self, offer_id: str) -> Offer | None:
        """A pending offer (``None`` if it is stored already or unknown)."""
        with self._lock:
            hit = self._offers.get(offer_id)
        return None if hit is None else hit[0]

    def take_offer(self, offer_id: str) -> dict[str, Any] | None:
        """Remove a pending offer to store it elsewhere; give it back with :meth:`put_back` on failure."""
        with self._lock:
            hit = self._offers.pop(offer_id, None)
        return None if hit is None else hit[1]

    def put_back(self, offer: Offer, row: dict[str, Any]) -> None:
        """Return an offer taken with :meth:`take_offer` whose transaction failed."""
        with self._lock:
            self._offers.setdefault(offer.id, (offer, row))

    def write(self, session: Session) -> int:
        """Store everything pending in ``session`` (the caller commits); returns how many rows."""
        with self._lock:
            offers = [row for _, row in self._offers.values()]
            events = self._events
            self._offers, self._events = {}, []
        if offers:
            session.execute(sa.insert(OfferRow), offers)
        if events:
            session.execute(sa.insert(EventRow), events)
        return len(offers) + len(events)
