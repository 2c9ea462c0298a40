"""The adapter's use cases: TOMP packages on top of the booking service, whose behaviour stays as it is.

An offer of :meth:`BookingService.quote` is a TOMP offer (OFFERED, held until its ``valid_until``); the package has the
offer's id. ``purchase`` makes it PENDING (nothing is booked yet, exactly like an offer of our own API); ``confirm``
books it through :meth:`BookingService.book` (Idempotency-Key ``tomp-<package>``), after which the booking's state is
the package's; ``rollback`` and ``release`` end it unbooked; ``cancel`` cancels the booking.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from booking.service.bookings import BookingService, Caller, RideWish
from booking.service.context import ServiceContext
from booking.service.errors import ServiceError
from booking.store import bookings as booking_store
from booking.store.codec import offer_from_dict
from booking.store.models import BookingRow, EventRow
from booking.store.tomp import TompPackageRow, get_package
from booking.tomp import errors
from booking.tomp.errors import BOOKING, EXECUTION, PLANNING, TompError
from booking.tomp.states import LegState, PackageState, leg_state, move, package_state
from mobility.domain.events import EventType
from mobility.domain.geo import Point
from mobility.domain.rides import Offer
from mobility.domain.stops import Stop

P = PackageState
ARRIVAL_LOOKBACK = timedelta(hours=1)  # a vehicle waiting at the pickup arrived at most this long before the window


@dataclass(frozen=True, slots=True)
class PackageView:
    """A package as the MaaS operator sees it now."""

    id: str  # the package's (= the offer's) id
    offer: Offer  # as offered, or as confirmed once booked
    state: PackageState
    leg: LegState
    expires_at: datetime
    booking: BookingRow | None = None


class TompService:
    """TOMP packages of MaaS operators' accounts."""

    def __init__(self, ctx: ServiceContext, bookings: BookingService,
                 geometry: Callable[[Stop, Stop], Sequence[tuple[float, float]]],
                 retention: timedelta = timedelta(hours=24)) -> None:
        self.ctx = ctx
        self.bookings = bookings
        self.geometry = geometry
        self.retention = retention  # unbooked packages are deleted this long after their hold (like the offers)

    # -- planning -------------------------------------------------------------------------------------------------
    def search(self, customer_id: str, wish: RideWish) -> Offer:
        """The best offer (a ServiceError from the booking service when there is none); a GPS place that lies in
        the service area only with longitude and latitude swapped is refused with that hint (x002)."""
        for name, place in (("from", wish.origin), ("to", wish.destination)):
            p = place.point
            if p is not None and abs(p.lon) <= 90 and not self.ctx.stops.in_service_area(p) \
                    and self.ctx.stops.in_service_area(Point(p.lat, p.lon)):
                raise errors.invalid(PLANNING, f"inputs.specification.{name}",
                                     f"({p.lon}, {p.lat}) liegt außerhalb des Bediengebiets, vertauscht aber darin: "
                                     "GPS-Angaben sind „GPS:Länge,Breite“.")
        return self.bookings.quote(customer_id, wish)

    def view(self, customer_id: str, package_id: str, module: int = BOOKING) -> PackageView:
        """The package (or offer) ``package_id`` of this customer, as it is now (x204 if there is none)."""
        with self.ctx.read_session() as session:
            row = get_package(session, package_id)
            return self._view(session, customer_id, package_id, row, module)

    # -- purchase -------------------------------------------------------------------------------------------------
    def purchase(self, customer_id: str, offer_id: str) -> PackageView:
        """OFFERED → PENDING (a retry of a PENDING package answers it unchanged)."""
        now = self.ctx.clock.now()
        with self.ctx.sessions() as session:
            row = get_package(session, offer_id, for_update=True)
            view = self._view(session, customer_id, offer_id, row, BOOKING)
            if view.state is P.PENDING:
                return view
            self._require(view, P.PENDING, "gekauft")
            self._purge(session, customer_id, now)
            session.add(TompPackageRow(id=offer_id, customer_id=customer_id, state=str(P.PENDING),
                                       expires_at=view.offer.valid_until, created_at=now, updated_at=now))
            session.commit()
        return self.view(customer_id, offer_id)

    def release(self, customer_id: str, package_id: str) -> PackageView:
        """OFFERED → RELEASED: the MaaS operator does not want the offer."""
        return self._set_unbooked(customer_id, package_id, P.RELEASED, "freigegeben")

    def rollback(self, customer_id: str, package_id: str) -> PackageView:
        """PENDING → ROLLBACK: the purchase is undone before it was confirmed; nothing was booked."""
        return self._set_unbooked(customer_id, package_id, P.ROLLBACK, "zurückgenommen")

    def confirm(self, customer_id: str, package_id: str) -> PackageView:
        """PENDING → CONFIRMED: book the offer. A seat taken meanwhile: EXPIRED and x202 with the fresh offer."""
        view = self.view(customer_id, package_id)
        if view.booking is not None and view.state is not P.EXPIRED:
            return view  # confirmed already (a retry)
        self._require(view, P.CONFIRMED, "bestätigt", pending=True)
        try:
            booking, _created = self.bookings.book(Caller(customer_id), package_id, f"tomp-{package_id}")
        except ServiceError as exc:
            raise self._not_booked(customer_id, package_id, exc) from None
        with self.ctx.sessions() as session:
            row = get_package(session, package_id, for_update=True)
            assert row is not None
            lost_race = row.state != str(P.PENDING) and row.booking_id is None
            if not lost_race:
                row.state, row.booking_id, row.updated_at = str(P.CONFIRMED), booking.id, self.ctx.clock.now()
                session.commit()
        if lost_race:  # rolled back while the booking was made: the rollback wins
            self.bookings.cancel(booking.id, customer_id, customer_id)
            raise errors.illegal(BOOKING, "Der Kauf wurde inzwischen zurückgenommen; die Buchung ist storniert.")
        return self.view(customer_id, package_id)

    def cancel(self, customer_id: str, package_id: str) -> PackageView:
        """CONFIRMED → CANCELLED: the booking is cancelled, the seat goes back into the plan."""
        view = self.view(customer_id, package_id)
        if view.state is P.CANCELLED and view.booking is not None:
            return view
        self._require(view, P.CANCELLED, "storniert")
        assert view.booking is not None
        try:
            self.bookings.cancel(view.booking.id, customer_id, customer_id)
        except ServiceError as exc:
            raise errors.from_service(BOOKING, exc) from None
        return self.view(customer_id, package_id)

    # -- execution ------------------------------------------------------------------------------------------------
    def leg_operation(self, customer_id: str, operation: str, leg_id: str) -> PackageView:
        """Every leg operation of a MaaS operator is refused (x004): a driven ride's leg is moved by the driver."""
        view = self.view(customer_id, leg_id, EXECUTION)
        raise errors.illegal(EXECUTION, f"„{operation}“ ist für diese Fahrt nicht möglich (Zustand {view.leg}): "
                             "Ankunft, Einstieg und Ausstieg meldet die Fahrerin oder der Fahrer; "
                             "abfragen mit GET /collections/packages/items.")

    # -- helpers --------------------------------------------------------------------------------------------------
    def _set_unbooked(self, customer_id: str, package_id: str, target: PackageState, verb: str) -> PackageView:
        now = self.ctx.clock.now()
        with self.ctx.sessions() as session:
            row = get_package(session, package_id, for_update=True)
            view = self._view(session, customer_id, package_id, row, BOOKING)
            if view.state is target:
                return view
            self._require(view, target, verb)
            if row is None:
                self._purge(session, customer_id, now)
                row = TompPackageRow(id=package_id, customer_id=customer_id, expires_at=view.offer.valid_until,
                                     created_at=now)
                session.add(row)
            row.state, row.updated_at = str(target), now
            session.commit()
        return self.view(customer_id, package_id)

    def _purge(self, session: Session, customer_id: str, now: datetime) -> None:
        """Delete this customer's packages that were never booked and whose hold ended before the retention."""
        session.execute(sa.delete(TompPackageRow).where(
            TompPackageRow.customer_id == customer_id, TompPackageRow.booking_id.is_(None),
            TompPackageRow.expires_at < now - self.retention))

    @staticmethod
    def _require(view: PackageView, target: PackageState, verb: str, *, pending: bool = False) -> None:
        if view.state is P.EXPIRED:
            raise TompError(409, BOOKING, 202, f"Das Angebot {view.id} ist abgelaufen; bitte neu suchen.")
        try:
            move(view.state, target)
        except ValueError:
            hint = " Erst kaufen (purchase-offers)." if pending and view.state is P.OFFERED else ""
            raise errors.illegal(BOOKING, f"Ein Paket im Zustand {view.state} kann nicht {verb} werden.{hint}") \
                from None

    def _not_booked(self, customer_id: str, package_id: str, exc: ServiceError) -> TompError:
        if exc.status != 409 or exc.code != "seat_taken":
            return errors.from_service(BOOKING, exc)
        self._set_unbooked_state(package_id, P.EXPIRED)
        fresh = exc.extra.get("fresh_offer_id")
        error = TompError(409, BOOKING, 202, exc.detail)
        error.links = [{"rel": "offer", "href": f"collections/offers/items?offerId={fresh}"}] if fresh else []
        return error

    def _set_unbooked_state(self, package_id: str, state: PackageState) -> None:
        with self.ctx.sessions() as session:
            row = get_package(session, package_id, for_update=True)
            if row is not None and row.booking_id is None:
                row.state, row.updated_at = str(state), self.ctx.clock.now()
                session.commit()

    def _view(self, session: Session, customer_id: str, package_id: str, row: TompPackageRow | None,
              module: int) -> PackageView:
        booking = booking_store.get_booking_row(session, row.booking_id) if row and row.booking_id else None
        offer = self._offer(session, package_id, booking)
        if offer is None or offer.request.customer_id != customer_id or (row and row.customer_id != customer_id):
            raise errors.not_found(module, "Paket", package_id)
        if booking is None and row is None and booking_store.find_by_offer(session, package_id) is not None:
            raise errors.not_found(module, "Paket", package_id)  # booked through our own API, not a TOMP package
        now = self.ctx.clock.now()
        expires = row.expires_at if row is not None else offer.valid_until
        state = package_state(row.state if row else None, booking.state if booking else None, expires, now)
        arrived = state is P.CONFIRMED and booking is not None and _vehicle_arrived(session, booking)
        leg = leg_state(state, booking.state_reason if booking else None, vehicle_arrived=arrived)
        return PackageView(package_id, offer, state, leg, expires, booking)

    def _offer(self, session: Session, offer_id: str, booking: BookingRow | None) -> Offer | None:
        if booking is not None:
            return offer_from_dict(booking.payload, self.ctx.resolve_stop)
        with self.ctx.pending.flush_lock:
            pending = self.ctx.pending.offer(offer_id)
        return pending or booking_store.get_offer(session, offer_id, self.ctx.resolve_stop)


def _vehicle_arrived(session: Session, booking: BookingRow) -> bool:
    """Whether the booking's vehicle reported its arrival for this booking or at its pickup stop (before boarding)."""
    rows = session.scalars(sa.select(EventRow).where(
        EventRow.type == str(EventType.VEHICLE_ARRIVED), EventRow.vehicle_id == booking.vehicle_id,
        EventRow.at >= booking.pickup_earliest - ARRIVAL_LOOKBACK)).all()
    return any(r.booking_id == booking.id or (r.data or {}).get("stop_id") == booking.pickup_stop_id for r in rows)
