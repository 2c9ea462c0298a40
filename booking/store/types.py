"""Column types that behave the same on PostGIS and on the embedded SQLite.

* :class:`UTCDateTime` stores instants as UTC and always returns timezone-aware datetimes (SQLite keeps no zone).
* :class:`GeoColumn` is a GeoAlchemy2 ``Geometry`` (EPSG:4326) on PostgreSQL and WKT text on SQLite, so the same
  Alembic migration builds both databases and ``mobility serve`` needs neither a server nor SpatiaLite.
  Values are bound as EWKT (``SRID=4326;POINT(lon lat)``); PostGIS parses that text, SQLite keeps it as is.
  GiST indexes are created by the migration on PostgreSQL only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

SRID = 4326


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant, stored in UTC."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            msg = f"refusing to store a naive datetime {value.isoformat()}"
            raise ValueError(msg)
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class GeoColumn(TypeDecorator[str]):
    """A geometry in EPSG:4326: PostGIS ``geometry(<kind>, 4326)`` or WKT text on SQLite."""

    impl = sa.Text
    cache_ok = True
    # read by GeoAlchemy2's DDL listeners: a plain typmod column, indexes come from the migration
    use_typmod = None
    spatial_index = False
    srid = SRID

    def __init__(self, geometry_type: str) -> None:
        super().__init__()
        self.geometry_type = geometry_type

    def load_dialect_impl(self, dialect: Dialect | None) -> TypeEngine[Any]:
        if dialect is not None and dialect.name == "postgresql":
            from geoalchemy2 import Geometry

            geometry: TypeEngine[Any] = Geometry(self.geometry_type, srid=SRID, spatial_index=False)
            return dialect.type_descriptor(geometry)
        return sa.Text() if dialect is None else dialect.type_descriptor(sa.Text())

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else str(value)


def point_wkt(lon: float, lat: float) -> str:
    """EWKT of a point in EPSG:4326."""
    return f"SRID={SRID};POINT({lon:.7f} {lat:.7f})"


def linestring_wkt(positions: Sequence[tuple[float, float]]) -> str | None:
    """EWKT of a line through ``(lon, lat)`` positions; ``None`` with fewer than two positions."""
    if len(positions) < 2:
        return None
    coords = ", ".join(f"{lon:.7f} {lat:.7f}" for lon, lat in positions)
    return f"SRID={SRID};LINESTRING({coords})"
