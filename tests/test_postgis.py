"""The CI database is a real PostGIS."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.postgis


def test_postgis_computes_a_real_distance(postgis_url: str) -> None:
    """PostGIS measures Bernburg–Staßfurt on the spheroid (about 16 km), so geography functions work."""
    engine = sa.create_engine(postgis_url)
    with engine.connect() as conn:
        metres = conn.execute(
            sa.text(
                "SELECT ST_Distance(ST_GeogFromText('POINT(11.7401 51.79464)'),"
                " ST_GeogFromText('POINT(11.58508 51.85186)'))"
            )
        ).scalar_one()
    engine.dispose()
    assert 12_000 < metres < 13_000
