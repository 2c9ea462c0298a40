"""Rail-connection benchmark: importing a real GTFS feed and listing the trains at a stop (docs/transit.md).

Usage: ``python benchmarks/bench_transit.py [--database-url URL] [--queries N]``

Imports the Cairns feed of the tests (tests/data/transit, 37,725 timed stop times) into a fresh store (SQLite file
by default; a PostgreSQL URL uses a fresh schema, dropped afterwards) through the same function as
``mobility transit import``, then asks the real service for the departures and arrivals at the test service's stops
at times spread over the day. Prints a table: figure, value, anchor, ratio (value / anchor; ≤ 1 meets the anchor).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

ANCHORS = {
    "import (s)": 10.0,  # a district's share of a statewide feed is of this size; minutes would block an update
    "connections p50 (ms)": 50.0,  # the resident page asks on every change of destination or time
    "connections p95 (ms)": 150.0,
}


def _schema(url: str) -> str | None:
    import sqlalchemy as sa

    if not url.startswith("postgresql"):
        return None
    schema = "bench_transit_" + uuid.uuid4().hex[:8]
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    return schema


def _drop(url: str, schema: str | None) -> None:
    import sqlalchemy as sa

    if schema is None:
        return
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def run(url: str, queries: int, work: Path) -> dict[str, float]:
    """The figures on the store at ``url``."""
    from booking.service.security import light_hasher
    from booking.service.transit import TransitService, import_feed
    from mobility.app import build_services
    from mobility.config import Settings
    from mobility.domain.transit import Direction
    from tests.booking.transit_helpers import FEED, SERVICE_STOPS, T_CAIRNS, cairns_clock, cairns_fleet, cairns_routing

    schema = _schema(url)
    try:
        settings = Settings(database_url=url, secret_key="bench-" + uuid.uuid4().hex, cache_dir=work)
        parts = build_services(settings, clock=cairns_clock(), fleet=cairns_fleet(), routing=cairns_routing(work),
                               hasher=light_hasher(), schema=schema)
        t0 = time.perf_counter()
        counts = import_feed(parts.services.ctx.sessions, FEED, "cairns", T_CAIRNS)
        imported = time.perf_counter() - t0
        service = TransitService(parts.services.ctx, parts.services.bookings)
        took: list[float] = []
        found = 0
        for k in range(queries):
            stop = SERVICE_STOPS[k % len(SERVICE_STOPS)][0]
            direction = Direction.TO_TRAIN if k % 2 == 0 else Direction.FROM_TRAIN
            at = T_CAIRNS + timedelta(minutes=37 * k % (14 * 60))
            t1 = time.perf_counter()
            found += len(service.connections(stop, at, direction))
            took.append((time.perf_counter() - t1) * 1000)
        parts.engine.dispose()
    finally:
        _drop(url, schema)
    took.sort()
    return {"stop times imported": counts.stop_times, "import (s)": imported,
            "stop times / s": counts.stop_times / imported, "connections listed": found,
            "connections p50 (ms)": statistics.median(took), "connections p95 (ms)": took[int(0.95 * (len(took) - 1))]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in a temporary folder")
    parser.add_argument("--queries", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        figures = run(url, args.queries, Path(tmp))
    store = "PostGIS" if url.startswith("postgresql") else "SQLite"
    print(f"rail connections on {store} ({args.queries} queries)")
    print(f"{'figure':<24}{'value':>12}{'anchor':>10}{'ratio':>8}")
    for name, value in figures.items():
        anchor = ANCHORS.get(name)
        ratio = f"{value / anchor:.2f}" if anchor else ""
        print(f"{name:<24}{value:>12.1f}{anchor if anchor is not None else '':>10}{ratio:>8}")


if __name__ == "__main__":
    main()
