"""Problems the control room can act on: who (name, phone), when (pickup), why — and what to do about it.

Actions (each resolves the problem and is recorded in ``problem_actions``):

* **called** — the dispatcher phoned the rider (with an optional note);
* **rebook** — on another vehicle with the old promise (:func:`booking.service.rebook.reconfirm`), or at another
  time (a fresh offer for the same stops and party, booked for the rider); the rider is told of the new ride;
* **cancel** — the ride does not take place; the rider gets the dispatcher's message (page, e-mail or SMS).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from booking.service.bookings import BookingService, Caller, Place, RideWish
from booking.service.context import ServiceContext
from booking.service.errors import conflict, invalid, not_found
from booking.service.notices import NoticeKind
from booking.service.rebook import reconfirm
from booking.store.control import ProblemActionRow
from booking.store.models import BookingRow, ProblemRow, UserRow
from mobility.domain.rides import BookingState

ACTIVE = (str(BookingState.CONFIRMED), str(BookingState.STARTED))


@dataclass(frozen=True, slots=True)
class ProblemView:
    """A problem with its booking, the rider as people know them, and what was done about it."""

    problem: ProblemRow
    booking: BookingRow | None
    rider_name: str | None
    rider_phone: str | None
    rider_kind: str  # phone | app
    actions: list[ProblemActionRow]
    actor_names: dict[str, str]  # who acted, by account id: their display name


@dataclass(frozen=True, slots=True)
class Rebooked:
    """The problem after a rebook and the new booking."""

    view: ProblemView
    booking: BookingRow


class ProblemDesk:
    """The control room's problem list and its actions."""

    def __init__(self, ctx: ServiceContext, bookings: BookingService) -> None:
        self.ctx = ctx
        self.bookings = bookings

    # -- reading --------------------------------------------------------------------------------------------------
    def problems(self, *, open_only: bool = True) -> list[ProblemView]:
        """Problems (open ones only by default), the most urgent pickup first."""
        with self.ctx.read_session() as session:
            stmt = sa.select(ProblemRow).order_by(ProblemRow.id.desc())
            if open_only:
                stmt = stmt.where(ProblemRow.resolved_at.is_(None))
            views = self._views(session, list(session.scalars(stmt)))
        far = datetime.max.replace(tzinfo=self.ctx.clock.now().tzinfo)
        return sorted(views, key=lambda v: (v.problem.resolved_at is not None,
                                            v.booking.pickup_earliest if v.booking is not None else far))

    def get(self, problem_id: int) -> ProblemView:
        """One problem, or a 404."""
        with self.ctx.read_session() as session:
            row = session.get(ProblemRow, problem_id)
            if row is None:
                raise not_found("Problem", str(problem_id))
            return self._views(session, [row])[0]

    def _views(self, session: Session, problems: Sequence[ProblemRow]) -> list[ProblemView]:
        booking_ids = {p.booking_id for p in problems}
        rows = {b.id: b for b in session.scalars(sa.select(BookingRow).where(BookingRow.id.in_(booking_ids)))}
        customers = {b.customer_id for b in rows.values() if not b.caller_name}
        users = {u.id: u for u in session.scalars(sa.select(UserRow).where(UserRow.id.in_(customers)))}
        actions: dict[int, list[ProblemActionRow]] = {}
        for a in session.scalars(sa.select(ProblemActionRow).where(
                ProblemActionRow.problem_id.in_([p.id for p in problems])).order_by(ProblemActionRow.id)):
            actions.setdefault(a.problem_id, []).append(a)
        actors = {a.actor for found in actions.values() for a in found}
        names = {r[0]: r[1] for r in session.execute(sa.select(UserRow.id, UserRow.display_name)
                                                     .where(UserRow.id.in_(actors)))}
        views = []
        for p in problems:
            b = rows.get(p.booking_id)
            user = users.get(b.customer_id) if b is not None else None
            name = (b.caller_name if b is not None else None) or (user.display_name if user is not None else None)
            phone = (b.caller_phone if b is not None else None) or (user.phone if user is not None else None)
            kind = "phone" if b is None or b.caller_name or b.customer_id.startswith("phone:") else "app"
            views.append(ProblemView(p, b, name, phone, kind, actions.get(p.id, []), names))
        return views

    # -- actions --------------------------------------------------------------------------------------------------
    def called(self, problem_id: int, actor: str, note: str | None = None) -> ProblemView:
        """The dispatcher phoned the rider: recorded, and the problem is resolved."""
        now = self.ctx.clock.now()
        with self.ctx.sessions.begin() as session:
            problem = self._open_problem(session, problem_id)
            resolve_with(session, problem, "called", actor, now, note=note)
        self._announce(problem_id)
        return self.get(problem_id)

    def rebook(self, problem_id: int, actor: str, *, vehicle_id: str | None = None,
               departure: datetime | None = None) -> Rebooked:
        """Book the ride again: on ``vehicle_id`` (or any vehicle) with the old promise, or at ``departure``."""
        if departure is not None and vehicle_id is not None:
            raise invalid("rebook_one_way", "Bitte entweder ein Fahrzeug oder eine neue Zeit wählen, nicht beides.")
        now = self.ctx.clock.now()
        with self.ctx.read_session() as session:
            problem = self._open_problem(session, problem_id)
            old = session.get(BookingRow, problem.booking_id)
        if old is None:
            raise not_found("Buchung", problem.booking_id)
        if old.state in ACTIVE:
            raise conflict("booking_active", "Die Buchung gilt noch – sie muss nicht neu gebucht werden.",
                           state=old.state)
        if departure is not None:
            return self._rebook_at(problem_id, old, departure, actor)
        if vehicle_id is not None:
            self._vehicle_in_service(vehicle_id)
        new_row = reconfirm(self.ctx, old, actor=actor, now=now, vehicle_id=vehicle_id,
                            also=lambda s, row: self._after_rebook(s, problem_id, row, actor, now))
        if new_row is None:
            raise conflict("no_vehicle", "Im zugesagten Zeitfenster kann jetzt kein Fahrzeug die Fahrt übernehmen. "
                                         "Bitte eine andere Zeit wählen.")
        self._announce(problem_id)
        return Rebooked(self.get(problem_id), new_row)

    def _rebook_at(self, problem_id: int, old: BookingRow, departure: datetime, actor: str) -> Rebooked:
        wish = RideWish(origin=Place(stop_id=old.pickup_stop_id), destination=Place(stop_id=old.dropoff_stop_id),
                        departure=departure, passengers=old.passengers, wheelchairs=old.wheelchairs,
                        strollers=old.strollers)
        offer = self.bookings.quote(old.customer_id, wish)
        caller = Caller(old.customer_id, booked_by=actor, caller_name=old.caller_name, caller_phone=old.caller_phone)
        new_row, _ = self.bookings.book(caller, offer.id, None)
        now = self.ctx.clock.now()
        with self.ctx.sessions.begin() as session:
            problem = self._open_problem(session, problem_id)
            fresh = session.get(BookingRow, new_row.id)
            assert fresh is not None
            self._after_rebook(session, problem.id, fresh, actor, now)
        self._announce(problem_id)
        return Rebooked(self.get(problem_id), new_row)

    def _after_rebook(self, session: Session, problem_id: int, row: BookingRow, actor: str, now: datetime) -> None:
        problem = self._open_problem(session, problem_id)
        resolve_with(session, problem, "rebooked", actor, now, booking_id=row.id)
        self.ctx.tell_rider(session, row, NoticeKind.MOVED, "Die Leitstelle hat Ihre Fahrt neu gebucht", now,
                            detail=f"rebook-{problem_id}")

    def cancel(self, problem_id: int, actor: str, message: str) -> ProblemView:
        """The ride does not take place: the booking is cancelled if it still holds, the rider gets ``message``."""
        message = message.strip()
        if not message:
            raise invalid("message_missing", "Bitte eine Nachricht an den Fahrgast eingeben.", field="message")
        with self.ctx.read_session() as session:
            problem = self._open_problem(session, problem_id)
            old = session.get(BookingRow, problem.booking_id)
        if old is not None and old.state in ACTIVE:
            self.bookings.cancel(old.id, None, actor)
        now = self.ctx.clock.now()
        with self.ctx.sessions.begin() as session:
            problem = self._open_problem(session, problem_id)
            resolve_with(session, problem, "cancelled", actor, now, note=message)
            row = session.get(BookingRow, problem.booking_id)
            if row is not None:
                self.ctx.tell_rider(session, row, NoticeKind.LOST, message, now, detail=f"leitstelle-{problem_id}")
        self._announce(problem_id)
        return self.get(problem_id)

    # -- helpers --------------------------------------------------------------------------------------------------
    def _open_problem(self, session: Session, problem_id: int) -> ProblemRow:
        problem = session.get(ProblemRow, problem_id)
        if problem is None:
            raise not_found("Problem", str(problem_id))
        if problem.resolved_at is not None:
            raise conflict("problem_resolved", "Dieses Problem ist bereits erledigt.")
        return problem

    def _vehicle_in_service(self, vehicle_id: str) -> None:
        for v in self.ctx.dispatcher.vehicles():
            if v.id == vehicle_id:
                if not v.in_service:
                    raise conflict("vehicle_out_of_service", f"{v.name} ist außer Dienst.")
                return
        raise not_found("Fahrzeug", vehicle_id)

    def _announce(self, problem_id: int) -> None:
        self.ctx.bus.publish("problem", problem_id=problem_id, resolved=True)


def resolve_with(session: Session, problem: ProblemRow, action: str, actor: str, now: datetime, *,
                 booking_id: str | None = None, note: str | None = None) -> None:
    """Record ``action`` on ``problem`` and resolve it (in the caller's transaction)."""
    session.add(ProblemActionRow(problem_id=problem.id, action=action, actor=actor, at=now, note=note,
                                 booking_id=booking_id))
    problem.resolved_at = now


def open_problems_of(session: Session, vehicle_id: str, since: datetime) -> list[ProblemRow]:
    """The open problems of ``vehicle_id`` reported since ``since``, oldest first."""
    return list(session.scalars(sa.select(ProblemRow).where(
        ProblemRow.vehicle_id == vehicle_id, ProblemRow.resolved_at.is_(None), ProblemRow.created_at >= since,
    ).order_by(ProblemRow.id)))
