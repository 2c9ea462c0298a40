"""The imported timetable (GTFS) and the connections promised with offers.

A feed is imported whole under a name (``transit_feeds``); importing it again replaces it in one transaction. The
stop times keep GTFS seconds of the service day; instants are made with the feed's time zone
(:func:`mobility.domain.transit.service_instant`). ``transit_offer_connections`` records which train an offer was
made for, so a booking of that offer shows it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from booking.store.models import Base
from booking.transit.gtfs import FeedCall, FeedTables
from mobility.domain.transit import ServicePattern

BATCH = 5_000


class TransitFeedRow(Base):
    """An imported GTFS feed."""

    __tablename__ = "transit_feeds"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(300))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    timezone: Mapped[str] = mapped_column(sa.String(64))
    imported_at: Mapped[datetime]
    stops: Mapped[int]
    trips: Mapped[int]
    stop_times: Mapped[int]


class TransitStopRow(Base):
    """A stop of a feed; ``station`` is the name riders know (the parent station's)."""

    __tablename__ = "transit_stops"
    __table_args__ = (sa.Index("ix_transit_stops_lat_lon", "lat", "lon"),)

    feed: Mapped[str] = mapped_column(sa.String(64), sa.ForeignKey("transit_feeds.name", ondelete="CASCADE"),
                                      primary_key=True)
    stop_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    station: Mapped[str] = mapped_column(sa.String(200))
    lat: Mapped[float]
    lon: Mapped[float]


class TransitTripRow(Base):
    """A trip with its line."""

    __tablename__ = "transit_trips"

    feed: Mapped[str] = mapped_column(sa.String(64), sa.ForeignKey("transit_feeds.name", ondelete="CASCADE"),
                                      primary_key=True)
    trip_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    service_id: Mapped[str] = mapped_column(sa.String(200))
    line: Mapped[str] = mapped_column(sa.String(120))
    route_type: Mapped[int]
    headsign: Mapped[str] = mapped_column(sa.String(200))


class TransitServiceRow(Base):
    """A ``calendar.txt`` row: weekdays as seven 0/1 characters, Monday first."""

    __tablename__ = "transit_services"

    feed: Mapped[str] = mapped_column(sa.String(64), sa.ForeignKey("transit_feeds.name", ondelete="CASCADE"),
                                      primary_key=True)
    service_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    weekdays: Mapped[str] = mapped_column(sa.String(7))
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date] = mapped_column(sa.Date)


class TransitServiceDateRow(Base):
    """A ``calendar_dates.txt`` row: 1 adds the service on the date, 2 removes it."""

    __tablename__ = "transit_service_dates"

    feed: Mapped[str] = mapped_column(sa.String(64), sa.ForeignKey("transit_feeds.name", ondelete="CASCADE"),
                                      primary_key=True)
    service_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    exception_type: Mapped[int]


class TransitStopTimeRow(Base):
    """A trip's call at a stop, in GTFS seconds of the service day."""

    __tablename__ = "transit_stop_times"
    __table_args__ = (sa.Index("ix_transit_stop_times_stop", "feed", "stop_id", "departure_s"),)

    feed: Mapped[str] = mapped_column(sa.String(64), sa.ForeignKey("transit_feeds.name", ondelete="CASCADE"),
                                      primary_key=True)
    trip_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    stop_sequence: Mapped[int] = mapped_column(primary_key=True)
    stop_id: Mapped[str] = mapped_column(sa.String(100))
    arrival_s: Mapped[int]
    departure_s: Mapped[int]
    boarding: Mapped[bool]
    alighting: Mapped[bool]


class TransitOfferConnectionRow(Base):
    """The train an offer was made for: the rider meets it (``to_train``) or comes from it (``from_train``)."""

    __tablename__ = "transit_offer_connections"

    offer_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    feed: Mapped[str] = mapped_column(sa.String(64))
    trip_id: Mapped[str] = mapped_column(sa.String(200))
    stop_sequence: Mapped[int]
    service_date: Mapped[date] = mapped_column(sa.Date)
    direction: Mapped[str] = mapped_column(sa.String(12))
    train_time: Mapped[datetime]
    ride_time: Mapped[datetime]
    label: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[datetime]


@dataclass(frozen=True, slots=True)
class ImportCounts:
    """What an import stored."""

    stops: int
    trips: int
    stop_times: int


def replace_feed(session: Session, name: str, tables: FeedTables, calls: Iterable[FeedCall], *, source: str,
                 sha256: str, now: datetime) -> ImportCounts:
    """Store a feed under ``name``, replacing what was imported under that name (in the caller's transaction)."""
    for table in (TransitStopTimeRow, TransitServiceDateRow, TransitServiceRow, TransitTripRow, TransitStopRow):
        session.execute(sa.delete(table).where(table.feed == name))
    session.execute(sa.delete(TransitFeedRow).where(TransitFeedRow.name == name))
    feed = TransitFeedRow(name=name, source=source[-300:], sha256=sha256, timezone=tables.timezone,
                          imported_at=now, stops=0, trips=0, stop_times=0)
    session.add(feed)
    session.flush()
    _insert(session, TransitStopRow, ({"feed": name, "stop_id": s.id, "name": s.name[:200], "station": s.station[:200],
                                       "lat": s.lat, "lon": s.lon} for s in tables.stops.values()))
    _insert(session, TransitServiceRow, (
        {"feed": name, "service_id": sid, "weekdays": "".join("1" if d else "0" for d in p.weekdays),
         "start_date": p.start, "end_date": p.end} for sid, p in tables.patterns.items()))
    _insert(session, TransitServiceDateRow, (
        {"feed": name, "service_id": sid, "day": day, "exception_type": kind}
        for sid, by_date in tables.exceptions.items() for day, kind in by_date.items()))
    used: set[str] = set()

    def call_rows() -> Iterable[dict[str, object]]:
        for c in calls:
            used.add(c.trip_id)
            yield {"feed": name, "trip_id": c.trip_id, "stop_sequence": c.stop_sequence, "stop_id": c.stop_id,
                   "arrival_s": c.arrival_s, "departure_s": c.departure_s, "boarding": c.boarding,
                   "alighting": c.alighting}

    stop_times = _insert(session, TransitStopTimeRow, call_rows())
    trips = _insert(session, TransitTripRow, (
        {"feed": name, "trip_id": t.id, "service_id": t.service_id, "line": t.line[:120], "route_type": t.route_type,
         "headsign": t.headsign[:200]} for t in tables.trips.values() if t.id in used))
    feed.stops, feed.trips, feed.stop_times = len(tables.stops), trips, stop_times
    if session.get_bind().dialect.name == "postgresql":  # fresh statistics, or the planner guesses on empty tables
        for table in (TransitStopRow, TransitTripRow, TransitStopTimeRow):
            session.execute(sa.text(f"ANALYZE {table.__tablename__}"))
    return ImportCounts(len(tables.stops), trips, stop_times)


def _insert(session: Session, table: type[Base], rows: Iterable[dict[str, object]]) -> int:
    count = 0
    it = iter(rows)
    while batch := list(islice(it, BATCH)):
        session.execute(sa.insert(table), batch)
        count += len(batch)
    return count


@dataclass(frozen=True, slots=True)
class StoredFeed:
    """An imported feed's name, time zone and calendar."""

    name: str
    timezone: str
    patterns: dict[str, ServicePattern]
    exceptions: dict[str, dict[date, int]]


def feeds(session: Session) -> list[StoredFeed]:
    """Every imported feed with its service calendar."""
    result = []
    for row in session.scalars(sa.select(TransitFeedRow).order_by(TransitFeedRow.name)):
        patterns = {
            s.service_id: ServicePattern(tuple(ch == "1" for ch in s.weekdays), s.start_date, s.end_date)  # type: ignore[arg-type]
            for s in session.scalars(sa.select(TransitServiceRow).where(TransitServiceRow.feed == row.name))}
        exceptions: dict[str, dict[date, int]] = {}
        for d in session.scalars(sa.select(TransitServiceDateRow).where(TransitServiceDateRow.feed == row.name)):
            exceptions.setdefault(d.service_id, {})[d.day] = d.exception_type
        result.append(StoredFeed(row.name, row.timezone, patterns, exceptions))
    return result


def stops_in_box(session: Session, feed: str, box: tuple[float, float, float, float]) -> Sequence[TransitStopRow]:
    """The feed's stops inside a box (south, west, north, east)."""
    south, west, north, east = box
    return session.scalars(sa.select(TransitStopRow).where(
        TransitStopRow.feed == feed, TransitStopRow.lat.between(south, north),
        TransitStopRow.lon.between(west, east))).all()


@dataclass(frozen=True, slots=True)
class CallRow:
    """A stored call joined with its trip."""

    trip_id: str
    stop_sequence: int
    stop_id: str
    arrival_s: int
    departure_s: int
    service_id: str
    line: str
    route_type: int
    headsign: str


def calls_at(session: Session, feed: str, stop_ids: Sequence[str], *, seconds_from: int, seconds_to: int,
             arrivals: bool, call: tuple[str, int] | None = None) -> list[CallRow]:
    """Calls at ``stop_ids`` whose departure (or arrival) second lies in the range, where riders may board (alight).

    ``call`` (trip id, stop sequence) picks one call instead of a time range.
    """
    st, tr = TransitStopTimeRow, TransitTripRow
    time_col = st.arrival_s if arrivals else st.departure_s
    query = (sa.select(st.trip_id, st.stop_sequence, st.stop_id, st.arrival_s, st.departure_s, tr.service_id,
                       tr.line, tr.route_type, tr.headsign)
             .join(tr, sa.and_(tr.feed == st.feed, tr.trip_id == st.trip_id))
             .where(st.feed == feed, (st.alighting if arrivals else st.boarding).is_(True)))
    other = sa.orm.aliased(st)
    beyond = other.stop_sequence < st.stop_sequence if arrivals else other.stop_sequence > st.stop_sequence
    # riders board a train that goes on, and alight from one that came from somewhere
    query = query.where(sa.exists().where(other.feed == st.feed, other.trip_id == st.trip_id, beyond))
    if call is not None:
        query = query.where(st.trip_id == call[0], st.stop_sequence == call[1])
    else:
        query = query.where(st.stop_id.in_(list(stop_ids)), time_col.between(seconds_from, seconds_to))
    return [CallRow(*r) for r in session.execute(query.order_by(time_col, st.trip_id)).all()]


def trip_end_stop(session: Session, feed: str, trip_id: str, last: bool) -> str:
    """The name of the trip's last (or first) stop: the headsign when the feed gives none."""
    st = TransitStopTimeRow
    order = st.stop_sequence.desc() if last else st.stop_sequence.asc()
    stop_id = session.scalar(sa.select(st.stop_id).where(st.feed == feed, st.trip_id == trip_id).order_by(order)
                             .limit(1))
    if stop_id is None:
        return ""
    name = session.scalar(sa.select(TransitStopRow.station).where(TransitStopRow.feed == feed,
                                                                  TransitStopRow.stop_id == stop_id))
    return name or ""


def booking_labels(session: Session, customer_id: str, limit: int) -> list[tuple[str, str, str]]:
    """(booking id, direction, label) of a customer's bookings that were made for a connection, newest first."""
    from booking.store.models import BookingRow

    c = TransitOfferConnectionRow
    rows = session.execute(sa.select(BookingRow.id, c.direction, c.label)
                           .join(c, c.offer_id == BookingRow.offer_id)
                           .where(BookingRow.customer_id == customer_id)
                           .order_by(BookingRow.created_at.desc()).limit(limit)).all()
    return [(r[0], r[1], r[2]) for r in rows]


def drop_orphans(session: Session, before: datetime) -> int:
    """Delete the connections of offers that are gone (unbooked offers are purged after their retention)."""
    from booking.store.models import OfferRow

    c = TransitOfferConnectionRow
    gone = ~sa.exists().where(OfferRow.id == c.offer_id)
    result = session.execute(sa.delete(c).where(c.created_at < before, gone).execution_options(
        synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def stop_station(session: Session, feed: str, stop_id: str) -> str:
    """The station name of a stored stop."""
    return session.scalar(sa.select(TransitStopRow.station).where(TransitStopRow.feed == feed,
                                                                  TransitStopRow.stop_id == stop_id)) or stop_id
