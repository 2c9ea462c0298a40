"""Write-behind of quotes: offers and rejected requests are kept in memory and stored in batches.

A quote is on the hot path of every resident; its two writes (the held offer, and for a refusal the
``booking_rejected`` log entry) go to the store in one batch by the plan writer thread, within about a
second. A booking takes its offer out of the batch and stores it in the booking's own transaction, so the
booking never waits and never misses its offer. Offers are 5-minute holds: one made in the last second
before a crash is lost, and the resident simply asks again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
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
        # held while a batch is written and committed; a booking takes its offer only outside a batch write
        self.flush_lock = threading.Lock()
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

    def take_offer(self, offer_id: str) -> tuple[Offer, dict[str, Any]] | None:
        """Remove a pending offer (and its row) to store it elsewhere; give it back with :meth:`put_back`.

        Call it holding :attr:`flush_lock`, so an offer is never in a batch being written and taken at once.
        """
        with self._lock:
            return self._offers.pop(offer_id, None)

    def put_back(self, offer: Offer, row: dict[str, Any]) -> None:
        """Return an offer taken with :meth:`take_offer` whose transaction failed."""
        with self._lock:
            self._offers.setdefault(offer.id, (offer, row))

    def drain(self) -> Batch:
        """Take everything pending (hold :attr:`flush_lock` until it is committed or given back)."""
        with self._lock:
            batch = Batch(self._offers, self._events)
            self._offers, self._events = {}, []
        return batch

    def restore(self, batch: Batch) -> None:
        """Give back a batch whose transaction failed (newer entries stay)."""
        with self._lock:
            for offer_id, item in batch.offers.items():
                self._offers.setdefault(offer_id, item)
            self._events[:0] = batch.events


@dataclass(frozen=True, slots=True)
class Batch:
    """Offers and log entries taken for one write."""

    offers: dict[str, tuple[Offer, dict[str, Any]]]
    events: list[dict[str, Any]]

    def __len__(self) -> int:
        return len(self.offers) + len(self.events)

    def write(self, session: Session) -> None:
        """Insert the batch in ``session`` (the caller commits)."""
        if self.offers:
            session.execute(sa.insert(OfferRow), [row for _, row in self.offers.values()])
        if self.events:
            session.execute(sa.insert(EventRow), self.events)
