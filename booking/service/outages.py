"""A vehicle out of service for a time: taken out until a given time (or until further notice), brought back by the
dispatcher or by the clock when that time has passed — and the rides it lost are put back when it returns.

Taking a vehicle out moves its rides to other vehicles where they fit (the dispatcher's re-plan); rides that fit
nowhere are lost (REJECTED, a problem for the control room, a notice to the rider). When the vehicle returns, every
such ride still ahead (pickup window not over) is booked again with its old promise — first on the returning vehicle
(:func:`booking.service.rebook.reconfirm`); the problem is resolved ("put_back") and the rider is told.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from booking.service.context import ServiceContext
from booking.service.errors import ServiceError, invalid
from booking.service.notices import NoticeKind
from booking.service.problem_desk import open_problems_of, resolve_with
from booking.service.rebook import reconfirm
from booking.store.control import VehicleOutageRow
from booking.store.models import BookingRow, ProblemRow
from mobility.domain.rides import BookingState

if TYPE_CHECKING:
    from booking.service.operations import OperationsService

log = logging.getLogger(__name__)

MAX_OUTAGE = timedelta(days=14)
BACK_REASON = "Das Fahrzeug ist wieder im Dienst – Ihre Fahrt findet wie zugesagt statt"
_RETURNING = threading.Lock()  # one return at a time: a ride is put back once


@dataclass(frozen=True, slots=True)
class Returned:
    """What a vehicle's return did: rides put back (old booking → new booking) and rides still lost."""

    vehicle_id: str
    put_back: dict[str, str] = field(default_factory=dict)
    still_lost: list[str] = field(default_factory=list)


class Outages:
    """Out of service for a time, and back."""

    def __init__(self, ctx: ServiceContext, operations: OperationsService) -> None:
        self.ctx = ctx
        self.operations = operations

    def take_out(self, vehicle_id: str, actor: str, *, until: datetime | None = None,
                 reason: str | None = None) -> list[str]:
        """Take the vehicle out of service (until ``until``); returns the bookings no other vehicle could take.
        A vehicle already out gets the new end time."""
        vehicle = self.operations.vehicle(vehicle_id)
        now = self.ctx.clock.now()
        if until is not None and until <= now:
            raise invalid("until_past", "Die Endzeit „außer Dienst bis“ muss in der Zukunft liegen.", field="until")
        if until is not None and until > now + MAX_OUTAGE:
            raise invalid("until_far", "Außer Dienst höchstens für 14 Tage; für länger bitte ohne Endzeit.",
                          field="until")
        lost = [] if not vehicle.in_service else self.operations.set_in_service(vehicle_id, False, actor)
        with self.ctx.sessions.begin() as session:
            row = self._open(session, vehicle_id)
            if row is None:
                session.add(VehicleOutageRow(vehicle_id=vehicle_id, start=now, until=until, actor=actor,
                                             reason=reason))
            else:
                row.until = until
                row.reason = reason or row.reason
        self.ctx.bus.publish("vehicle_changed", vehicle_id=vehicle_id, in_service=False,
                             until=until.isoformat() if until else None)
        return lost

    def bring_back(self, vehicle_id: str, actor: str) -> Returned:
        """Put the vehicle back into service and its lost rides back into the plan where they still fit."""
        vehicle = self.operations.vehicle(vehicle_id)
        with _RETURNING:
            now = self.ctx.clock.now()
            with self.ctx.read_session() as session:
                if vehicle.in_service and self._open(session, vehicle_id) is None:
                    return Returned(vehicle_id)  # in service and nothing open: nothing to put back
            self.operations.set_in_service(vehicle_id, True, actor)
            with self.ctx.sessions.begin() as session:
                row = self._open(session, vehicle_id)
                since = row.start if row is not None else now - timedelta(seconds=self.ctx.options.restore_window_s)
                if row is not None:
                    row.returned_at = now
                problems = [(p.id, p.booking_id) for p in open_problems_of(session, vehicle_id, since)]
            return self._put_back(vehicle_id, problems, actor, now)

    def _put_back(self, vehicle_id: str, problems: list[tuple[int, str]], actor: str, now: datetime) -> Returned:
        result = Returned(vehicle_id)
        for problem_id, booking_id in problems:
            with self.ctx.read_session() as session:
                old = session.get(BookingRow, booking_id)
            if old is None or old.state != BookingState.REJECTED or old.pickup_latest <= now:
                continue
            def resolved(session: Session, row: BookingRow, pid: int = problem_id) -> None:
                self._resolved(session, pid, row, actor, now)

            try:
                new = reconfirm(self.ctx, old, actor=actor, now=now, vehicle_id=vehicle_id, also=resolved)
            except ServiceError as exc:  # resolved meanwhile by a dispatcher
                log.info("problem %s not put back: %s", problem_id, exc.detail)
                continue
            if new is None:
                result.still_lost.append(booking_id)
            else:
                result.put_back[booking_id] = new.id
        if result.put_back or result.still_lost:
            log.info("vehicle %s back: %d rides put back, %d still lost", vehicle_id, len(result.put_back),
                     len(result.still_lost))
        return result

    def _resolved(self, session: Session, problem_id: int, row: BookingRow, actor: str, now: datetime) -> None:
        problem = session.get(ProblemRow, problem_id)
        if problem is None or problem.resolved_at is not None:
            raise ServiceError(409, "problem_resolved", "Konflikt", "Dieses Problem ist bereits erledigt.")
        resolve_with(session, problem, "put_back", actor, now, booking_id=row.id)
        self.ctx.tell_rider(session, row, NoticeKind.MOVED, BACK_REASON, now, detail=f"back-{problem_id}")

    def return_due(self) -> list[Returned]:
        """Bring back every vehicle whose time out of service has passed (the clock's part)."""
        if all(v.in_service for v in self.ctx.dispatcher.vehicles()):
            return []
        now = self.ctx.clock.now()
        with self.ctx.read_session() as session:
            due = list(session.scalars(sa.select(VehicleOutageRow.vehicle_id).where(
                VehicleOutageRow.returned_at.is_(None), VehicleOutageRow.until.is_not(None),
                VehicleOutageRow.until <= now)))
        return [self.bring_back(vehicle_id, "system") for vehicle_id in sorted(set(due))]

    def current(self) -> dict[str, VehicleOutageRow]:
        """The open outage of every vehicle out of service (by vehicle id)."""
        with self.ctx.read_session() as session:
            rows = session.scalars(sa.select(VehicleOutageRow).where(VehicleOutageRow.returned_at.is_(None))
                                   .order_by(VehicleOutageRow.id))
            return {r.vehicle_id: r for r in rows}

    @staticmethod
    def _open(session: Session, vehicle_id: str) -> VehicleOutageRow | None:
        return session.scalars(sa.select(VehicleOutageRow).where(
            VehicleOutageRow.vehicle_id == vehicle_id, VehicleOutageRow.returned_at.is_(None),
        ).order_by(VehicleOutageRow.id.desc())).first()
