"""Rail (and other scheduled) connections: a Rufbus ride that meets a train.

A rider going to a station chooses a departure ("Anschluss an RE 13 12:04, Bernburg Hbf"): the ride is requested as
an *arrival* at the station stop by the train's departure minus the transfer time, so the offer's latest arrival —
which the dispatcher keeps through every re-optimisation — is the promise. From a train it is the reverse: the ride
is requested as a *departure* from the station stop at the train's arrival plus the transfer time; the driver waits
the no-show wait past that, which covers a moderately late train.

GTFS times are seconds after "noon minus 12 hours" of the service day in the agency's time zone (they may pass
24:00); :func:`service_instant` turns them into instants, correct on the days clocks change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

#: Words for GTFS ``route_type`` values (basic and the common extended ones) in what riders read.
MODE_WORDS: dict[int, str] = {0: "Tram", 1: "U-Bahn", 2: "Zug", 3: "Bus", 4: "Fähre", 5: "Seilbahn", 7: "Bahn",
                              11: "O-Bus", 12: "Bahn"}
RAIL_TYPES = frozenset({1, 2, 12, *range(100, 118), *range(400, 405)})


class Direction(StrEnum):
    """Whether the ride takes the rider to a train or picks the rider up from one."""

    TO_TRAIN = "to_train"
    FROM_TRAIN = "from_train"


@dataclass(frozen=True, slots=True)
class TransferRules:
    """Minutes between the Rufbus and the train (seconds).

    ``to_train_s``: the ride arrives at the station at least this long before the train departs.
    ``from_train_s``: the pickup window opens this long after the train's scheduled arrival (platform to stop).
    """

    to_train_s: int = 300
    from_train_s: int = 300

    def __post_init__(self) -> None:
        for name in ("to_train_s", "from_train_s"):
            if getattr(self, name) < 0:
                msg = f"transfer setting {name} must not be negative, got {getattr(self, name)}"
                raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class ScheduledCall:
    """A trip of the timetable at one stop on one service day."""

    feed: str
    trip_id: str
    stop_sequence: int
    stop_id: str
    station: str
    line: str
    headsign: str
    service_date: date
    arrival: datetime
    departure: datetime
    route_type: int = 2
    timezone: str = "Europe/Berlin"  # the feed's (agency) time zone: what the station's boards show

    @property
    def is_rail(self) -> bool:
        """Whether the call is of a train (GTFS basic or extended rail types)."""
        return self.route_type in RAIL_TYPES


@dataclass(frozen=True, slots=True)
class Connection:
    """A ride's promise towards a scheduled call: the rider meets ``call`` in ``direction``."""

    call: ScheduledCall
    direction: Direction
    rules: TransferRules

    @property
    def train_time(self) -> datetime:
        """The scheduled departure (to the train) or arrival (from the train) at the station."""
        return self.call.departure if self.direction is Direction.TO_TRAIN else self.call.arrival

    @property
    def ride_time(self) -> datetime:
        """The time the ride is requested for: latest arrival (to the train) or earliest pickup (from it)."""
        if self.direction is Direction.TO_TRAIN:
            return self.train_time - timedelta(seconds=self.rules.to_train_s)
        return self.train_time + timedelta(seconds=self.rules.from_train_s)

    def label(self) -> str:
        """The German label riders read, e.g. ``Anschluss an RE 13 12:04, Bernburg Hbf`` (the station's local time)."""
        at = self.train_time.astimezone(ZoneInfo(self.call.timezone))
        if self.direction is Direction.TO_TRAIN:
            return f"Anschluss an {self.call.line} {at:%H:%M}, {self.call.station}"
        return f"Ankunft {self.call.line} {at:%H:%M}, {self.call.station}"

    def promise(self) -> str:
        """What the offer promises, in German (the station's local time)."""
        at = self.ride_time.astimezone(ZoneInfo(self.call.timezone))
        if self.direction is Direction.TO_TRAIN:
            minutes = self.rules.to_train_s // 60
            return f"Ankunft am Bahnhof spätestens {at:%H:%M} Uhr ({minutes} Minuten Umstiegszeit)."
        return f"Abholung frühestens {at:%H:%M} Uhr, nach Ankunft des Zuges."

    def kept_by(self, latest_arrival: datetime, pickup_earliest: datetime) -> bool:
        """Whether an offer with this latest arrival and pickup window start keeps the connection."""
        if self.direction is Direction.TO_TRAIN:
            return latest_arrival <= self.ride_time
        return pickup_earliest >= self.ride_time


def line_name(short_name: str, long_name: str, route_type: int) -> str:
    """A line as riders say it: ``RE 13`` as published, a bare number with its mode (``Bus 110``)."""
    short = short_name.strip()
    if short and any(ch.isalpha() for ch in short):
        return short
    word = MODE_WORDS.get(route_type) or ("Zug" if route_type in RAIL_TYPES else "Linie")
    if short:
        return f"{word} {short}".strip()
    return long_name.strip() or word


def parse_gtfs_time(text: str) -> int:
    """Seconds of a GTFS time ``H:MM:SS`` (hours may pass 24); ``ValueError`` with a readable message otherwise."""
    parts = text.strip().split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or not 1 <= len(parts[0]) <= 3:
        msg = f"„{text}“ ist keine Uhrzeit der Form HH:MM:SS"
        raise ValueError(msg)
    hours, minutes, seconds = (int(p) for p in parts)
    if minutes > 59 or seconds > 59 or len(parts[1]) != 2 or len(parts[2]) != 2:
        msg = f"„{text}“: Minuten und Sekunden müssen zweistellig und kleiner als 60 sein"
        raise ValueError(msg)
    if hours > 47:
        msg = f"„{text}“ liegt mehr als 48 Stunden nach Beginn des Betriebstags"
        raise ValueError(msg)
    return hours * 3600 + minutes * 60 + seconds


def _origin(service_date: date, timezone: str) -> datetime:
    """Noon minus 12 hours of the service day, as an absolute instant (UTC): on the days the clocks change it is
    not midnight (GTFS reference, stop_times.txt)."""
    noon = datetime.combine(service_date, time(12, 0), tzinfo=ZoneInfo(timezone))
    return noon.astimezone(UTC) - timedelta(hours=12)


def service_instant(service_date: date, seconds: int, timezone: str) -> datetime:
    """The instant of a GTFS time on ``service_date`` (seconds after noon minus 12 hours), in the local zone."""
    return (_origin(service_date, timezone) + timedelta(seconds=seconds)).astimezone(ZoneInfo(timezone))


def service_seconds(service_date: date, instant: datetime, timezone: str) -> int:
    """The GTFS seconds of ``instant`` on ``service_date`` (the inverse of :func:`service_instant`)."""
    return int((instant.astimezone(UTC) - _origin(service_date, timezone)).total_seconds())


@dataclass(frozen=True, slots=True)
class ServicePattern:
    """One ``calendar.txt`` row: weekdays (Monday first) between two dates."""

    weekdays: tuple[bool, bool, bool, bool, bool, bool, bool]
    start: date
    end: date

    def runs_on(self, day: date) -> bool:
        """Whether the pattern covers ``day``."""
        return self.start <= day <= self.end and self.weekdays[day.weekday()]


def active_services(day: date, patterns: dict[str, ServicePattern],
                    exceptions: dict[str, dict[date, int]]) -> frozenset[str]:
    """The service ids running on ``day``: calendar patterns, then calendar_dates (1 added, 2 removed)."""
    running = {sid for sid, pattern in patterns.items() if pattern.runs_on(day)}
    for sid, by_date in exceptions.items():
        kind = by_date.get(day)
        if kind == 1:
            running.add(sid)
        elif kind == 2:
            running.discard(sid)
    return frozenset(running)
