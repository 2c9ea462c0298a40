"""Pool-car use cases for residents: offers, reservations (idempotent), extend/shorten, pick-up, return, cancel.

Every write runs in one serialised transaction (:func:`booking.store.poolcars_repo.write_session`); on PostgreSQL
the exclusion constraints make a double booking impossible even if two writers pass the overlap check together.
Reservations not picked up within the grace period are released before every use case.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from booking.service.errors import ServiceError, conflict, forbidden, invalid, not_found
from booking.store import poolcars_repo as repo
from booking.store.poolcars import PoolCarRow, PoolOfferRow, PoolReservationRow
from mobility.domain import poolcar_rules as rules_mod
from mobility.domain.geo import Point
from mobility.domain.poolcar_offers import PoolCarPlanner, PoolCarRequest
from mobility.domain.poolcars import PoolCarError, PoolErrorCode, PoolRules, Reservation, ReservationState
from mobility.domain.ports import Clock

_STATUS = {
    PoolErrorCode.OVERLAPS_OWN: 409,
    PoolErrorCode.CAR_TAKEN: 409,
    PoolErrorCode.INVALID_STATE: 409,
    PoolErrorCode.NOT_PICKUP_TIME: 409,
    PoolErrorCode.OFFER_EXPIRED: 409,
    PoolErrorCode.UNKNOWN_RESERVATION: 404,
}

DEADLOCK_RETRIES = 3  # repeats of a confirmation that PostgreSQL ended with a deadlock error


def pool_error(exc: PoolCarError) -> ServiceError:
    """The HTTP-level error of a broken pool-car rule (422 unless a conflict or a missing resource)."""
    status = _STATUS.get(exc.code, 422)
    title = {409: "Konflikt", 404: "Nicht gefunden"}.get(status, "Anfrage nicht erfüllbar")
    return ServiceError(status, exc.code.value, title, exc.message, field=exc.field)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who calls: the person's id and whether they are staff (dispatcher/admin)."""

    id: str
    staff: bool = False


@dataclass(frozen=True, slots=True)
class PoolCarWish:
    """What a person asks for: a slot and a place (station, or point with walking radius) and needs."""

    start: datetime
    end: datetime
    station_id: str | None = None
    point: Point | None = None
    walk_radius_m: int | None = None
    flex_min: int = 0
    car_type_id: str | None = None
    seats: int = 1
    wheelchair: bool = False
    distance_km: int = 0


@dataclass
class PoolCarService:
    """The pool-car use cases over the store, a planner (offers, re-assignment) and the clock."""

    sessions: sessionmaker[Session]
    planner: PoolCarPlanner
    clock: Clock
    rules: PoolRules = field(default_factory=PoolRules)

    # ---- reading -------------------------------------------------------------------------------------------
    def release_overdue(self) -> list[str]:
        """Release every confirmed reservation not picked up within the grace period; returns their ids."""
        now = self.clock.now()
        cutoff = now - timedelta(seconds=self.rules.grace_s)
        overdue = sa.select(sa.func.count()).select_from(PoolReservationRow).where(
            PoolReservationRow.state == ReservationState.CONFIRMED.value, PoolReservationRow.start_at < cutoff)
        with self.sessions() as session:
            if not session.scalar(overdue):
                return []  # the common case: no write transaction needed
        with repo.write_session(self.sessions) as session:
            rows = session.scalars(
                sa.select(PoolReservationRow).where(
                    PoolReservationRow.state == ReservationState.CONFIRMED.value, PoolReservationRow.start_at < cutoff
                )
            )
            released = []
            for row in rows:
                if rules_mod.release_if_not_picked_up(repo.reservation_of(row), now, self.rules) is not None:
                    row.state, row.state_reason, row.updated_at = ReservationState.RELEASED.value, "no_pickup", now
                    released.append(row.id)
        return released

    def reservation(self, caller: Caller, reservation_id: str) -> PoolReservationRow:
        """One reservation the caller may see (404 otherwise)."""
        self.release_overdue()
        with self.sessions() as session:
            row = session.get(PoolReservationRow, reservation_id)
        if row is None or not (caller.staff or row.customer_id == caller.id):
            raise not_found("Reservierung", reservation_id)
        return row

    def reservations(self, caller: Caller, states: list[str] | None = None) -> list[PoolReservationRow]:
        """The caller's reservations (staff: all), newest first."""
        self.release_overdue()
        q = sa.select(PoolReservationRow).order_by(PoolReservationRow.start_at.desc())
        if not caller.staff:
            q = q.where(PoolReservationRow.customer_id == caller.id)
        if states:
            q = q.where(PoolReservationRow.state.in_(states))
        with self.sessions() as session:
            return list(session.scalars(q))

    # ---- offers ------------------------------------------------------------------------------------------------
    def offers(self, caller: Caller, wish: PoolCarWish) -> list[PoolOfferRow]:
        """Concrete offers (car, station, slot) for ``wish``; 422 with a German reason when there are none."""
        now = self.clock.now()
        self.release_overdue()
        try:
            slot = rules_mod.check_slot(wish.start, wish.end, now, self.rules)
        except PoolCarError as exc:
            raise pool_error(exc) from None
        request = self._request(caller, wish, slot, now)
        with self.sessions() as session:
            stations = repo.load_stations(session)
            if wish.station_id is not None and wish.station_id not in {s.id for s in stations}:
                raise invalid(
                    PoolErrorCode.UNKNOWN_STATION.value,
                    f"Die Station „{wish.station_id}“ gibt es nicht.",
                    field="station_id",
                )
            types = {c.type.id for c in repo.load_cars(session)}
            if wish.car_type_id is not None and wish.car_type_id not in types:
                raise invalid(
                    PoolErrorCode.UNKNOWN_CAR_TYPE.value,
                    f"Den Fahrzeugtyp „{wish.car_type_id}“ gibt es nicht.",
                    field="car_type_id",
                )
            own = repo.own_overlap(session, caller.id, slot.start, slot.end)
            if own is not None:
                raise conflict(
                    PoolErrorCode.OVERLAPS_OWN.value,
                    "Sie haben für diese Zeit schon eine Reservierung.",
                    reservation_id=own.id,
                )
            cars = repo.load_cars(session)
            busy = repo.busy_periods(session, now)
        found = self.planner.offers(request, cars=cars, stations=stations, busy=busy, rules=self.rules)
        if not found:
            raise invalid(
                PoolErrorCode.NO_CAR_AVAILABLE.value,
                "Für diese Zeit und diesen Ort ist kein passendes Auto frei. Bitte eine andere Zeit, "
                "mehr Flexibilität oder einen größeren Fußweg wählen.",
            )
        valid_until = now + timedelta(seconds=self.rules.offer_validity_s)
        rows = [
            PoolOfferRow(
                id=str(uuid.uuid4()),
                customer_id=caller.id,
                car_id=o.car_id,
                station_id=o.station_id,
                start_at=o.slot.start,
                end_at=o.slot.end,
                walk_m=o.walk_m,
                shift_s=o.shift_s,
                moved_from_station_id=o.moved_from_station_id,
                created_at=now,
                valid_until=valid_until,
                request=_request_json(wish),
            )
            for o in found
        ]
        with repo.write_session(self.sessions) as session:
            session.add_all(rows)
        return rows

    def _request(self, caller: Caller, wish: PoolCarWish, slot: Any, now: datetime) -> PoolCarRequest:
        if (wish.station_id is None) == (wish.point is None):
            raise invalid(
                "place_missing", "Bitte genau eines angeben: eine Station oder Koordinaten.", field="station_id"
            )
        radius = self.rules.default_walk_m if wish.walk_radius_m is None else wish.walk_radius_m
        if radius > self.rules.max_walk_m:
            raise invalid(
                PoolErrorCode.WALK_TOO_FAR.value,
                f"Der Fußweg darf höchstens {self.rules.max_walk_m} m betragen.",
                field="walk_radius_m",
            )
        if wish.flex_min * 60 > self.rules.max_flex_s:
            raise invalid(
                "flex_too_large", f"Höchstens ± {self.rules.max_flex_s // 60} Minuten Flexibilität.", field="flex_min"
            )
        return PoolCarRequest(
            id=str(uuid.uuid4()),
            customer_id=caller.id,
            slot=slot,
            submitted_at=now,
            station_id=wish.station_id,
            point=wish.point,
            walk_radius_m=radius,
            flex_s=wish.flex_min * 60,
            car_type_id=wish.car_type_id,
            seats=wish.seats,
            wheelchair=wish.wheelchair,
            range_m=wish.distance_km * 1000,
        )

    # ---- reserving -----------------------------------------------------------------------------------------
    def reserve(
        self, caller: Caller, offer_id: str, idempotency_key: str | None = None, booked_by: str | None = None
    ) -> tuple[PoolReservationRow, bool]:
        """Confirm an offer; the same ``idempotency_key`` returns the same reservation (``created`` False).

        PostgreSQL may end a wait cycle between conflicting exclusion checks with a deadlock error; the
        attempt is then simply repeated, and the repeat meets the winner's row as an ordinary conflict.
        """
        self.release_overdue()
        for _ in range(DEADLOCK_RETRIES):
            try:
                return self._reserve_once(caller, offer_id, idempotency_key, booked_by)
            except OperationalError as exc:
                if getattr(exc.orig, "sqlstate", None) != "40P01":
                    raise
        return self._reserve_once(caller, offer_id, idempotency_key, booked_by)

    def _reserve_once(
        self, caller: Caller, offer_id: str, idempotency_key: str | None, booked_by: str | None
    ) -> tuple[PoolReservationRow, bool]:
        now = self.clock.now()
        try:
            with repo.write_session(self.sessions) as session:
                if idempotency_key is not None:
                    existing = session.scalars(
                        sa.select(PoolReservationRow).where(
                            PoolReservationRow.customer_id == caller.id,
                            PoolReservationRow.idempotency_key == idempotency_key,
                        )
                    ).first()
                    if existing is not None:
                        if existing.offer_id != offer_id:
                            raise conflict(
                                "idempotency_key_reused",
                                "Dieser Idempotency-Key wurde schon für ein anderes Angebot benutzt.",
                            )
                        return existing, False
                row = self._insert(session, caller, offer_id, key=idempotency_key, booked_by=booked_by, now=now)
            return row, True
        except (repo.DoubleBooking, IntegrityError) as exc:
            replay = self._by_key(caller, idempotency_key)  # a concurrent retry with the same key won the race
            if replay is not None and replay.offer_id == offer_id:
                return replay, False
            if isinstance(exc, repo.DoubleBooking):
                raise _double_booking(exc.kind) from None
            raise conflict("offer_used", "Dieses Angebot wurde schon gebucht.") from None

    def _by_key(self, caller: Caller, key: str | None) -> PoolReservationRow | None:
        if key is None:
            return None
        with self.sessions() as session:
            return session.scalars(sa.select(PoolReservationRow).where(
                PoolReservationRow.customer_id == caller.id, PoolReservationRow.idempotency_key == key)).first()

    def _insert(
        self, session: Session, caller: Caller, offer_id: str, *, key: str | None, booked_by: str | None, now: datetime
    ) -> PoolReservationRow:
        offer = session.get(PoolOfferRow, offer_id)
        if offer is None or offer.customer_id != caller.id:
            raise not_found("Angebot", offer_id)
        if offer.valid_until < now or offer.start_at < now:
            raise conflict(PoolErrorCode.OFFER_EXPIRED.value, "Das Angebot ist abgelaufen. Bitte neu anfragen.")
        car = session.get(PoolCarRow, offer.car_id)
        if car is None or not car.in_service:
            raise conflict(PoolErrorCode.CAR_TAKEN.value, "Das Auto ist gerade nicht verfügbar. Bitte neu anfragen.")
        blocked_until = offer.end_at + timedelta(seconds=self.rules.buffer_s)
        if repo.own_overlap(session, caller.id, offer.start_at, offer.end_at) is not None:
            raise repo.DoubleBooking("customer")
        if repo.car_taken(session, offer.car_id, offer.start_at, blocked_until):
            raise repo.DoubleBooking("car")
        row = PoolReservationRow(
            id=str(uuid.uuid4()),
            customer_id=caller.id,
            car_id=offer.car_id,
            station_id=offer.station_id,
            offer_id=offer.id,
            idempotency_key=key,
            state=ReservationState.CONFIRMED.value,
            start_at=offer.start_at,
            end_at=offer.end_at,
            blocked_until=blocked_until,
            walk_m=offer.walk_m,
            moved_from_station_id=offer.moved_from_station_id,
            booked_by=booked_by,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        repo.flush_reservation(session)
        return row

    # ---- changing ------------------------------------------------------------------------------------------
    def change_end(self, caller: Caller, reservation_id: str, new_end: datetime) -> PoolReservationRow:
        """Extend or shorten; an extension must not collide with the car's next reservation (409)."""

        def apply(session: Session, row: PoolReservationRow, res: Reservation, now: datetime) -> None:
            changed = rules_mod.change_end(res, new_end, now, self.rules)
            blocked = changed.slot.end + timedelta(seconds=self.rules.buffer_s)
            if changed.slot.end > res.slot.end and repo.car_taken(session, row.car_id, row.start_at, blocked, row.id):
                raise repo.DoubleBooking("car")
            row.end_at, row.blocked_until = changed.slot.end, blocked

        return self._change(caller, reservation_id, apply)

    def pick_up(self, caller: Caller, reservation_id: str) -> PoolReservationRow:
        """The person has taken the car."""

        def apply(_s: Session, row: PoolReservationRow, res: Reservation, now: datetime) -> None:
            row.state, row.picked_up_at = rules_mod.pick_up(res, now, self.rules).state.value, now

        return self._change(caller, reservation_id, apply)

    def return_car(self, caller: Caller, reservation_id: str) -> PoolReservationRow:
        """The car is back (possibly early: the rest of the slot becomes free)."""

        def apply(session: Session, row: PoolReservationRow, res: Reservation, now: datetime) -> None:
            done = rules_mod.return_car(res, now)
            row.state, row.returned_at, row.end_at = done.state.value, now, done.slot.end
            row.blocked_until = done.slot.end + timedelta(seconds=self.rules.buffer_s)
            car = session.get(PoolCarRow, row.car_id)
            if car is not None:
                car.trips += 1

        return self._change(caller, reservation_id, apply)

    def cancel(self, caller: Caller, reservation_id: str) -> PoolReservationRow:
        """Cancel before pick-up."""

        def apply(_s: Session, row: PoolReservationRow, res: Reservation, now: datetime) -> None:
            row.state = rules_mod.cancel(res, now).state.value
            row.state_reason = "cancelled_by_staff" if caller.staff and row.customer_id != caller.id else "cancelled"

        return self._change(caller, reservation_id, apply)

    def _change(self, caller: Caller, reservation_id: str, apply: Any) -> PoolReservationRow:
        now = self.clock.now()
        self.release_overdue()
        try:
            with repo.write_session(self.sessions) as session:
                row = session.get(PoolReservationRow, reservation_id)
                if row is None or not (caller.staff or row.customer_id == caller.id):
                    raise not_found("Reservierung", reservation_id)
                apply(session, row, repo.reservation_of(row), now)
                row.updated_at = now
                repo.flush_reservation(session)
            return row
        except PoolCarError as exc:
            raise pool_error(exc) from None
        except repo.DoubleBooking as exc:
            raise _double_booking(exc.kind) from None


def _double_booking(kind: str) -> ServiceError:
    if kind == "customer":
        return conflict(PoolErrorCode.OVERLAPS_OWN.value, "Sie haben für diese Zeit schon eine Reservierung.")
    return conflict(
        PoolErrorCode.CAR_TAKEN.value, "Das Auto ist für diese Zeit schon reserviert. Bitte ein neues Angebot anfragen."
    )


def _request_json(wish: PoolCarWish) -> dict[str, Any]:
    return {
        "start": wish.start.isoformat(),
        "end": wish.end.isoformat(),
        "station_id": wish.station_id,
        "point": None if wish.point is None else [wish.point.lon, wish.point.lat],
        "walk_radius_m": wish.walk_radius_m,
        "flex_min": wish.flex_min,
        "car_type_id": wish.car_type_id,
        "seats": wish.seats,
        "wheelchair": wish.wheelchair,
        "distance_km": wish.distance_km,
    }


def require_staff(caller: Caller) -> None:
    """403 unless the caller is a dispatcher or admin."""
    if not caller.staff:
        raise forbidden("Diese Funktion ist der Disposition vorbehalten.")
