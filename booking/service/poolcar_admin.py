"""Pool-car use cases of dispatchers and admins: stations, cars, occupancy, breakdowns; availability and GBFS.

A breakdown takes the car out of service and re-assigns its not-yet-started reservations to other cars of the
same station and type (the planner's CP-SAT re-assignment) in one transaction; reservations that cannot be kept
are marked REJECTED with a reason and reported back.
"""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from booking.gbfs import feed
from booking.gbfs.availability import vehicle_availability
from booking.service.errors import ServiceError, conflict, invalid, not_found
from booking.service.poolcars import PoolCarService
from booking.store import poolcars_repo as repo
from booking.store.poolcars import PoolCarRow, PoolCarTypeRow, PoolReservationRow, PoolStationRow
from mobility.domain.poolcar_files import Pool, parse_weekly_hours, pool_from_documents
from mobility.domain.poolcars import ReservationState, Slot, Station, merge_slots

DEFAULT_POOL_DIR = Path(__file__).resolve().parents[2] / "data" / "poolcars"


def read_pool_files(directory: Path = DEFAULT_POOL_DIR) -> tuple[Pool, dict[str, str]]:
    """The pool in ``directory`` (``stations.toml``, ``cars.toml``) and each car's opening-hours text."""
    stations_path, cars_path = directory / "stations.toml", directory / "cars.toml"
    stations_doc = tomllib.loads(stations_path.read_text(encoding="utf-8"))
    cars_doc = tomllib.loads(cars_path.read_text(encoding="utf-8"))
    pool = pool_from_documents(stations_doc, cars_doc, stations_source=str(stations_path), cars_source=str(cars_path))
    hours = {str(c["id"]): str(c.get("availability", "24/7")) for c in cars_doc.get("car", [])}
    return pool, hours


@dataclass(frozen=True, slots=True)
class BreakdownReport:
    """What happened to the reservations of a broken car."""

    car_id: str
    moved: dict[str, str]  # reservation id -> new car id
    unkept: list[str]


@dataclass(frozen=True, slots=True)
class CarChange:
    """Fields an admin may change on a car (``None``: unchanged)."""

    name: str | None = None
    station_id: str | None = None
    plate: str | None = None
    availability: str | None = None
    current_range_m: int | None = None


@dataclass
class PoolCarDesk:
    """Dispatcher/admin side of the pool, plus availability and the GBFS feed (public)."""

    service: PoolCarService
    system: feed.GbfsSystem = field(default_factory=feed.GbfsSystem)

    def seed(self, pool: Pool, availability: dict[str, str]) -> bool:
        """Write the configured pool into an empty store; False when stations exist already."""
        with repo.write_session(self.service.sessions) as session:
            return repo.seed_pool(session, pool, availability, self.service.clock.now())

    # ---- stations and cars ---------------------------------------------------------------------------------
    def stations(self) -> list[Station]:
        """Active stations."""
        with self.service.sessions() as session:
            return repo.load_stations(session)

    def car_rows(self) -> list[tuple[PoolCarRow, PoolCarTypeRow]]:
        """Every car with its type."""
        with self.service.sessions() as session:
            q = sa.select(PoolCarRow, PoolCarTypeRow).join(PoolCarTypeRow).order_by(PoolCarRow.id)
            return [(row[0], row[1]) for row in session.execute(q).all()]

    def save_station(self, station: Station, active: bool = True) -> Station:
        """Create or replace a station (admin)."""
        with repo.write_session(self.service.sessions) as session:
            session.merge(repo.station_row(station, active))
        return station

    def add_car(
        self, car_id: str, name: str, *, type_id: str, station_id: str, plate: str = "", availability: str = "24/7"
    ) -> PoolCarRow:
        """Add a car (admin); 409 if the id exists, 422 for an unknown type or station or bad opening hours."""
        _hours(availability)
        now = self.service.clock.now()
        with repo.write_session(self.service.sessions) as session:
            if session.get(PoolCarRow, car_id) is not None:
                raise conflict("car_exists", f"Ein Auto mit der Kennung „{car_id}“ gibt es schon.", field="id")
            if session.get(PoolCarTypeRow, type_id) is None:
                raise invalid("unknown_car_type", f"Den Fahrzeugtyp „{type_id}“ gibt es nicht.", field="type_id")
            _station(session, station_id)
            row = PoolCarRow(
                id=car_id,
                name=name,
                type_id=type_id,
                station_id=station_id,
                plate=plate,
                availability=availability,
                in_service=True,
                current_range_m=None,
                trips=0,
                updated_at=now,
            )
            session.add(row)
        return row

    def change_car(self, car_id: str, change: CarChange) -> PoolCarRow:
        """Change a car's name, home station, plate, calendar or range (admin)."""
        with repo.write_session(self.service.sessions) as session:
            row = _car(session, car_id)
            if change.station_id is not None:
                _station(session, change.station_id)
                row.station_id = change.station_id
            if change.availability is not None:
                _hours(change.availability)
                row.availability = change.availability
            for name in ("name", "plate", "current_range_m"):
                if getattr(change, name) is not None:
                    setattr(row, name, getattr(change, name))
            row.updated_at = self.service.clock.now()
        return row

    # ---- breakdowns ----------------------------------------------------------------------------------------
    def out_of_service(self, car_id: str) -> BreakdownReport:
        """Take a car out of service and re-assign its reservations that have not started."""
        svc = self.service
        now = svc.clock.now()
        svc.release_overdue()
        with repo.write_session(svc.sessions) as session:
            row = _car(session, car_id)
            peers = [
                c.id
                for c in session.scalars(
                    sa.select(PoolCarRow).where(
                        PoolCarRow.station_id == row.station_id, PoolCarRow.type_id == row.type_id
                    )
                )
            ]
            cars = repo.load_cars(session, peers)
            rows = repo.active_rows(session, car_ids=peers, since=now)
            stations = repo.load_stations(session, include_inactive=True)
            result = svc.planner.reassign(
                car_id,
                reservations=[repo.reservation_of(r) for r in rows],
                cars=cars,
                stations=stations,
                now=now,
                rules=svc.rules,
            )
            repo.defer_car_exclusion(session)
            by_id = {r.id: r for r in rows}
            for rid, new_car in result.new_car.items():
                by_id[rid].car_id, by_id[rid].updated_at = new_car, now
            for rid in result.unkept:
                r = by_id[rid]
                r.state, r.state_reason, r.updated_at = ReservationState.REJECTED.value, "car_out_of_service", now
            row.in_service, row.updated_at = False, now
            _check_no_overlap(session, peers)
        return BreakdownReport(car_id, dict(result.new_car), list(result.unkept))

    def in_service(self, car_id: str) -> PoolCarRow:
        """Put a car back into service."""
        with repo.write_session(self.service.sessions) as session:
            row = _car(session, car_id)
            row.in_service, row.updated_at = True, self.service.clock.now()
        return row

    # ---- calendars -----------------------------------------------------------------------------------------
    def occupancy(self, start: datetime, end: datetime) -> list[tuple[PoolCarRow, list[PoolReservationRow]]]:
        """Per car, the reservations (any state) that overlap ``[start, end)``."""
        _window(start, end)
        self.service.release_overdue()
        with self.service.sessions() as session:
            cars = list(session.scalars(sa.select(PoolCarRow).order_by(PoolCarRow.id)))
            res = session.scalars(
                sa.select(PoolReservationRow)
                .where(PoolReservationRow.start_at < end, PoolReservationRow.end_at > start)
                .order_by(PoolReservationRow.start_at)
            )
            per: dict[str, list[PoolReservationRow]] = {c.id: [] for c in cars}
            for r in res:
                per.setdefault(r.car_id, []).append(r)
        return [(c, per[c.id]) for c in cars]

    def availability(
        self, start: datetime, end: datetime, station_id: str | None = None, car_id: str | None = None
    ) -> list[tuple[str, list[Slot]]]:
        """Per car (of a station, or one car), the free periods within ``[start, end)`` (calendar and bookings)."""
        window = _window(start, end)
        self.service.release_overdue()
        with self.service.sessions() as session:
            if car_id is not None:
                _car(session, car_id)
            if station_id is not None:
                _station(session, station_id)
            cars = [
                c
                for c in repo.load_cars(session)
                if c.in_service
                and (car_id is None or c.id == car_id)
                and (station_id is None or c.station_id == station_id)
            ]
            busy = repo.busy_periods(session, start)
        out = []
        for c in cars:
            open_ = [window] if c.availability is None else c.availability.open_slots(window)
            out.append((c.id, _subtract(open_, busy.get(c.id, []))))
        return out

    # ---- GBFS ----------------------------------------------------------------------------------------------
    def gbfs(self, name: str, bases: Mapping[str, str], version: str = feed.GBFS_VERSION) -> dict[str, Any]:
        """One GBFS file by name (``gbfs``, ``system_information``, …) of ``version`` (3.0 or 3.1-RC3);
        ``bases``: the base URL of each version's files."""
        svc = self.service
        now = svc.clock.now()
        system = replace(self.system, version=version)
        if name not in ("gbfs", *feed.feeds_of(version)):
            raise not_found("GBFS-Datei", name)
        if name == "gbfs":
            return feed.gbfs_discovery(bases[version], now, system)
        if name == "gbfs_versions":
            return feed.gbfs_versions(bases, now, system)
        if name == "system_information":
            return feed.system_information(now, system)
        with svc.sessions() as session:
            stations, cars = repo.load_stations(session), repo.load_cars(session)
            reservations = [repo.reservation_of(r) for r in repo.active_rows(session, since=now)]
            trips = {c.id: c.trips for c in session.scalars(sa.select(PoolCarRow))}
        grace = timedelta(seconds=svc.rules.grace_s)
        reservations = [  # not-picked-up reservations past their grace period no longer hold the car
            r for r in reservations
            if r.state is ReservationState.STARTED or (r.slot.end > now and r.slot.start + grace >= now)
        ]
        if name == "vehicle_types":
            return feed.vehicle_types(list({c.type.id: c.type for c in cars}.values()), now, system)
        if name == "station_information":
            return feed.station_information(stations, cars, now, system)
        if name == "station_status":
            return feed.station_status(stations, cars, reservations, now, system)
        if name == "vehicle_availability":
            return vehicle_availability(cars, reservations, trips, now, rules=svc.rules, system=system)
        return feed.vehicle_status(cars, reservations, trips, now, system)


def _car(session: Session, car_id: str) -> PoolCarRow:
    row = session.get(PoolCarRow, car_id)
    if row is None:
        raise not_found("Auto", car_id)
    return row


def _station(session: Session, station_id: str) -> PoolStationRow:
    row = session.get(PoolStationRow, station_id)
    if row is None:
        raise invalid("unknown_station", f"Die Station „{station_id}“ gibt es nicht.", field="station_id")
    return row


def _hours(text: str) -> None:
    try:
        parse_weekly_hours(text, where="availability")
    except ValueError as exc:
        raise invalid("invalid_availability", f"Ungültige Verfügbarkeit: {exc}", field="availability") from None


def _window(start: datetime, end: datetime) -> Slot:
    if start.tzinfo is None or end.tzinfo is None or end <= start:
        raise invalid(
            "invalid_window",
            "Bitte einen Zeitraum mit Zeitzone angeben, dessen Ende nach dem Beginn liegt.",
            field="to",
        )
    if end - start > timedelta(days=31):
        raise invalid("window_too_long", "Der Zeitraum darf höchstens 31 Tage lang sein.", field="to")
    return Slot(start, end)


def _subtract(open_: Sequence[Slot], busy: Sequence[Slot]) -> list[Slot]:
    free: list[Slot] = []
    blocked = merge_slots(list(busy))
    for o in open_:
        cursor = o.start
        for b in blocked:
            if b.end <= cursor or b.start >= o.end:
                continue
            if b.start > cursor:
                free.append(Slot(cursor, b.start))
            cursor = max(cursor, b.end)
        if cursor < o.end:
            free.append(Slot(cursor, o.end))
    return free


def _check_no_overlap(session: Session, car_ids: Sequence[str]) -> None:
    """Verify before commit that no car holds overlapping active reservations (SQLite has no exclusion constraint)."""
    session.flush()
    for car_id in car_ids:
        rows = repo.active_rows(session, car_ids=[car_id])
        for a, b in itertools.pairwise(rows):
            if b.start_at < a.blocked_until:
                raise ServiceError(
                    500,
                    "reassignment_failed",
                    "Interner Fehler",
                    "Die Umplanung hätte ein Auto doppelt vergeben und wurde verworfen.",
                )
