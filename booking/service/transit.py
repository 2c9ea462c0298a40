"""Rail connections: the trains at a Rufbus stop, and offers that meet one (docs/transit.md).

A Rufbus stop is joined to the feed's stops within ``station_radius_m`` of it (the station forecourt). An offer with
a connection is an ordinary offer whose requested time is the connection's ride time: an arrival by the train's
departure minus the transfer time (to the train) or a departure at its arrival plus the transfer time (from the
train). The dispatcher keeps an offer's latest arrival and pickup window through every re-optimisation, so it keeps
the connection too; the offer is checked against the connection before it is handed out.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from booking.service.bookings import BookingService, Place, RideWish
from booking.service.context import ServiceContext
from booking.service.errors import ServiceError, invalid, not_found
from booking.store import transit as store
from booking.transit.gtfs import GtfsFeed
from mobility.domain.geo import Point, haversine_m
from mobility.domain.rides import Offer
from mobility.domain.stops import Stop
from mobility.domain.transit import (
    Connection,
    Direction,
    ScheduledCall,
    TransferRules,
    active_services,
    service_instant,
    service_seconds,
)

M_PER_DEG_LAT = 111_320.0
ORPHAN_AGE = timedelta(days=2)  # an offer's row is written within seconds: older links without one were purged


@dataclass(frozen=True, slots=True)
class TransitOptions:
    """Transfer times, how far a station may be from a Rufbus stop, and how far ahead connections are listed."""

    transfer: TransferRules = field(default_factory=TransferRules)
    station_radius_m: int = 400
    horizon_s: int = 3 * 3600
    limit: int = 30


@dataclass(frozen=True, slots=True)
class ConnectionRef:
    """A call chosen by a rider: the feed's trip and stop sequence on a service day, and the direction."""

    feed: str
    trip_id: str
    stop_sequence: int
    service_date: date
    direction: Direction


@dataclass(frozen=True, slots=True)
class Party:
    """Who rides."""

    passengers: int = 1
    wheelchairs: int = 0
    strollers: int = 0


def import_feed(sessions: sessionmaker[Session], path: Path, name: str, now: datetime,
                bbox: tuple[float, float, float, float] | None = None) -> store.ImportCounts:
    """Read ``path`` (every row checked; ``GtfsError`` names file, line and field) and store it as ``name``."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with GtfsFeed(path, bbox=bbox) as feed:
        tables = feed.tables()
        with sessions.begin() as session:
            return store.replace_feed(session, name, tables, feed.calls(), source=str(path), sha256=digest, now=now)


class TransitService:
    """Trains at a stop and offers that meet them."""

    def __init__(self, ctx: ServiceContext, bookings: BookingService, options: TransitOptions | None = None) -> None:
        self.ctx = ctx
        self.bookings = bookings
        self.options = options or TransitOptions()

    def stop(self, stop_id: str) -> Stop:
        """The Rufbus stop ``stop_id`` (404 otherwise)."""
        stop = self.ctx.resolve_stop(stop_id)
        if stop is None:
            raise not_found("Haltestelle", stop_id)
        return stop

    def connections(self, stop_id: str, at: datetime, direction: Direction) -> list[Connection]:
        """Trains leaving (to_train) or arriving (from_train) at stations near the stop from ``at`` on."""
        stop = self.stop(stop_id)
        found: list[Connection] = []
        with self.ctx.read_session() as session:
            for feed in store.feeds(session):
                near = self._near(session, feed.name, stop)
                if near:
                    found += self._calls(session, feed, near, at, direction)
        found.sort(key=lambda c: (c.train_time, c.call.line))
        return found[: self.options.limit]

    def _near(self, session: Session, feed: str, stop: Stop) -> dict[str, str]:
        radius = self.options.station_radius_m
        dlat = radius / M_PER_DEG_LAT
        dlon = radius / (M_PER_DEG_LAT * max(0.01, math.cos(math.radians(stop.point.lat))))
        rows = store.stops_in_box(session, feed, (stop.point.lat - dlat, stop.point.lon - dlon,
                                                   stop.point.lat + dlat, stop.point.lon + dlon))
        return {r.stop_id: r.station for r in rows
                if haversine_m(stop.point, Point(r.lon, r.lat)) <= radius}

    def _calls(self, session: Session, feed: store.StoredFeed, near: dict[str, str], at: datetime,
               direction: Direction) -> list[Connection]:
        tz = feed.timezone
        today = at.astimezone(ZoneInfo(tz)).date()
        arrivals = direction is Direction.FROM_TRAIN
        result = []
        for day in (today - timedelta(days=1), today, today + timedelta(days=1)):  # times pass 24:00 both ways
            running = active_services(day, feed.patterns, feed.exceptions)
            start = service_seconds(day, at, tz)
            rows = store.calls_at(session, feed.name, list(near), seconds_from=start,
                                  seconds_to=start + self.options.horizon_s, arrivals=arrivals)
            for row in rows:
                if row.service_id in running:
                    call = self._call(session, feed, day, row, near[row.stop_id])
                    result.append(Connection(call, direction, self.options.transfer))
        return result

    @staticmethod
    def _call(session: Session, feed: store.StoredFeed, day: date, row: store.CallRow, station: str) -> ScheduledCall:
        headsign = row.headsign or store.trip_end_stop(session, feed.name, row.trip_id, last=True)
        return ScheduledCall(feed.name, row.trip_id, row.stop_sequence, row.stop_id, station, row.line, headsign,
                             day, service_instant(day, row.arrival_s, feed.timezone),
                             service_instant(day, row.departure_s, feed.timezone), row.route_type, feed.timezone)

    def resolve(self, stop_id: str, ref: ConnectionRef) -> Connection:
        """The connection ``ref`` at a station near ``stop_id``; 422 if the train does not run or stop there."""
        stop = self.stop(stop_id)
        with self.ctx.read_session() as session:
            feed = next((f for f in store.feeds(session) if f.name == ref.feed), None)
            if feed is None:
                raise invalid("unknown_connection", f"Der Fahrplan „{ref.feed}“ ist nicht eingelesen.",
                              field="connection.feed")
            near = self._near(session, feed.name, stop)
            rows = store.calls_at(session, feed.name, (), seconds_from=0, seconds_to=0,
                                  arrivals=ref.direction is Direction.FROM_TRAIN,
                                  call=(ref.trip_id, ref.stop_sequence))
            row = rows[0] if rows else None
            if row is None or row.stop_id not in near:
                raise invalid("unknown_connection", f"Dieser Zug hält nicht an einem Bahnhof bei „{stop.name}“.",
                              field="connection.trip_id")
            if row.service_id not in active_services(ref.service_date, feed.patterns, feed.exceptions):
                raise invalid("unknown_connection", f"Dieser Zug fährt am {ref.service_date:%d.%m.%Y} nicht.",
                              field="connection.service_date")
            call = self._call(session, feed, ref.service_date, row, near[row.stop_id])
        return Connection(call, ref.direction, self.options.transfer)

    def quote(self, customer_id: str, station_stop_id: str, other: Place, ref: ConnectionRef,
              party: Party) -> tuple[Offer, Connection]:
        """An offer to (or from) the station stop that keeps the connection; held and recorded with it."""
        connection = self.resolve(station_stop_id, ref)
        now = self.ctx.clock.now()
        if connection.ride_time < now:
            raise invalid("connection_missed", "Dieser Anschluss ist nicht mehr erreichbar.", field="connection")
        station = Place(stop_id=station_stop_id)
        to_train = ref.direction is Direction.TO_TRAIN
        wish = RideWish(origin=other if to_train else station, destination=station if to_train else other,
                        arrival=connection.ride_time if to_train else None,
                        departure=None if to_train else connection.ride_time,
                        passengers=party.passengers, wheelchairs=party.wheelchairs, strollers=party.strollers)
        try:
            offer = self.bookings.quote(customer_id, wish)
        except ServiceError as exc:  # other times would miss the train: point to other trains instead
            if exc.status == 422 and "alternatives" in exc.extra:
                exc.extra["alternatives"] = []
                exc.detail = (f"{exc.detail.rstrip()} Für diesen Zug gibt es keine Fahrt – "
                              "bitte einen anderen Zug wählen.")
                exc.args = (exc.detail,)
            raise
        if not connection.kept_by(offer.latest_arrival, offer.pickup_window.earliest):
            raise ServiceError(409, "connection_not_kept", "Anschluss nicht gesichert",
                               "Das Angebot hält den Anschluss nicht; bitte einen anderen Zug wählen.")
        with self.ctx.sessions.begin() as session:
            session.add(store.TransitOfferConnectionRow(
                offer_id=offer.id, feed=ref.feed, trip_id=ref.trip_id, stop_sequence=ref.stop_sequence,
                service_date=ref.service_date, direction=str(ref.direction), train_time=connection.train_time,
                ride_time=connection.ride_time, label=connection.label()[:300], created_at=now))
            store.drop_orphans(session, now - ORPHAN_AGE)
        return offer, connection

    def labels_of_bookings(self, customer_id: str, limit: int = 200) -> list[tuple[str, str, str]]:
        """(booking id, direction, label) of the customer's bookings made for a connection, newest first."""
        with self.ctx.read_session() as session:
            return store.booking_labels(session, customer_id, limit)

    def of_booking(self, booking_id: str, customer_id: str | None) -> Connection:
        """The connection a booking was made for (404 if none)."""
        row = self.bookings.get(booking_id, customer_id)
        with self.ctx.read_session() as session:
            link = session.get(store.TransitOfferConnectionRow, row.offer_id)
        if link is None:
            raise not_found("Anschluss der Buchung", booking_id)
        ref = ConnectionRef(link.feed, link.trip_id, link.stop_sequence, link.service_date, Direction(link.direction))
        return self.resolve(row.dropoff_stop_id if ref.direction is Direction.TO_TRAIN else row.pickup_stop_id, ref)
