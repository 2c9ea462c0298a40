"""Rail connections: the imported GTFS timetable and the train an offer was made for.

``transit_feeds`` names each imported feed (its time zone, source and checksum); stops, trips, the service calendar
(``transit_services``, ``transit_service_dates``) and the stop times (GTFS seconds of the service day) belong to a
feed and go with it. ``transit_offer_connections`` records the connection promised with an offer.

Revision ID: 0008_transit_timetable
Revises: 0007_tomp_packages
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from booking.store.types import UTCDateTime

revision = "0008_transit_timetable"
down_revision = "0007_tomp_packages"
branch_labels = None
depends_on = None


def _feed_column() -> sa.Column[str]:
    return sa.Column("feed", sa.String(64), nullable=False)


def _feed_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["feed"], ["transit_feeds.name"], ondelete="CASCADE",
                                   name=f"fk_{table}_feed_transit_feeds")


def upgrade() -> None:
    op.create_table(
        "transit_feeds",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.Column("stops", sa.Integer(), nullable=False),
        sa.Column("trips", sa.Integer(), nullable=False),
        sa.Column("stop_times", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_transit_feeds"),
    )
    op.create_table(
        "transit_stops",
        _feed_column(),
        sa.Column("stop_id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("station", sa.String(200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        _feed_fk("transit_stops"),
        sa.PrimaryKeyConstraint("feed", "stop_id", name="pk_transit_stops"),
    )
    op.create_index("ix_transit_stops_lat_lon", "transit_stops", ["lat", "lon"])
    op.create_table(
        "transit_trips",
        _feed_column(),
        sa.Column("trip_id", sa.String(200), nullable=False),
        sa.Column("service_id", sa.String(200), nullable=False),
        sa.Column("line", sa.String(120), nullable=False),
        sa.Column("route_type", sa.Integer(), nullable=False),
        sa.Column("headsign", sa.String(200), nullable=False),
        _feed_fk("transit_trips"),
        sa.PrimaryKeyConstraint("feed", "trip_id", name="pk_transit_trips"),
    )
    op.create_table(
        "transit_services",
        _feed_column(),
        sa.Column("service_id", sa.String(200), nullable=False),
        sa.Column("weekdays", sa.String(7), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        _feed_fk("transit_services"),
        sa.PrimaryKeyConstraint("feed", "service_id", name="pk_transit_services"),
    )
    op.create_table(
        "transit_service_dates",
        _feed_column(),
        sa.Column("service_id", sa.String(200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("exception_type", sa.Integer(), nullable=False),
        _feed_fk("transit_service_dates"),
        sa.PrimaryKeyConstraint("feed", "service_id", "day", name="pk_transit_service_dates"),
    )
    op.create_table(
        "transit_stop_times",
        _feed_column(),
        sa.Column("trip_id", sa.String(200), nullable=False),
        sa.Column("stop_sequence", sa.Integer(), nullable=False),
        sa.Column("stop_id", sa.String(100), nullable=False),
        sa.Column("arrival_s", sa.Integer(), nullable=False),
        sa.Column("departure_s", sa.Integer(), nullable=False),
        sa.Column("boarding", sa.Boolean(), nullable=False),
        sa.Column("alighting", sa.Boolean(), nullable=False),
        _feed_fk("transit_stop_times"),
        sa.PrimaryKeyConstraint("feed", "trip_id", "stop_sequence", name="pk_transit_stop_times"),
    )
    op.create_index("ix_transit_stop_times_stop", "transit_stop_times", ["feed", "stop_id", "departure_s"])
    op.create_table(
        "transit_offer_connections",
        sa.Column("offer_id", sa.String(36), nullable=False),
        sa.Column("feed", sa.String(64), nullable=False),
        sa.Column("trip_id", sa.String(200), nullable=False),
        sa.Column("stop_sequence", sa.Integer(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("direction", sa.String(12), nullable=False),
        sa.Column("train_time", UTCDateTime(), nullable=False),
        sa.Column("ride_time", UTCDateTime(), nullable=False),
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("offer_id", name="pk_transit_offer_connections"),
    )


def downgrade() -> None:
    op.drop_table("transit_offer_connections")
    op.drop_index("ix_transit_stop_times_stop", table_name="transit_stop_times")
    op.drop_table("transit_stop_times")
    op.drop_table("transit_service_dates")
    op.drop_table("transit_services")
    op.drop_table("transit_trips")
    op.drop_index("ix_transit_stops_lat_lon", table_name="transit_stops")
    op.drop_table("transit_stops")
    op.drop_table("transit_feeds")
