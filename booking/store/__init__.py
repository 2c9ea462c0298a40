"""The booking store: SQLAlchemy 2 ORM + GeoAlchemy2 tables, repositories and Alembic migrations.

Reuse from other parts of the booking service:

* :class:`booking.store.models.Base` — the declarative base; its ``metadata`` is the one Alembic targets.
* :func:`booking.store.engine.make_engine`, :func:`booking.store.engine.make_session_factory`,
  :func:`booking.store.engine.upgrade` — engine, sessions and migrations (nothing runs at import time).
* :class:`booking.store.types.GeoColumn` — EPSG:4326 geometry on PostGIS, WKT text on SQLite.
"""
