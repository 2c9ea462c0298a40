"""A seeded district day for the control-room browser tests: the default fleet (40 vehicles), ≥ 300 bookings from the
demand model (app riders with names and phones, and phone callers), drivers on duty with positions — seeded in-process
through the services (seconds, not minutes), then served by the real app under uvicorn."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from booking.service.bookings import Caller, Place, RideWish
from booking.service.errors import ServiceError
from booking.service.operations import DriverReport
from booking.service.outages import Outages
from booking.service.positions import PositionFix, PositionService
from booking.service.security import light_hasher
from mobility.app import Parts, build_services, create_app, load_routing
from mobility.config import Settings
from mobility.demand import DemandParams, build_demand
from mobility.domain.clock import ManualClock
from mobility.domain.plan import VisitKind
from mobility.domain.rides import Offer
from tests.booking.conftest import PASSWORD, LiveServer

BERLIN = ZoneInfo("Europe/Berlin")
SEEDED_AT = datetime(2026, 11, 23, 4, 30, tzinfo=BERLIN)  # Monday, before the first shift
NOW = datetime(2026, 11, 23, 6, 40, tzinfo=BERLIN)  # the morning under way
FIRST = ("Gerda", "Helmut", "Ingrid", "Manfred", "Renate", "Klaus", "Ursula", "Dieter", "Brigitte", "Jürgen", "Monika",
         "Wolfgang", "Karin", "Heinz", "Christa", "Günter", "Elke", "Horst", "Sabine", "Uwe")
LAST = ("Schulze", "Müller", "Schmidt", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Schäfer", "Koch",
        "Richter", "Klein", "Wolf", "Schröder")
RIDERS = 60
REQUESTS = 420


@dataclass
class District:
    """The running app with its seeded day."""

    url: str
    parts: Parts
    clock: ManualClock
    booked: list[str] = field(default_factory=list)
    refused: int = 0
    broken: list[str] = field(default_factory=list)  # the buses out of service until 09:30

    def account(self, username: str, role: str) -> str:
        """Create an account (password :data:`PASSWORD`) and return its username."""
        self.parts.services.accounts.add(username, PASSWORD, role, username.title())
        return username


def _name(k: int) -> str:
    return f"{FIRST[k % len(FIRST)]} {LAST[(k // len(FIRST) + k) % len(LAST)]}"


def seed(district: District) -> None:
    """Book the demand model's day through the services: every third request by phone (caller's name and number),
    the rest by app riders with accounts; then the early drivers work the morning until :data:`NOW` and a wheelchair
    bus breaks down."""
    services = district.parts.services
    riders = []
    for k in range(RIDERS):
        user = services.accounts.add(f"fahrgast{k:02d}", PASSWORD, "resident", _name(k + 7),
                                     phone=f"0171 55{k:05d}")
        riders.append(user.id)
    staff = services.accounts.add("leitstelle-seed", PASSWORD, "dispatcher", "Leitstelle Nacht")
    _, requests = build_demand(district.parts.routing.directory.stops(), DemandParams(requests=REQUESTS),
                               NOW.date(), BERLIN, 11)
    for k, item in enumerate(requests):
        r = item.request
        if r.requested_time <= district.clock.now():
            continue
        phone = k % 3 == 0
        customer = f"phone:03471{k:06d}" if phone else riders[k % RIDERS]
        wish = RideWish(origin=_place(r.origin_stop_id, r.origin), destination=_place(r.destination_stop_id,
                                                                                      r.destination),
                        departure=r.departure, arrival=r.arrival, passengers=r.passengers, wheelchairs=r.wheelchairs,
                        strollers=r.strollers)
        caller = (Caller(customer, booked_by=staff.id, caller_name=_name(k), caller_phone=f"03471 {k:06d}") if phone
                  else Caller(customer))
        try:
            offer: Offer = services.bookings.quote(customer, wish)
            row, _ = services.bookings.book(caller, offer.id, None)
        except ServiceError:
            district.refused += 1
            continue
        district.booked.append(row.id)
    _drive_the_morning(district)
    # wheelchair buses break down until 09:30, the busiest first, until a ride no other vehicle can take becomes a
    # problem for the control room (how many it takes depends on how the plan pooled the morning)
    outages = Outages(services.ctx, services.operations)
    for vehicle_id in _busiest_wheelchair_buses(district):
        outages.take_out(vehicle_id, staff.id, until=NOW.replace(hour=9, minute=30), reason="Motorschaden")
        district.broken.append(vehicle_id)
        services.ctx.flush_pending()
        if services.ctx.dispatcher.infeasible_routes() or _problems(district):
            break
    services.ctx.flush_plan()


def _busiest_wheelchair_buses(district: District) -> list[str]:
    """The wheelchair buses by the number of pickups they hold before 09:30, most first."""
    plan = district.parts.dispatcher.plan()
    until = NOW.replace(hour=9, minute=30)
    count = {v.id: 0 for v in district.parts.dispatcher.vehicles() if v.type.capacity.wheelchairs > 0}
    for duty in plan.duties.values():
        if duty.vehicle_id in count:
            count[duty.vehicle_id] += sum(1 for v in duty.ahead() if v.kind is VisitKind.PICKUP
                                          and v.planned_arrival < until)
    return sorted(count, key=lambda k: (-count[k], k))


def _problems(district: District) -> int:
    with district.parts.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM problems")).scalar_one())


def _place(stop_id: str | None, point: object) -> Place:
    return Place(stop_id=stop_id) if stop_id else Place(point=point)  # type: ignore[arg-type]


def _drive_the_morning(district: District) -> None:
    """The early drivers begin their duty at its start; minute by minute until :data:`NOW` every other one reports
    each stop whose time has come (arrived, boarded, dropped off) and its position — the others report nothing, so
    their rides become overdue, as when a driver forgets the buttons."""
    clock = district.clock
    vehicles = [v.id for v in district.parts.dispatcher.vehicles()]
    first = min(s.start for v in district.parts.dispatcher.vehicles() for s in v.shifts if s.end > clock.now())
    clock.advance(max(0.0, (first - clock.now()).total_seconds()))
    working: list[str] = []
    for vehicle_id in vehicles:
        duty = district.parts.dispatcher.plan().current_duty(vehicle_id, clock.now())
        if duty is not None and duty.start <= clock.now() and _event(district, vehicle_id, "duty_begin"):
            working.append(vehicle_id)
    while clock.now() < NOW:
        clock.advance(60)
        for k, vehicle_id in enumerate(working):
            if k % 3 != 2:
                _report_due_stops(district, vehicle_id)
    for vehicle_id in working:
        duty = district.parts.dispatcher.plan().current_duty(vehicle_id, clock.now())
        if duty is not None:
            ahead = duty.ahead()
            where = ahead[0].stop.point if ahead else duty.depot.point
            _position(district, vehicle_id, where.lon, where.lat)


def _position(district: District, vehicle_id: str, lon: float, lat: float) -> None:
    """Report a position; one the service refuses (a jump too fast since the last) is left out, as a device would."""
    try:
        PositionService(district.parts.services.ctx).record(vehicle_id, PositionFix(lon, lat, accuracy_m=10.0))
    except ServiceError:
        return


def _report_due_stops(district: District, vehicle_id: str) -> None:
    now = district.clock.now()
    duty = district.parts.dispatcher.plan().current_duty(vehicle_id, now)
    if duty is None:
        return
    for visit in duty.ahead():
        if visit.planned_arrival > now or visit.booking_id is None:
            return
        kinds = ("arrived", "boarded") if visit.kind is VisitKind.PICKUP else ("dropped_off",)
        for kind in kinds:
            if not _event(district, vehicle_id, kind, visit.booking_id):
                return
        _position(district, vehicle_id, visit.stop.point.lon, visit.stop.point.lat)


def _event(district: District, vehicle_id: str, kind: str, booking_id: str | None = None) -> bool:
    try:
        district.parts.services.operations.driver_event(vehicle_id, DriverReport(kind, booking_id), "seed")
    except ServiceError:
        return False
    return True


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[District]:
    """The default fleet on a seeded Monday, 06:40, served on a free loopback port."""
    tmp: Path = tmp_path_factory.mktemp("district")
    settings = Settings(database_url=f"sqlite:///{tmp / 'mobility.db'}", secret_key="district-" + uuid.uuid4().hex,
                        cache_dir=Path("/tmp/salzland-mobility-test-cache"), tile_url="", solver_time_limit_s=1.0)
    clock = ManualClock(SEEDED_AT)
    parts = build_services(settings, clock=clock, routing=load_routing(settings), hasher=light_hasher())
    app = create_app(settings, parts=parts, background=False, poolcars=False)
    with LiveServer(app) as url:
        found = District(url, parts, clock)
        seed(found)
        yield found
    parts.engine.dispose()
