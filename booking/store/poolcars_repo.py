"""Repository of the pool cars: rows ↔ domain objects, serialised writes, and double-booking detection.

Writers use :func:`write_session`: on SQLite it starts with ``BEGIN IMMEDIATE``, so writers run one after the
other and the overlap check before an insert cannot race; on PostgreSQL the exclusion constraints are the
guarantee and a violation surfaces as :class:`DoubleBooking`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from booking.store.poolcars import (
    CAR_EXCLUSION,
    CUSTOMER_EXCLUSION,
    PoolCarRow,
    PoolCarTypeRow,
    PoolReservationRow,
    PoolStationRow,
)
from booking.store.types import point_wkt
from mobility.domain.geo import Point
from mobility.domain.poolcar_files import Pool, parse_weekly_hours
from mobility.domain.poolcars import (
    ACTIVE_STATES,
    Car,
    CarType,
    Propulsion,
    Reservation,
    ReservationState,
    Slot,
    Station,
    StationKind,
)

ACTIVE = tuple(str(s) for s in ACTIVE_STATES)


class DoubleBooking(Exception):
    """The car (``kind="car"``) or the person (``kind="customer"``) is already booked for an overlapping period."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"overlapping active reservation of the same {kind}")
        self.kind = kind


@contextmanager
def write_session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session in one write transaction, serialised on SQLite (``BEGIN IMMEDIATE``); commits on success."""
    with sessions() as session:
        conn = session.connection()
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def flush_reservation(session: Session) -> None:
    """Flush pending reservation writes, turning an exclusion-constraint violation into :class:`DoubleBooking`."""
    try:
        session.flush()
    except IntegrityError as exc:
        name = getattr(getattr(exc.orig, "diag", None), "constraint_name", None) or ""
        if name == CAR_EXCLUSION:
            raise DoubleBooking("car") from exc
        if name == CUSTOMER_EXCLUSION:
            raise DoubleBooking("customer") from exc
        raise


def station_of(row: PoolStationRow) -> Station:
    """The domain station of a row."""
    return Station(
        row.id,
        row.name,
        row.municipality,
        Point(row.lon, row.lat),
        StationKind(row.kind),
        row.capacity,
        row.stop_id,
        row.address,
    )


def car_type_of(row: PoolCarTypeRow) -> CarType:
    """The domain car type of a row."""
    return CarType(
        row.id,
        row.name,
        row.seats,
        row.wheelchair_accessible,
        Propulsion(row.propulsion),
        row.max_range_m,
        row.make,
        row.model,
    )


def car_of(row: PoolCarRow, car_type: CarType) -> Car:
    """The domain car of a row."""
    return Car(
        row.id,
        row.name,
        car_type,
        row.station_id,
        row.plate,
        parse_weekly_hours(row.availability, where=f"car {row.id}"),
        row.in_service,
        row.current_range_m,
    )


def reservation_of(row: PoolReservationRow) -> Reservation:
    """The domain reservation of a row."""
    return Reservation(
        row.id,
        row.customer_id,
        row.car_id,
        row.station_id,
        Slot(row.start_at, row.end_at),
        ReservationState(row.state),
        row.created_at,
        row.walk_m,
        row.moved_from_station_id,
        row.picked_up_at,
        row.returned_at,
    )


def station_row(s: Station, active: bool = True) -> PoolStationRow:
    """A row for a domain station (with its point geometry)."""
    return PoolStationRow(
        id=s.id,
        name=s.name,
        municipality=s.municipality,
        kind=str(s.kind),
        lon=s.point.lon,
        lat=s.point.lat,
        capacity=s.capacity,
        stop_id=s.stop_id,
        address=s.address,
        active=active,
        geom=point_wkt(s.point.lon, s.point.lat),
    )


def car_type_row(t: CarType) -> PoolCarTypeRow:
    """A row for a domain car type."""
    return PoolCarTypeRow(
        id=t.id,
        name=t.name,
        seats=t.seats,
        wheelchair_accessible=t.wheelchair_accessible,
        propulsion=str(t.propulsion),
        max_range_m=t.max_range_m,
        make=t.make,
        model=t.model,
    )


def seed_pool(session: Session, pool: Pool, availability: dict[str, str], now: datetime) -> bool:
    """Write ``pool`` when no station exists yet; ``availability`` maps car id to its opening-hours text."""
    if session.scalar(sa.select(sa.func.count()).select_from(PoolStationRow)):
        return False
    session.add_all([station_row(s) for s in pool.stations])
    session.add_all([car_type_row(t) for t in pool.car_types])
    session.flush()
    session.add_all(
        PoolCarRow(
            id=c.id,
            name=c.name,
            type_id=c.type.id,
            station_id=c.station_id,
            plate=c.plate,
            availability=availability.get(c.id, "24/7"),
            in_service=c.in_service,
            current_range_m=c.current_range_m,
            trips=0,
            updated_at=now,
        )
        for c in pool.cars
    )
    return True


def load_stations(session: Session, *, include_inactive: bool = False) -> list[Station]:
    """The stations (active ones unless told otherwise), by id."""
    q = sa.select(PoolStationRow).order_by(PoolStationRow.id)
    if not include_inactive:
        q = q.where(PoolStationRow.active.is_(True))
    return [station_of(r) for r in session.scalars(q)]


def load_cars(session: Session, ids: Iterable[str] | None = None) -> list[Car]:
    """Cars with their types (all, or those with ``ids``), by id."""
    types = {r.id: car_type_of(r) for r in session.scalars(sa.select(PoolCarTypeRow))}
    q = sa.select(PoolCarRow).order_by(PoolCarRow.id)
    if ids is not None:
        q = q.where(PoolCarRow.id.in_(list(ids)))
    return [car_of(r, types[r.type_id]) for r in session.scalars(q)]


def active_rows(
    session: Session,
    *,
    car_ids: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[PoolReservationRow]:
    """Active reservations (optionally of some cars, blocking after ``since`` / starting before ``until``)."""
    q = sa.select(PoolReservationRow).where(PoolReservationRow.state.in_(ACTIVE))
    if car_ids is not None:
        q = q.where(PoolReservationRow.car_id.in_(list(car_ids)))
    if since is not None:
        q = q.where(PoolReservationRow.blocked_until > since)
    if until is not None:
        q = q.where(PoolReservationRow.start_at < until)
    return list(session.scalars(q.order_by(PoolReservationRow.start_at)))


def busy_periods(session: Session, since: datetime) -> dict[str, list[Slot]]:
    """Per car, the blocked periods (buffer included) of active reservations that reach past ``since``."""
    busy: dict[str, list[Slot]] = {}
    for r in active_rows(session, since=since):
        busy.setdefault(r.car_id, []).append(Slot(r.start_at, r.blocked_until))
    return busy


def car_taken(
    session: Session, car_id: str, start: datetime, blocked_until: datetime, exclude: str | None = None
) -> bool:
    """Whether another active reservation of ``car_id`` overlaps ``[start, blocked_until)``."""
    q = sa.select(PoolReservationRow.id).where(
        PoolReservationRow.car_id == car_id,
        PoolReservationRow.state.in_(ACTIVE),
        PoolReservationRow.start_at < blocked_until,
        PoolReservationRow.blocked_until > start,
    )
    if exclude is not None:
        q = q.where(PoolReservationRow.id != exclude)
    return session.scalar(q.limit(1)) is not None


def own_overlap(
    session: Session, customer_id: str, start: datetime, end: datetime, exclude: str | None = None
) -> PoolReservationRow | None:
    """An active reservation of ``customer_id`` whose slot overlaps ``[start, end)``."""
    q = sa.select(PoolReservationRow).where(
        PoolReservationRow.customer_id == customer_id,
        PoolReservationRow.state.in_(ACTIVE),
        PoolReservationRow.start_at < end,
        PoolReservationRow.end_at > start,
    )
    if exclude is not None:
        q = q.where(PoolReservationRow.id != exclude)
    return session.scalars(q.limit(1)).first()


def defer_car_exclusion(session: Session) -> None:
    """Check the car exclusion constraint only at commit (PostgreSQL), so cars can be swapped in one transaction."""
    if session.connection().dialect.name == "postgresql":
        session.execute(sa.text(f"SET CONSTRAINTS {CAR_EXCLUSION} DEFERRED"))
