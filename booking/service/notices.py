"""Telling riders when a confirmed ride is lost, moved or delayed beyond its window — in plain German.

A notice says what happened, why, what to do, and the Leitstelle's phone number. :func:`tell_rider` writes it in
the caller's transaction (the outbox, :mod:`booking.store.notices`), so it exists exactly when the change it tells
of is committed; :class:`booking.service.notice_worker.NoticeWorker` sends it off the request path by the channel
the rider chose (e-mail, SMS, or the page only) and retries until it is accepted. The page hears of it at once over
the live bus (``rider_notice``) and lists every notice of the rider (:meth:`RiderNotices.inbox`).

Phone customers (``phone:…``, booked by the Leitstelle) have no account: their notice stays on the page only and
the Leitstelle calls them (the ride is in its problem list).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from booking.service.errors import ServiceError, not_found
from booking.service.wording import clock, day, day_time
from booking.store.models import BookingRow, UserRow
from booking.store.notices import CHANNELS, PAGE_ONLY, PENDING, RiderNoticeRow, RiderPreferenceRow
from mobility.domain.ports import Clock

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class NoticeKind(StrEnum):
    """What happened to a confirmed ride."""

    LOST = "lost"  # it cannot take place
    MOVED = "moved"  # another time or stop than promised
    DELAYED = "delayed"  # the vehicle comes later than the promised window


@dataclass(frozen=True, slots=True)
class NoticeSettings:
    """What every notice needs besides the ride: the Leitstelle's phone number and the local time zone."""

    control_room_phone: str | None = None
    timezone: str = "Europe/Berlin"

    def call_us(self) -> str:
        """The sentence that names the Leitstelle's number."""
        if self.control_room_phone:
            return f"die Leitstelle des Rufbusses unter {self.control_room_phone}"
        return "die Leitstelle des Rufbusses"


#: The service's reasons (for the dispatcher) in words for riders.
RIDER_REASONS = (
    ("außer Dienst", "Das Fahrzeug, das Sie abholen sollte, ist ausgefallen, und kein anderes Fahrzeug kann die "
                     "Fahrt im zugesagten Zeitfenster übernehmen."),
    ("Fahrerereignis", "Der Fahrplan des Fahrzeugs hat sich unterwegs so geändert, dass Ihre Abholung im zugesagten "
                       "Zeitfenster nicht mehr möglich ist."),
    ("Neustart", "Nach einer technischen Störung konnte Ihre Fahrt nicht wieder eingeplant werden."),
    ("Neuaufbau", "Nach einer technischen Störung konnte Ihre Fahrt nicht wieder eingeplant werden."),
)


def rider_reason(reason: str) -> str:
    """The service's reason (written for the dispatcher) as a sentence for the rider."""
    for marker, text in RIDER_REASONS:
        if marker.casefold() in reason.casefold():
            return text
    text = reason.strip().rstrip(".")
    return f"{text[:1].upper()}{text[1:]}." if text else "Ihre Fahrt konnte nicht mehr eingeplant werden."


@dataclass(frozen=True, slots=True)
class NoticeText:
    """Subject line and plain-text body of a notice."""

    subject: str
    body: str


def compose(kind: NoticeKind, row: BookingRow, stop_name: Callable[[str], str], reason: str,
            settings: NoticeSettings, *, expected: datetime | None = None) -> NoticeText:
    """The notice of ``kind`` for the ride ``row``: what happened, why, what to do, whom to call."""
    tz = settings.timezone
    route = f"{stop_name(row.pickup_stop_id)} → {stop_name(row.dropoff_stop_id)}"
    pickup = f"{clock(row.pickup_earliest, tz)}–{clock(row.pickup_latest, tz)} Uhr"
    window = f"{day(row.pickup_earliest, tz)}, Abholung {pickup}"
    ride = f"Ihre Fahrt {route} ({window})"
    if kind is NoticeKind.LOST:
        return NoticeText(
            f"Rufbus: Ihre Fahrt am {day(row.pickup_earliest, tz)} fällt aus",
            f"{ride} kann leider nicht stattfinden.\n\nGrund: {rider_reason(reason)}\n\n"
            f"Was Sie tun können: Buchen Sie auf der Seite „Fahrt buchen“ eine neue Fahrt – oder rufen Sie "
            f"{settings.call_us()} an, wir suchen mit Ihnen eine andere Fahrt. Für die ausgefallene Fahrt zahlen "
            "Sie nichts.")
    if kind is NoticeKind.MOVED:
        return NoticeText(
            f"Rufbus: Ihre Fahrt am {day(row.pickup_earliest, tz)} wurde geändert",
            f"{ride} wurde geändert.\n\nGrund: {rider_reason(reason)}\n\n"
            "Was Sie tun können: Prüfen Sie Zeit und Haltestelle unter „Meine Buchungen“. Passt Ihnen die neue "
            f"Zeit nicht, stornieren Sie dort kostenlos oder rufen Sie {settings.call_us()} an.")
    when = f"gegen {clock(expected, tz)} Uhr" if expected is not None else "später"
    return NoticeText(
        f"Rufbus verspätet sich: Abholung {when}",
        f"Ihr Rufbus kommt später als zugesagt: {ride} – das Fahrzeug ist voraussichtlich {when} an der "
        f"Haltestelle {stop_name(row.pickup_stop_id)}.\n\nGrund: {rider_reason(reason)}\n\n"
        "Was Sie tun können: Bitte warten Sie an der Haltestelle. Wenn Sie nicht mehr mitfahren möchten, "
        f"stornieren Sie unter „Meine Buchungen“ kostenlos oder rufen Sie {settings.call_us()} an.")


def dedupe_key(kind: NoticeKind, booking_id: str, detail: str = "") -> str:
    """One notice per booking and event (``detail`` tells two moves of one booking apart)."""
    return f"{kind}:{booking_id}:{detail}" if detail else f"{kind}:{booking_id}"


def tell_rider(session: Session, row: BookingRow, kind: NoticeKind, reason: str, now: datetime, *,
               settings: NoticeSettings, stop_name: Callable[[str], str], expected: datetime | None = None,
               detail: str = "") -> RiderNoticeRow | None:
    """Write the notice of ``kind`` for ``row`` into the outbox in ``session`` (the caller commits); ``None`` if the
    rider was told of this already."""
    key = dedupe_key(kind, row.id, detail)
    if session.scalar(sa.select(RiderNoticeRow.id).where(RiderNoticeRow.dedupe_key == key)) is not None:
        return None
    text = compose(kind, row, stop_name, reason, settings, expected=expected)
    channel, recipient = channel_of(session, row.customer_id)
    notice = RiderNoticeRow(customer_id=row.customer_id, booking_id=row.id, kind=str(kind), dedupe_key=key,
                            subject=text.subject, body=text.body, channel=channel, recipient=recipient,
                            status=PENDING if recipient else PAGE_ONLY, attempts=0,
                            next_attempt_at=now if recipient else None, created_at=now)
    session.add(notice)
    session.flush()
    return notice


def channel_of(session: Session, customer_id: str) -> tuple[str, str | None]:
    """The channel the customer chose and where to: ``("email", address)``, ``("sms", number)`` or
    ``("none", None)``."""
    prefs = session.get(RiderPreferenceRow, customer_id)
    if prefs is None or prefs.channel == "none":
        return "none", None
    user = session.get(UserRow, customer_id)
    if prefs.channel == "email":
        return "email", prefs.email
    return "sms", user.phone if user is not None else None


def notice_json(row: RiderNoticeRow, timezone: str = "Europe/Berlin") -> dict[str, Any]:
    """A notice as the rider's page shows it (and the live bus carries it)."""
    return {"id": row.id, "booking_id": row.booking_id, "kind": row.kind, "subject": row.subject, "body": row.body,
            "channel": row.channel, "status": row.status, "created_at": row.created_at.isoformat(),
            "created_label": day_time(row.created_at, timezone), "seen": row.seen_at is not None}


@dataclass(frozen=True, slots=True)
class Preferences:
    """How a rider wants to be told: ``channel`` (email | sms | none), the address and the phone number."""

    channel: str
    email: str | None
    phone: str | None


class RiderNotices:
    """The rider's side: the chosen channel, and the notices to read on the page."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, channels: Sequence[str] = CHANNELS) -> None:
        self.sessions = sessions
        self.clock = clock
        self.channels = tuple(channels)  # the channels this installation can send (none always)

    def preferences(self, user_id: str) -> Preferences:
        """The rider's choice (page only until they choose)."""
        with self.sessions() as session:
            user = session.get(UserRow, user_id)
            if user is None:
                raise not_found("Konto", user_id)
            prefs = session.get(RiderPreferenceRow, user_id)
            default_email = user.username if EMAIL.match(user.username) else None
            if prefs is None:
                return Preferences("none", default_email, user.phone)
            return Preferences(prefs.channel, prefs.email or default_email, user.phone)

    def choose(self, user_id: str, channel: str, email: str | None = None, phone: str | None = None) -> Preferences:
        """Store the rider's choice; e-mail needs an address, SMS a phone number (a new one replaces the old)."""
        if channel not in self.channels:
            offered = ", ".join(c for c in self.channels)
            raise ServiceError(422, "channel_unavailable", "Benachrichtigung nicht möglich",
                               f"Benachrichtigung per „{channel}“ ist hier nicht eingerichtet (möglich: {offered}).",
                               field="channel")
        email = (email or "").strip() or None
        if email is not None and not EMAIL.match(email):
            raise ServiceError(422, "invalid_email", "E-Mail-Adresse ungültig",
                               f"„{email}“ ist keine E-Mail-Adresse (Beispiel: name@beispiel.de).", field="email")
        now = self.clock.now()
        with self.sessions.begin() as session:
            user = session.get(UserRow, user_id)
            if user is None:
                raise not_found("Konto", user_id)
            if phone is not None and phone.strip():
                user.phone = phone.strip()
            if channel == "email" and email is None:
                raise ServiceError(422, "email_missing", "E-Mail-Adresse fehlt",
                                   "Für Nachrichten per E-Mail geben Sie bitte Ihre E-Mail-Adresse an.", field="email")
            if channel == "sms" and not user.phone:
                raise ServiceError(422, "phone_missing", "Telefonnummer fehlt",
                                   "Für Nachrichten per SMS geben Sie bitte Ihre Handynummer an.", field="phone")
            prefs = session.get(RiderPreferenceRow, user_id)
            if prefs is None:
                prefs = RiderPreferenceRow(user_id=user_id, channel=channel, email=email, updated_at=now)
                session.add(prefs)
            else:
                prefs.channel, prefs.email, prefs.updated_at = channel, email, now
        return self.preferences(user_id)

    def inbox(self, customer_id: str, limit: int = 20) -> list[RiderNoticeRow]:
        """The rider's notices, newest first."""
        with self.sessions() as session:
            stmt = (sa.select(RiderNoticeRow).where(RiderNoticeRow.customer_id == customer_id)
                    .order_by(RiderNoticeRow.created_at.desc(), RiderNoticeRow.id.desc()).limit(limit))
            return list(session.scalars(stmt))

    def seen(self, customer_id: str, notice_id: int) -> None:
        """The rider has read the notice (the page stops showing it as new)."""
        with self.sessions.begin() as session:
            row = session.get(RiderNoticeRow, notice_id)
            if row is None or row.customer_id != customer_id:
                raise not_found("Nachricht", str(notice_id))
            if row.seen_at is None:
                row.seen_at = self.clock.now()
