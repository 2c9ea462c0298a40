"""Bookings between the dispatcher's confirm and their commit, and the bookings this process committed.

A booking confirms its seat under the plan lock and commits its row after releasing it, so bookings queue for
the lock only as long as the in-memory confirm takes. Whatever must see every confirmed booking committed waits
here instead: a vehicle taken out of service (it may reject bookings, which must have rows to reject), the plan
writer (it gives booking rows their planned times), and a retry of a booking still in flight.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

Claim = tuple[str, str, str | None]  # customer id, offer id, Idempotency-Key


@dataclass(frozen=True, slots=True)
class Ticket:
    """One booking in flight (returned by :meth:`InFlight.start`)."""

    seq: int
    claim: Claim


class InFlight:
    """Thread-safe registry of bookings in flight and of the offers and keys committed by this process.

    Every booking of the service area goes through this process and is registered under the plan lock before
    the dispatcher confirms it, so what the store does not show yet is here.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._seq = 0
        self._flying: dict[int, Claim] = {}
        self._offers: set[str] = set()
        self._keys: set[tuple[str, str]] = set()

    def start(self, customer_id: str, offer_id: str, key: str | None) -> Ticket:
        """Register a booking about to be confirmed (call under the plan lock)."""
        with self._cond:
            self._seq += 1
            claim = (customer_id, offer_id, key)
            self._flying[self._seq] = claim
            return Ticket(self._seq, claim)

    def finish(self, ticket: Ticket, *, committed: bool) -> bool:
        """The booking is committed (or undone in the dispatcher); False if it was finished before."""
        with self._cond:
            if self._flying.pop(ticket.seq, None) is None:
                return False
            if committed:
                customer_id, offer_id, key = ticket.claim
                self._offers.add(offer_id)
                if key is not None:
                    self._keys.add((customer_id, key))
            self._cond.notify_all()
            return True

    def seen(self, customer_id: str, offer_id: str, key: str | None) -> bool:
        """Whether the offer, or the customer's key, is in flight or was committed here."""
        with self._cond:
            if offer_id in self._offers or (key is not None and (customer_id, key) in self._keys):
                return True
            return any(self._clashes(claim, customer_id, offer_id, key) for claim in self._flying.values())

    def wait_settled(self, customer_id: str, offer_id: str, key: str | None, timeout_s: float = 30.0) -> bool:
        """Wait until no booking of this offer or key is in flight; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not any(self._clashes(c, customer_id, offer_id, key)
                                                       for c in self._flying.values()), timeout_s)

    def mark(self) -> int:
        """The number of the last booking registered so far (for :meth:`wait_done`)."""
        with self._cond:
            return self._seq

    def wait_done(self, mark: int | None = None, timeout_s: float = 30.0) -> bool:
        """Wait until every booking registered up to ``mark`` (default: now) has finished; False on timeout.

        Holding the plan lock, nothing new is registered, so this waits only for commits already under way.
        """
        with self._cond:
            upto = self._seq if mark is None else mark
            return self._cond.wait_for(lambda: all(seq > upto for seq in self._flying), timeout_s)

    @staticmethod
    def _clashes(claim: Claim, customer_id: str, offer_id: str, key: str | None) -> bool:
        return claim[1] == offer_id or (key is not None and claim[0] == customer_id and claim[2] == key)
