"""Vehicle positions: append, the last one per vehicle, purge after the retention period.

The rows are a QGIS point layer (``vehicle_positions.geom``); the service reads the plain ``lon``/``lat`` columns,
so SQLite and PostGIS answer alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from booking.store.models import VehiclePositionRow
from booking.store.types import point_wkt
from mobility.domain.geo import Point
from mobility.domain.positions import VehiclePosition


def add_position(session: Session, position: VehiclePosition) -> None:
    """Store ``position`` (the caller commits)."""
    p = position.point
    session.execute(sa.insert(VehiclePositionRow).values(
        vehicle_id=position.vehicle_id, at=position.at, lon=p.lon, lat=p.lat, accuracy_m=position.accuracy_m,
        speed_mps=position.speed_mps, heading_deg=position.heading_deg, geom=point_wkt(p.lon, p.lat)))


def _position(row: Sequence[Any]) -> VehiclePosition:
    vehicle_id, at, lon, lat, accuracy_m, speed_mps, heading_deg = row
    return VehiclePosition(vehicle_id, Point(lon, lat), at, accuracy_m, speed_mps, heading_deg)


_COLUMNS = (VehiclePositionRow.vehicle_id, VehiclePositionRow.at, VehiclePositionRow.lon, VehiclePositionRow.lat,
            VehiclePositionRow.accuracy_m, VehiclePositionRow.speed_mps, VehiclePositionRow.heading_deg)


def last_position(session: Session, vehicle_id: str) -> VehiclePosition | None:
    """The vehicle's latest stored position (by time, then by insertion), or ``None``."""
    row = session.execute(
        sa.select(*_COLUMNS).where(VehiclePositionRow.vehicle_id == vehicle_id)
        .order_by(VehiclePositionRow.at.desc(), VehiclePositionRow.id.desc()).limit(1)
    ).first()
    return None if row is None else _position(row)


def last_positions(session: Session, since: datetime | None = None) -> list[VehiclePosition]:
    """The latest stored position of every vehicle (only those at or after ``since``), ordered by vehicle id."""
    latest = sa.select(VehiclePositionRow.vehicle_id, sa.func.max(VehiclePositionRow.at).label("at"))
    if since is not None:
        latest = latest.where(VehiclePositionRow.at >= since)
    sub = latest.group_by(VehiclePositionRow.vehicle_id).subquery()
    rows = session.execute(
        sa.select(*_COLUMNS).join(sub, sa.and_(VehiclePositionRow.vehicle_id == sub.c.vehicle_id,
                                               VehiclePositionRow.at == sub.c.at))
        .order_by(VehiclePositionRow.vehicle_id, VehiclePositionRow.id)
    )
    # two reports in the same instant: the one stored last wins
    return list({p.vehicle_id: p for p in map(_position, rows)}.values())


def purge_positions(session: Session, before: datetime) -> int:
    """Delete every position older than ``before``; returns how many rows went."""
    result = session.execute(sa.delete(VehiclePositionRow).where(VehiclePositionRow.at < before))
    return int(getattr(result, "rowcount", 0) or 0)


def count_positions(session: Session, vehicle_ids: Iterable[str] | None = None) -> int:
    """How many positions are stored (of ``vehicle_ids`` when given)."""
    query = sa.select(sa.func.count()).select_from(VehiclePositionRow)
    if vehicle_ids is not None:
        query = query.where(VehiclePositionRow.vehicle_id.in_(list(vehicle_ids)))
    return int(session.execute(query).scalar_one())
