"""The service itself as a static GTFS-Flex feed, so journey planners can offer the on-demand bus.

A zone-based demand-responsive service (GTFS reference, "flex"): the service area is one zone in
``locations.geojson``; each period of the booking rules (e.g. KVG's day 07–21 h and night 21–07 h) is one trip
with two stop times on that zone — a pickup window and a drop-off window over the period — and a booking rule
(``booking_rules.txt``): real time when no notice is needed, same day with the minimum notice, or by a time of day
for periods that must be booked in advance. ``stops.txt`` lists the virtual stops (meeting points), which the
GTFS-Realtime TripUpdates of the planned trips refer to. Fares are not published (the fare table lives in the
booking answer).
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

from booking.feeds.gtfs_rt import ROUTE_ID
from mobility.domain.rules import BookingRules, Period
from mobility.domain.stops import Stop

ZONE_ID = "bediengebiet-salzlandkreis"
SERVICE_ID = "taeglich"
DEMAND_RESPONSIVE_BUS = 715  # extended route type "Demand and Response Bus Service"
MUST_BOOK, NONE = 2, 1  # pickup_type / drop_off_type: arrange with the agency / not available


@dataclass(frozen=True, slots=True)
class Agency:
    """Who runs the service (``agency.txt``) and where riders book it."""

    id: str = "kvg-salzland"
    name: str = "Kreisverkehrsgesellschaft Salzland"
    url: str = "https://www.kvg-salzland.de"
    timezone: str = "Europe/Berlin"
    phone: str | None = None
    booking_url: str | None = None


def flex_files(rules: BookingRules, area: Mapping[str, Any], stops: Sequence[Stop], *, agency: Agency,
               start: date, days: int = 365) -> dict[str, bytes]:
    """The feed's files (name → bytes) for the service described by ``rules`` in the ``area`` geometry."""
    if days <= 0:
        msg = f"a feed must be valid for at least a day, got {days}"
        raise ValueError(msg)
    end = start + timedelta(days=days - 1)
    trips, stop_times, booking_rules = [], [], []
    for k, period in enumerate(rules.periods, start=1):
        trip_id, rule_id = f"rufbus-{k}", f"buchung-{k}"
        first, last = _gtfs_time(period.start), _gtfs_time(period.end, after=period.start)
        trips.append({"route_id": ROUTE_ID, "service_id": SERVICE_ID, "trip_id": trip_id,
                      "trip_headsign": f"Rufbus – {period.name}"})
        common = {"trip_id": trip_id, "location_id": ZONE_ID, "start_pickup_drop_off_window": first,
                  "end_pickup_drop_off_window": last, "timepoint": 0}
        stop_times.append({**common, "stop_sequence": 1, "pickup_type": MUST_BOOK, "drop_off_type": NONE,
                           "pickup_booking_rule_id": rule_id})
        stop_times.append({**common, "stop_sequence": 2, "pickup_type": NONE, "drop_off_type": MUST_BOOK,
                           "drop_off_booking_rule_id": rule_id})
        booking_rules.append({"booking_rule_id": rule_id, **booking_rule(period, rules.max_horizon_s),
                              "message": _message(period), "phone_number": agency.phone or "",
                              "booking_url": agency.booking_url or "", "info_url": agency.url})
    return {
        "agency.txt": _csv([{"agency_id": agency.id, "agency_name": agency.name, "agency_url": agency.url,
                             "agency_timezone": agency.timezone, "agency_lang": "de",
                             "agency_phone": agency.phone or ""}]),
        "routes.txt": _csv([{"route_id": ROUTE_ID, "agency_id": agency.id, "route_short_name": "Rufbus",
                             "route_long_name": "Rufbus Salzlandkreis (auf Bestellung)",
                             "route_desc": "Kleinbusse und ehrenamtlich gefahrene Pool-Autos im ganzen Landkreis",
                             "route_type": DEMAND_RESPONSIVE_BUS}]),
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
                                "feed_end_date": f"{end:%Y%m%d}", "feed_version": f"{start:%Y%m%d}-{rules.name}"}]),
        "locations.geojson": json.dumps(_zone(area), ensure_ascii=False, separators=(",", ":")).encode(),
    }


def booking_rule(period: Period, horizon_s: int) -> dict[str, object]:
    """The booking type and notice fields of one period (the other fields of ``booking_rules.txt`` empty)."""
    empty: dict[str, object] = dict.fromkeys(
        ("prior_notice_duration_min", "prior_notice_duration_max", "prior_notice_last_day", "prior_notice_last_time",
         "prior_notice_start_day", "prior_notice_start_time"), "")
    if period.book_by is not None:  # by a time of day on the service day the period begins (up to the horizon)
        return {**empty, "booking_type": 2, "prior_notice_last_day": 0,
                "prior_notice_last_time": f"{period.book_by:%H:%M:%S}",
                "prior_notice_start_day": max(1, horizon_s // 86_400), "prior_notice_start_time": "00:00:00"}
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


def _message(period: Period) -> str:
    if period.book_by is not None:
        return (f"{period.name}: bitte bis {period.book_by:%H:%M} Uhr am Tag der Fahrt (bei Fahrten nach Mitternacht "
                "am Vorabend) buchen – in der App, im Web oder telefonisch.")
    if period.min_notice_s > 0:
        return (f"{period.name}: bitte mindestens {math.ceil(period.min_notice_s / 60)} Minuten vor der Fahrt "
                "buchen – in der App, im Web oder telefonisch.")
    return f"{period.name}: sofort buchbar – in der App, im Web oder telefonisch."


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
    feature = {"type": "Feature", "id": ZONE_ID, "geometry": _rounded(geometry),
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
