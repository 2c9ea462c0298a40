"""The service itself as a static GTFS-Flex feed, so journey planners can offer the on-demand bus.

A zone-based demand-responsive service (GTFS reference, "flex"): the service area is one zone in
``locations.geojson``; each period of the booking rules (e.g. KVG's day 07–21 h and night 21–07 h) is one trip
with two stop times on that zone — a pickup window and a drop-off window over the period — and a booking rule
(``booking_rules.txt``): real time when no notice is needed, same day with the minimum notice, or by a time of day
for periods that must be booked in advance. ``stops.txt`` lists the virtual stops (meeting points), which the
GTFS-Realtime TripUpdates of the planned trips refer to. Fares are not published (the fare table lives in the
booking answer).

The published fields and why (docs/feeds.md says how planners consume them):

* ``agency.txt`` and every ``booking_rules.txt`` row carry the Leitstelle's phone number (``pickup_type`` 2 means
  "phone the agency"), the booking page of this service (``booking_url``) and a page about it (``info_url``).
* ``trips.txt`` carries ``safe_duration_factor`` and ``safe_duration_offset`` (:mod:`mobility.domain.flex`).
* Rings follow RFC 7946: outer rings counterclockwise, holes clockwise, whatever the source polygon had.
* ``route_type`` is 3 (bus): the extended type 715 ("demand and response bus") is no GTFS reference value, so
  validators warn and older planners drop the route; the demand-responsive nature is in ``stop_times.txt``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from booking.feeds.geojson import rfc7946_rings
from booking.feeds.gtfs_rt import ROUTE_ID
from mobility.domain.flex import SafeDuration
from mobility.domain.rules import BookingRules, Period
from mobility.domain.stops import Stop

ZONE_ID = "bediengebiet-salzlandkreis"
SERVICE_ID = "taeglich"
BUS = 3  # route_type of the reference (the extended 715 "Demand and Response Bus" is not one: module docstring)
MUST_BOOK, NONE = 2, 1  # pickup_type / drop_off_type: arrange with the agency / not available


@dataclass(frozen=True, slots=True)
class Agency:
    """Who runs the service (``agency.txt``), where riders book it and read about it, whom to write about the feed."""

    id: str = "kvg-salzland"
    name: str = "Kreisverkehrsgesellschaft Salzland"
    url: str = "https://www.kvg-salzland.de"
    timezone: str = "Europe/Berlin"
    phone: str | None = None  # the Leitstelle's number for bookings by phone
    booking_url: str | None = None  # the riders' booking page of this service
    info_url: str | None = None  # a page about the service (default: the agency's site)
    contact_email: str = "mobilitaet@kreis-slk.de"  # feed_info.txt: whom to write about the feed


def flex_files(rules: BookingRules, area: Mapping[str, Any], stops: Sequence[Stop], *, agency: Agency,
               start: date, days: int = 365, safe: SafeDuration | None = None) -> dict[str, bytes]:
    """The feed's files (name → bytes) for the service described by ``rules`` in the ``area`` geometry;
    ``safe``: the safe duration fields of every trip (none without)."""
    if days <= 0:
        msg = f"a feed must be valid for at least a day, got {days}"
        raise ValueError(msg)
    end = start + timedelta(days=days - 1)
    trips, stop_times, booking_rules = [], [], []
    durations = {} if safe is None else {"safe_duration_factor": safe.factor, "safe_duration_offset": safe.offset_s}
    info_url = agency.info_url or agency.url
    for k, period in enumerate(rules.periods, start=1):
        trip_id, rule_id = f"rufbus-{k}", f"buchung-{k}"
        first, last = _gtfs_time(period.start), _gtfs_time(period.end, after=period.start)
        trips.append({"route_id": ROUTE_ID, "service_id": SERVICE_ID, "trip_id": trip_id,
                      "trip_headsign": f"Rufbus – {period.name}", **durations})
        common = {"trip_id": trip_id, "location_id": ZONE_ID, "start_pickup_drop_off_window": first,
                  "end_pickup_drop_off_window": last, "timepoint": 0}
        stop_times.append({**common, "stop_sequence": 1, "pickup_type": MUST_BOOK, "drop_off_type": NONE,
                           "pickup_booking_rule_id": rule_id})
        stop_times.append({**common, "stop_sequence": 2, "pickup_type": NONE, "drop_off_type": MUST_BOOK,
                           "drop_off_booking_rule_id": rule_id})
        booking_rules.append({"booking_rule_id": rule_id, **booking_rule(period, rules.max_horizon_s),
                              "message": _message(period, agency.phone), "phone_number": agency.phone or "",
                              "booking_url": agency.booking_url or "", "info_url": info_url})
    return {
        "agency.txt": _csv([{"agency_id": agency.id, "agency_name": agency.name, "agency_url": agency.url,
                             "agency_timezone": agency.timezone, "agency_lang": "de",
                             "agency_phone": agency.phone or ""}]),
        "routes.txt": _csv([{"route_id": ROUTE_ID, "agency_id": agency.id, "route_short_name": "Rufbus",
                             "route_long_name": "Salzlandkreis – Fahrt auf Bestellung",
                             "route_desc": "Kleinbusse auf Bestellung im ganzen Landkreis, Treffpunkt zu Treffpunkt",
                             "route_type": BUS}]),
        "trips.txt": _csv(trips),
        "stop_times.txt": _csv(stop_times),
        "booking_rules.txt": _csv(booking_rules),
        "calendar.txt": _csv([{"service_id": SERVICE_ID, **dict.fromkeys(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"), 1),
            "start_date": f"{start:%Y%m%d}", "end_date": f"{end:%Y%m%d}"}]),
        "stops.txt": _csv({"stop_id": s.id, "stop_name": s.name, "stop_lat": round(s.point.lat, 6),
                           "stop_lon": round(s.point.lon, 6), "location_type": 0} for s in stops),
        "feed_info.txt": _csv([{"feed_publisher_name": "Salzland mobility",
                                "feed_publisher_url": agency.booking_url or agency.url,
                                "feed_lang": "de", "feed_start_date": f"{start:%Y%m%d}",
                                "feed_end_date": f"{end:%Y%m%d}", "feed_version": f"{start:%Y%m%d}-{rules.name}",
                                "feed_contact_email": agency.contact_email, "feed_contact_url": info_url}]),
        "locations.geojson": json.dumps(_zone(area), ensure_ascii=False, separators=(",", ":")).encode(),
    }


def booking_rule(period: Period, horizon_s: int) -> dict[str, object]:
    """The booking type and notice fields of one period (the other fields of ``booking_rules.txt`` empty)."""
    empty: dict[str, object] = dict.fromkeys(
        ("prior_notice_duration_min", "prior_notice_duration_max", "prior_notice_last_day", "prior_notice_last_time",
         "prior_notice_start_day", "prior_notice_start_time"), "")
    if period.book_by is not None:
        # By a time of day on the service day the period begins: the night's trip runs 21:00–31:00 on that service
        # day, so day 0 is "the evening the night begins" for a ride after midnight too; booking_type 2 is the only
        # type with a deadline at a time of day. Bookable from when even the period's last ride is within the
        # horizon (no earlier than the service accepts it).
        start_day, start_time = _horizon_start(period, horizon_s)
        return {**empty, "booking_type": 2, "prior_notice_last_day": 0,
                "prior_notice_last_time": f"{period.book_by:%H:%M:%S}",
                "prior_notice_start_day": start_day, "prior_notice_start_time": start_time}
    if period.min_notice_s > 0:
        return {**empty, "booking_type": 1, "prior_notice_duration_min": math.ceil(period.min_notice_s / 60),
                "prior_notice_duration_max": horizon_s // 60}
    return {**empty, "booking_type": 0}


def flex_zip(files: Mapping[str, bytes]) -> bytes:
    """The files as a GTFS zip archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            archive.writestr(name, files[name])
    return buffer.getvalue()


def _horizon_start(period: Period, horizon_s: int) -> tuple[int, str]:
    """``prior_notice_start_day`` and ``_time``: the horizon before the period's last moment, in days before its
    service day and the time of day then."""
    end = period.end.hour * 3600 + period.end.minute * 60 + period.end.second
    if period.end <= period.start:
        end += 86_400
    before = horizon_s - end  # seconds before the service day's midnight
    day = max(1, math.ceil(before / 86_400))
    at = day * 86_400 - before
    return day, f"{at // 3600:02d}:{at % 3600 // 60:02d}:{at % 60:02d}"


def _message(period: Period, phone: str | None) -> str:
    how = f"in der App, im Web oder telefonisch unter {phone}" if phone else "in der App oder im Web"
    if period.book_by is not None:
        return (f"{period.name}: bitte bis {period.book_by:%H:%M} Uhr am Tag der Fahrt (bei Fahrten nach Mitternacht "
                f"am Vorabend) buchen – {how}.")
    if period.min_notice_s > 0:
        return (f"{period.name}: bitte mindestens {math.ceil(period.min_notice_s / 60)} Minuten vor der Fahrt "
                f"buchen – {how}.")
    return f"{period.name}: sofort buchbar – {how}."


def _gtfs_time(t: time, *, after: time | None = None) -> str:
    """``HH:MM:SS`` of the service day; a period end at or before its start runs past midnight (e.g. 31:00:00)."""
    hours = t.hour + (24 if after is not None and t <= after else 0)
    return f"{hours:02d}:{t.minute:02d}:{t.second:02d}"


def _zone(area: Mapping[str, Any]) -> dict[str, Any]:
    """``locations.geojson``: the service area as the one zone (a Polygon or MultiPolygon)."""
    geometry = area.get("geometry", area)
    if area.get("type") == "FeatureCollection":
        geometry = area["features"][0]["geometry"]
    if geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        msg = f"the service area must be a Polygon or MultiPolygon, got {geometry.get('type')}"
        raise ValueError(msg)
    feature = {"type": "Feature", "id": ZONE_ID, "geometry": rfc7946_rings(_rounded(geometry)),
               "properties": {"stop_name": "Bediengebiet Rufbus Salzlandkreis",
                              "stop_desc": "Abholung und Ziel überall im Landkreis an einem Treffpunkt"}}
    return {"type": "FeatureCollection", "features": [feature]}


def _rounded(geometry: Mapping[str, Any]) -> dict[str, Any]:
    def walk(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            if value and isinstance(value[0], (int, float)):
                return [round(float(x), 6) for x in value]
            return [walk(v) for v in value]
        return value

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def _csv(rows: Iterable[Mapping[str, object]]) -> bytes:
    rows = list(rows)
    fields = list(dict.fromkeys(k for row in rows for k in row))  # every column, in first-seen order
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()
