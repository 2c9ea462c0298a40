"""Riders' data rights (DSGVO Art. 15, 16, 17, 20), retention, and the access log of staff reading rider data.

* :meth:`PrivacyService.export`: everything stored about a rider, as JSON (Art. 15 and 20).
* :meth:`PrivacyService.erase`: a rider's account ends; future rides are cancelled first, then bookings, offers,
  log entries and pool-car reservations are pseudonymised under one tombstone (``erased-…``), exact coordinates
  dropped, sign-ins and the account deleted (Art. 17). An ``erasures`` row records the tombstone and the counts.
* :meth:`PrivacyService.purge`: unbooked offers after ``quote_retention``; rider data of trips that ended more than
  ``rider_retention`` ago pseudonymised per booking (``anon-…``); ended sign-ins deleted. ``mobility privacy purge``
  and the background loop run it.
* :meth:`PrivacyService.record_access`: staff reading a rider's bookings leaves an ``access_log`` row per rider.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from booking.service.accounts import AccountService
from booking.service.bookings import BookingService
from booking.service.context import ServiceContext
from booking.service.errors import ServiceError, conflict
from booking.store import privacy as privacy_store
from booking.store import pseudonymise as pseudo
from booking.store.models import BookingRow, EventRow, OfferRow, UserRow
from booking.store.notices import RiderNoticeRow, RiderPreferenceRow
from booking.store.poolcars import PoolReservationRow
from booking.store.privacy import AccessLogRow, AuthSessionRow, ErasureRow
from mobility.domain.rides import BookingState

log = logging.getLogger(__name__)
EXPORT_FORMAT = "salzland-mobility-export/1"
ACCESS_LOG_RETENTION = timedelta(days=730)  # who read rider data: two years, then deleted


@dataclass(frozen=True, slots=True)
class PurgeReport:
    """What one retention run removed or pseudonymised."""

    offers_deleted: int = 0
    bookings_pseudonymised: int = 0
    events_pseudonymised: int = 0
    sessions_deleted: int = 0


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


class PrivacyService:
    """Data rights, retention and the access log over the booking store."""

    def __init__(self, ctx: ServiceContext, accounts: AccountService, bookings: BookingService, *,
                 quote_retention: timedelta = timedelta(hours=24),
                 rider_retention: timedelta = timedelta(days=90)) -> None:
        self.ctx = ctx
        self.accounts = accounts
        self.bookings = bookings
        self.quote_retention = quote_retention
        self.rider_retention = rider_retention

    # -- Art. 15 / 20 ---------------------------------------------------------------------------------------------
    def export(self, user_id: str) -> dict[str, Any]:
        """Everything stored about the rider ``user_id`` (machine-readable)."""
        with self.ctx.read_session() as session:
            user = session.get(UserRow, user_id)
            if user is None:
                raise ServiceError(404, "not_found", "Nicht gefunden", "Dieses Konto gibt es nicht mehr.")
            bookings = list(session.scalars(sa.select(BookingRow).where(BookingRow.customer_id == user_id)
                                            .order_by(BookingRow.created_at)))
            offers = list(session.scalars(sa.select(OfferRow).where(OfferRow.customer_id == user_id)
                                          .order_by(OfferRow.created_at)))
            booking_ids = [b.id for b in bookings]
            events = list(session.scalars(sa.select(EventRow).where(sa.or_(
                EventRow.actor == user_id, EventRow.booking_id.in_(booking_ids or [""]))).order_by(EventRow.id)))
            sessions = list(session.scalars(sa.select(AuthSessionRow).where(AuthSessionRow.user_id == user_id)))
            reservations = list(session.scalars(sa.select(PoolReservationRow)
                                                .where(PoolReservationRow.customer_id == user_id)))
            accesses = privacy_store.accesses_of(session, user_id)
            notices = list(session.scalars(sa.select(RiderNoticeRow).where(RiderNoticeRow.customer_id == user_id)
                                           .order_by(RiderNoticeRow.id)))
            preference = session.get(RiderPreferenceRow, user_id)
        return {
            "format": EXPORT_FORMAT,
            "generated_at": _iso(datetime.now(UTC)),
            "controller": "Salzlandkreis (KVG Salzland) – see docs/privacy.md",
            "account": {"id": user.id, "username": user.username, "role": user.role,
                        "display_name": user.display_name, "phone": user.phone, "vehicle_id": user.vehicle_id,
                        "active": user.active, "created_at": _iso(user.created_at)},
            "sign_ins": [{"created_at": _iso(s.created_at), "refreshed_at": _iso(s.refreshed_at),
                          "expires_at": _iso(s.expires_at), "revoked_at": _iso(s.revoked_at)} for s in sessions],
            "bookings": [_booking(b) for b in bookings],
            "offers": [{"id": o.id, "created_at": _iso(o.created_at), "valid_until": _iso(o.valid_until),
                        "offer": o.payload} for o in offers],
            "events": [{"type": e.type, "at": _iso(e.at), "booking_id": e.booking_id, "vehicle_id": e.vehicle_id,
                        "by": "you" if e.actor == user_id else "staff or driver", "data": e.data} for e in events],
            "pool_car_reservations": [{"id": r.id, "car_id": r.car_id, "station_id": r.station_id, "state": r.state,
                                       "start": _iso(r.start_at), "end": _iso(r.end_at),
                                       "created_at": _iso(r.created_at)} for r in reservations],
            "notices": [{"kind": n.kind, "subject": n.subject, "body": n.body, "channel": n.channel,
                         "recipient": n.recipient, "status": n.status, "created_at": _iso(n.created_at),
                         "sent_at": _iso(n.sent_at), "seen_at": _iso(n.seen_at)} for n in notices],
            "notice_settings": None if preference is None else {"channel": preference.channel,
                                                                  "email": preference.email},
            "accessed_by_staff": [{"at": _iso(a.at), "role": a.actor_role, "action": a.action,
                                   "booking_id": a.booking_id} for a in accesses],
            "retention": {"unbooked_offers_hours": self.quote_retention.total_seconds() / 3600,
                          "trips_pseudonymised_after_days": self.rider_retention.days},
        }

    # -- Art. 17 --------------------------------------------------------------------------------------------------
    def erase(self, user_id: str, actor: str) -> dict[str, Any]:
        """Cancel the rider's open rides, pseudonymise their data and delete the account; returns the counts."""
        now = self.ctx.clock.now()
        with self.ctx.read_session() as session:
            on_board = session.scalar(sa.select(sa.func.count()).select_from(BookingRow).where(
                BookingRow.customer_id == user_id, BookingRow.state == str(BookingState.STARTED)))
            active_cars = session.scalar(sa.select(sa.func.count()).select_from(PoolReservationRow).where(
                PoolReservationRow.customer_id == user_id,
                PoolReservationRow.state.in_(["CONFIRMED", "STARTED"]), PoolReservationRow.end_at > now))
        if on_board:
            raise conflict("ride_in_progress", "Während einer laufenden Fahrt kann das Konto nicht gelöscht werden. "
                           "Bitte nach der Fahrt erneut versuchen.")
        if active_cars:
            raise conflict("reservation_active", "Es gibt noch eine laufende oder künftige Auto-Pool-Reservierung. "
                           "Bitte sie zuerst stornieren.")
        for booking in self.bookings.list(user_id, (BookingState.CONFIRMED,), 1000):
            self.bookings.cancel(booking.id, user_id, actor)
        tomb = pseudo.tombstone("erased-")
        with self.ctx.sessions.begin() as session:
            rows = list(session.scalars(sa.select(BookingRow).where(BookingRow.customer_id == user_id)))
            done = pseudo.pseudonymise_bookings(session, rows, lambda _row: tomb, now)
            offers = pseudo.delete_unbooked_offers(session, customer_id=user_id)
            events = pseudo.pseudonymise_events(session, done, {user_id: tomb}, now)
            reservations = pseudo.pseudonymise_reservations(session, user_id, tomb)
            pseudo.pseudonymise_access_log(session, user_id, tomb)
            pseudo.erase_notices_and_orders(session, user_id, tomb)
            session.execute(sa.delete(AuthSessionRow).where(AuthSessionRow.user_id == user_id))
            session.execute(sa.delete(UserRow).where(UserRow.id == user_id))
            session.add(ErasureRow(id=tomb, at=now, reason="request", bookings=len(done), offers=offers,
                                   events=events, reservations=reservations))
        self.accounts.changed()
        log.info("rider erased on request: %d bookings, %d offers, %d log entries pseudonymised", len(done), offers,
                 events)
        return {"tombstone": tomb, "bookings": len(done), "offers_deleted": offers, "events": events,
                "reservations": reservations}

    # -- retention ------------------------------------------------------------------------------------------------
    def purge(self, now: datetime | None = None, *, batch: int = 1_000) -> PurgeReport:
        """Retention now (see :func:`purge_store`)."""
        return purge_store(self.ctx.sessions, now or self.ctx.clock.now(), quote_retention=self.quote_retention,
                           rider_retention=self.rider_retention, batch=batch)

    # -- access log -----------------------------------------------------------------------------------------------
    def record_access(self, actor_id: str, actor_role: str, action: str, rows: Sequence[BookingRow]) -> None:
        """Staff read these bookings: one access-log row per rider (booking id when it was a single booking)."""
        subjects: dict[str, str | None] = {}
        for row in rows:
            if pseudo.is_tombstone(row.customer_id):
                continue
            subjects[row.customer_id] = row.id if row.customer_id not in subjects else None
        if not subjects:
            return
        with self.ctx.sessions.begin() as session:
            privacy_store.log_access(session, actor_id=actor_id, actor_role=actor_role, action=action,
                                     subjects=subjects, now=self.ctx.clock.now())


def purge_store(sessions: sessionmaker[Session], now: datetime, *, quote_retention: timedelta,
                rider_retention: timedelta, batch: int = 1_000) -> PurgeReport:
    """Delete unbooked offers older than ``quote_retention``; pseudonymise (one ``anon-`` tombstone per booking)
    bookings whose latest arrival is older than ``rider_retention``, with their offers and log entries, and refused
    requests of that age; delete ended sign-ins and access-log rows older than two years. At most ``batch``
    bookings per call (the loop comes back)."""
    cutoff = now - rider_retention
    with sessions.begin() as session:
        offers = pseudo.delete_unbooked_offers(session, before=now - quote_retention)
        rows = list(session.scalars(sa.select(BookingRow).where(
            BookingRow.latest_arrival < cutoff, ~BookingRow.customer_id.startswith("erased-"),
            ~BookingRow.customer_id.startswith("anon-")).limit(batch)))
        done = pseudo.pseudonymise_bookings(session, rows, lambda _row: pseudo.tombstone("anon-"), now)
        refused = {c: pseudo.tombstone("anon-") for c in pseudo.refused_requests_before(session, cutoff)}
        events = pseudo.pseudonymise_events(session, done, refused, now, before=cutoff)
        ended = privacy_store.delete_stale_sessions(session, datetime.now(UTC))
        session.execute(sa.delete(AccessLogRow).where(AccessLogRow.at < now - ACCESS_LOG_RETENTION))
        if done or events:
            session.add(ErasureRow(id=pseudo.tombstone("retention-"), at=now, reason="retention",
                                   bookings=len(done), offers=offers, events=events, reservations=0))
    report = PurgeReport(offers, len(done), events, ended)
    if any(asdict(report).values()):
        log.info("retention: %s", ", ".join(f"{k} {v}" for k, v in asdict(report).items()))
    return report


def _booking(row: BookingRow) -> dict[str, Any]:
    request = row.payload.get("request", {}) if isinstance(row.payload, dict) else {}
    return {"id": row.id, "state": row.state, "state_reason": row.state_reason, "vehicle_id": row.vehicle_id,
            "pickup_stop_id": row.pickup_stop_id, "dropoff_stop_id": row.dropoff_stop_id,
            "requested_origin": request.get("origin"), "requested_destination": request.get("destination"),
            "pickup_window": [_iso(row.pickup_earliest), _iso(row.pickup_latest)],
            "planned_pickup": _iso(row.planned_pickup), "planned_dropoff": _iso(row.planned_dropoff),
            "passengers": row.passengers, "wheelchairs": row.wheelchairs, "strollers": row.strollers,
            "price_cents": row.price_cents, "booked_by_staff": row.booked_by is not None,
            "created_at": _iso(row.created_at), "updated_at": _iso(row.updated_at)}
