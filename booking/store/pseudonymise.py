"""Pseudonymising rider data in the store: bookings, offers, event-log entries, pool-car reservations.

A rider's ids (account id, or ``phone:<number>`` for phone bookings) are replaced by a tombstone (``erased-…`` on
request, ``anon-…`` by retention) that cannot be traced back; names, phone numbers and idempotency keys are
cleared; the exact requested coordinates are replaced by the stop's (a public place). Event-log entries are
rewritten once, marked by ``erased_at`` (the only change the log's trigger allows); their type, time, booking and
vehicle stay, so the log still tells what happened and a rebuild from it still works.
"""

from __future__ import annotations

import copy
import json
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from booking.store.control import StandingOrderRow
from booking.store.models import BookingRow, EventRow, OfferRow
from booking.store.notices import RiderNoticeRow, RiderPreferenceRow
from booking.store.poolcars import PoolOfferRow, PoolReservationRow
from booking.store.privacy import AccessLogRow
from booking.store.tomp import TompPackageRow
from booking.store.types import point_wkt

TOMBSTONE_PREFIXES = ("erased-", "anon-")
CHUNK = 500


def tombstone(prefix: str) -> str:
    """A fresh tombstone id (random: it says nothing about whom it replaced)."""
    return prefix + secrets.token_hex(12)


def is_tombstone(customer_id: str) -> bool:
    """Whether ``customer_id`` was pseudonymised already."""
    return customer_id.startswith(TOMBSTONE_PREFIXES)


def scrub_offer(payload: Mapping[str, Any], stand_in: str) -> dict[str, Any]:
    """An offer dict with the customer replaced and the requested points moved to the pickup and drop-off stops."""
    out = copy.deepcopy(dict(payload))
    request = out.get("request")
    if isinstance(request, dict):
        request["customer_id"] = stand_in
        for key, stop_key in (("origin", "pickup_stop"), ("destination", "dropoff_stop")):
            stop = out.get(stop_key)
            if isinstance(stop, dict) and "lon" in stop and "lat" in stop:
                request[key] = [stop["lon"], stop["lat"]]
    return out


def _chunks(items: Sequence[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), CHUNK):
        yield list(items[i:i + CHUNK])


def pseudonymise_bookings(session: Session, rows: Iterable[BookingRow], stand_in: Callable[[BookingRow], str],
                          now: datetime) -> dict[str, tuple[str, str]]:
    """Pseudonymise booking rows and their offers; returns booking id → (old customer id, tombstone) for the log."""
    done: dict[str, tuple[str, str]] = {}
    for row in rows:
        tomb, old = stand_in(row), row.customer_id
        row.customer_id = tomb
        row.caller_name = None
        row.caller_phone = None
        row.idempotency_key = None
        row.payload = scrub_offer(row.payload, tomb)
        pickup, dropoff = row.payload["pickup_stop"], row.payload["dropoff_stop"]
        row.origin_geom = point_wkt(float(pickup["lon"]), float(pickup["lat"]))
        row.destination_geom = point_wkt(float(dropoff["lon"]), float(dropoff["lat"]))
        row.updated_at = now
        offer = session.get(OfferRow, row.offer_id)
        if offer is not None:
            offer.customer_id = tomb
            offer.payload = scrub_offer(offer.payload, tomb)
        done[row.id] = (old, tomb)
    session.flush()
    return done


def _scrub_event(row: EventRow, stand_in: str, customers: set[str], now: datetime) -> None:
    if row.actor is not None and (row.actor in customers or row.booking_id is None):  # the rider, not staff
        row.actor = stand_in
    data = dict(row.data)
    if "customer_id" in data:
        data["customer_id"] = stand_in
    if isinstance(data.get("offer"), str):
        try:
            data["offer"] = json.dumps(scrub_offer(json.loads(data["offer"]), stand_in), separators=(",", ":"),
                                       ensure_ascii=False)
        except (ValueError, TypeError):
            data["offer"] = ""
    row.data = data
    row.erased_at = now


def pseudonymise_events(session: Session, bookings: Mapping[str, tuple[str, str]], customers: Mapping[str, str],
                        now: datetime, *, before: datetime | None = None) -> int:
    """Rewrite the log entries of ``bookings`` (id → (old customer id, tombstone)) and those a customer of
    ``customers`` (old id → tombstone) made without a booking (refused requests; only before ``before`` when given);
    each entry once."""
    count = 0
    old_ids = set(customers)
    for ids in _chunks(sorted(bookings)):
        stmt = sa.select(EventRow).where(EventRow.booking_id.in_(ids), EventRow.erased_at.is_(None))
        for row in session.scalars(stmt):
            old, tomb = bookings[str(row.booking_id)]
            _scrub_event(row, tomb, old_ids | {old}, now)
            count += 1
    for ids in _chunks(sorted(customers)):
        stmt = sa.select(EventRow).where(EventRow.actor.in_(ids), EventRow.booking_id.is_(None),
                                         EventRow.erased_at.is_(None))
        if before is not None:
            stmt = stmt.where(EventRow.at < before)
        for row in session.scalars(stmt):
            _scrub_event(row, customers[str(row.actor)], old_ids, now)
            count += 1
    session.flush()
    return count


def delete_unbooked_offers(session: Session, *, customer_id: str | None = None, before: datetime | None = None) -> int:
    """Delete offers no booking took (of one customer, or made before ``before``), and the TOMP packages made of
    them (a MaaS operator's purchase that was rolled back, released or expired)."""
    booked = sa.select(BookingRow.offer_id)
    stmt = sa.delete(OfferRow).where(OfferRow.id.not_in(booked))
    packages = sa.delete(TompPackageRow).where(TompPackageRow.booking_id.is_(None))
    if customer_id is not None:
        stmt = stmt.where(OfferRow.customer_id == customer_id)
        packages = packages.where(TompPackageRow.customer_id == customer_id)
    if before is not None:
        stmt = stmt.where(OfferRow.created_at < before)
        packages = packages.where(TompPackageRow.expires_at < before)
    session.execute(packages)
    return int(session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]


def pseudonymise_reservations(session: Session, customer_id: str, stand_in: str) -> int:
    """Pool-car reservations and pool-car offers of a customer: the reservations get the tombstone, offers go."""
    session.execute(sa.delete(PoolOfferRow).where(PoolOfferRow.customer_id == customer_id))
    stmt = (sa.update(PoolReservationRow).where(PoolReservationRow.customer_id == customer_id)
            .values(customer_id=stand_in, idempotency_key=None))
    return int(session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]


def erase_notices_and_orders(session: Session, customer_id: str, stand_in: str) -> int:
    """A rider's notices (texts to them, addresses) and notice settings go; their standing orders end, without
    name or phone. Returns how many rows were touched."""
    statements = (
        sa.delete(RiderNoticeRow).where(RiderNoticeRow.customer_id == customer_id),
        sa.delete(RiderPreferenceRow).where(RiderPreferenceRow.user_id == customer_id),
        sa.update(StandingOrderRow).where(StandingOrderRow.customer_id == customer_id).values(
            customer_id=stand_in, caller_name="–", caller_phone=None, note=None, active=False),
    )
    count = 0
    for statement in statements:
        count += int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]
    return count


def pseudonymise_access_log(session: Session, customer_id: str, stand_in: str) -> None:
    """The access log keeps who of the staff read data, under the rider's tombstone."""
    session.execute(sa.update(AccessLogRow).where(AccessLogRow.subject == customer_id).values(subject=stand_in))


def refused_requests_before(session: Session, before: datetime, limit: int = 10_000) -> list[str]:
    """Customers whose refused requests (log entries without a booking) before ``before`` are not pseudonymised."""
    stmt = (sa.select(EventRow.actor).where(EventRow.booking_id.is_(None), EventRow.actor.is_not(None),
                                            EventRow.type == "booking_rejected", EventRow.at < before,
                                            EventRow.erased_at.is_(None)).distinct().limit(limit))
    return [str(a) for a in session.scalars(stmt) if a is not None and not is_tombstone(str(a))]
