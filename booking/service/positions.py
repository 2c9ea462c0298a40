"""Vehicle positions from the driver's device: check, store, hand to the Dispatcher; read the latest; purge.

A position is taken at the server's clock (``ctx.clock``), never at the device's time, so the age shown to the
dispatcher and the speed check below do not depend on the phone's clock.

Refused with a German 422 and nothing stored:

* a point outside the service area;
* an impossible jump: the great-circle distance from the vehicle's last stored position is more than a vehicle at
  :data:`MAX_SPEED_MPS` (200 km/h) covers in the time between them, plus a tolerance for the two fixes'
  inaccuracy (their ``accuracy_m`` added up, at least :data:`MIN_TOLERANCE_M` and at most :data:`MAX_TOLERANCE_M`).
  The tolerance takes the place of "ignore reports less than a second apart": two fixes a moment apart may jitter
  by a few metres (accepted) but never by kilometres (refused), and a refused fix never becomes the reference of the
  next check. A vehicle whose last stored fix was wrong is free again once that much time has passed;
* a vehicle that is not in the fleet.

Positions older than ``ServiceOptions.position_retention_h`` (``MOBILITY_POSITION_RETENTION_H``, default 24 h) are
deleted by :meth:`PositionService.purge`, which the background re-optimiser calls every round.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from booking.service.context import ServiceContext
from booking.service.errors import invalid
from booking.store import positions as store
from mobility.domain.geo import Point, haversine_m
from mobility.domain.positions import VehiclePosition

log = logging.getLogger(__name__)

MAX_SPEED_MPS = 200 / 3.6  # no vehicle of the service is faster (55.6 m/s)
MIN_TOLERANCE_M = 100.0  # GPS jitter allowed between two fixes however close in time
MAX_TOLERANCE_M = 1_000.0  # a fix claiming a worse accuracy does not buy a larger jump


@dataclass(frozen=True, slots=True)
class PositionFix:
    """What the device reports: WGS84 degrees and, when known, accuracy (m), speed (m/s) and heading (degrees)."""

    lon: float
    lat: float
    accuracy_m: float | None = None
    speed_mps: float | None = None
    heading_deg: float | None = None


@dataclass(frozen=True, slots=True)
class PositionAge:
    """A vehicle's last position and how old it is (seconds) at ``now``."""

    position: VehiclePosition
    age_s: int


def allowed_jump_m(previous: VehiclePosition, accuracy_m: float | None, at: datetime) -> float:
    """The farthest a vehicle can be from ``previous`` at ``at`` (metres), tolerance for the fixes included."""
    seconds = max(0.0, (at - previous.at).total_seconds())
    tolerance = (previous.accuracy_m or 0.0) + (accuracy_m or 0.0)
    return MAX_SPEED_MPS * seconds + min(MAX_TOLERANCE_M, max(MIN_TOLERANCE_M, tolerance))


class PositionService:
    """Use cases of vehicle positions (stateless beyond the shared context)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def record(self, vehicle_id: str, fix: PositionFix) -> VehiclePosition:
        """Check and store a position of ``vehicle_id`` at the server's clock and hand it to the Dispatcher."""
        if vehicle_id not in {v.id for v in self.ctx.dispatcher.vehicles()}:
            raise invalid("unknown_vehicle", f"Das Fahrzeug „{vehicle_id}“ gehört nicht zur Flotte; "
                                             "bitte wenden Sie sich an die Leitstelle.")
        try:
            point = Point(fix.lon, fix.lat)
        except ValueError:
            raise invalid("invalid_position", "Die Koordinaten sind ungültig (Länge −180…180°, Breite −90…90°).",
                          ) from None
        if not self.ctx.stops.in_service_area(point):
            raise invalid("outside_service_area",
                          f"Die Position ({fix.lat:.5f}, {fix.lon:.5f}) liegt außerhalb des Bediengebiets; "
                          "sie wird nicht gespeichert. Bitte prüfen Sie die Standortfreigabe des Geräts.")
        now = self.ctx.clock.now()
        position = VehiclePosition(vehicle_id, point, now, fix.accuracy_m, fix.speed_mps, fix.heading_deg)
        with self.ctx.sessions.begin() as session:
            previous = store.last_position(session, vehicle_id)
            if previous is not None:
                self._check_jump(previous, position)
            store.add_position(session, position)
        self.ctx.dispatcher.report_position(position)
        return position

    @staticmethod
    def _check_jump(previous: VehiclePosition, position: VehiclePosition) -> None:
        distance = haversine_m(previous.point, position.point)
        if distance <= allowed_jump_m(previous, position.accuracy_m, position.at):
            return
        seconds = max(0.0, (position.at - previous.at).total_seconds())
        speed = f"{distance / seconds * 3.6:,.0f} km/h".replace(",", ".") if seconds >= 1 else "mehr als 200 km/h"
        raise invalid("impossible_speed",
                      f"Die Position liegt {distance / 1000:.1f} km von der letzten ({seconds:.0f} s zuvor) entfernt; "
                      f"das entspräche {speed}. Sie wird nicht gespeichert – bitte warten Sie auf einen genaueren "
                      "Standort.", distance_m=round(distance), seconds=round(seconds))

    def latest(self, *, max_age_s: float | None = None) -> list[PositionAge]:
        """The last stored position of every vehicle (only those not older than ``max_age_s``), by vehicle id."""
        now = self.ctx.clock.now()
        since = now - timedelta(seconds=max_age_s) if max_age_s is not None else self.retention_start(now)
        with self.ctx.read_session() as session:
            positions = store.last_positions(session, since)
        return [PositionAge(p, max(0, round((now - p.at).total_seconds()))) for p in positions]

    def retention_start(self, now: datetime) -> datetime:
        """The oldest instant whose positions are still kept."""
        return now - timedelta(hours=self.ctx.options.position_retention_h)

    def purge(self) -> int:
        """Delete the positions older than the retention period; returns how many went."""
        with self.ctx.sessions.begin() as session:
            removed = store.purge_positions(session, self.retention_start(self.ctx.clock.now()))
        if removed:
            log.info("purged %d vehicle positions older than %.0f h", removed, self.ctx.options.position_retention_h)
        return removed
