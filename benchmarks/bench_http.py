"""HTTP load benchmark: 20 concurrent clients against a real uvicorn server on loopback.

Usage: ``python benchmarks/bench_http.py [--clients 20] [--offers 1500] [--max-seconds 90] [--preload 600]
[--book-share 0.25] [--database-url URL] [--seed 1]``

The server runs in a child process (``--serve``): the bundled district network, the default fleet (40 vehicles)
on a fixed Monday, a fresh SQLite file (or ``--database-url``, e.g. PostGIS, in a fresh schema dropped afterwards),
``--preload`` confirmed bookings
put in through the booking service before the clock starts. Each client signs in (OAuth2 password flow),
then loops: POST /offers between seeded random stops; a share of offers is booked with an Idempotency-Key and
every booking request is sent twice (a retry), which must return the same booking. The run stops after
``--offers`` offers in total or ``--max-seconds``. Afterwards the store and the live plan are checked for double
bookings: no (customer, key) or offer booked twice, every confirmed booking exactly once in the plan with one
pickup and one drop-off, no vehicle over capacity. Prints a table: figure, value, anchor, ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday 07:00 in Berlin
PASSWORD = "bench-passwort-1"
ANCHORS = {"offer p95 (ms)": 150.0}


# ---------------------------------------------------------------------------------------------------------- server
def serve(port: int, database_url: str, preload: int, seed: int, clients: int, *, schema: str | None) -> None:
    """Child process: build the service, preload bookings, create accounts, serve on ``port``."""
    import uvicorn

    from booking.service.security import light_hasher
    from mobility.app import build_services, create_app
    from mobility.config import Settings
    from mobility.domain.clock import ManualClock

    settings = Settings(database_url=database_url, host="127.0.0.1", port=port)
    parts = build_services(settings, clock=ManualClock(T0), hasher=light_hasher(), schema=schema)
    accounts = parts.services.accounts
    for k in range(clients):
        accounts.add(f"bench{k}", PASSWORD, "resident")
    accounts.add("bench-staff", PASSWORD, "dispatcher")
    started = time.perf_counter()
    booked = _preload(parts, preload, seed)
    print(json.dumps({"preloaded": booked, "preload_s": round(time.perf_counter() - started, 1)}), flush=True)
    app = create_app(settings, parts=parts, background=False)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _preload(parts: Any, n: int, seed: int) -> int:
    from booking.service.bookings import Caller, Place, RideWish
    from booking.service.errors import ServiceError

    rng = random.Random(seed)
    stops = list(parts.routing.directory.stops())
    booked = tries = 0
    while booked < n and tries < 4 * n:
        tries += 1
        a, b = rng.sample(stops, 2)
        wish = RideWish(Place(a.id), Place(b.id), departure=T0 + timedelta(minutes=rng.randint(30, 13 * 60)),
                        passengers=rng.choice((1, 1, 1, 2, 2, 3)))
        customer = f"preload-{tries}"
        try:
            offer = parts.services.bookings.quote(customer, wish)
            parts.services.bookings.book(Caller(customer), offer.id, None)
            booked += 1
        except ServiceError:
            continue
    parts.services.ctx.flush_pending()  # the preloaded state is stored before the clock starts, as on a server
    parts.services.ctx.flush_plan()  # that has been running (else the run starts by storing 600 bookings' tours)
    return booked


# ---------------------------------------------------------------------------------------------------------- clients
@dataclass
class Tally:
    """What the clients saw (guarded by ``lock``)."""

    offer_ms: list[float] = field(default_factory=list)
    booking_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    retry_mismatch: int = 0
    offers: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def client(url: str, k: int, *, stops: list[str], args: argparse.Namespace, tally: Tally, deadline: float) -> None:
    """One resident: sign in, then ask for offers and book some, until the shared budget is used up."""
    import httpx

    rng = random.Random(args.seed * 1000 + k)
    with httpx.Client(base_url=url, timeout=30) as http:
        token = http.post("/api/v1/auth/token", data={"username": f"bench{k}", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        while time.monotonic() < deadline:
            with tally.lock:
                if tally.offers >= args.offers:
                    return
                tally.offers += 1
            a, b = rng.sample(stops, 2)
            body = {"origin": {"stop_id": a}, "destination": {"stop_id": b}, "passengers": rng.choice((1, 1, 2)),
                    "departure": (T0 + timedelta(minutes=rng.randint(20, 12 * 60))).isoformat()}
            start = time.perf_counter()
            r = http.post("/api/v1/offers", json=body, headers=headers)
            _record(tally, "offer", r, (time.perf_counter() - start) * 1000, {201, 422})
            if r.status_code == 201 and rng.random() < args.book_share:
                _book_twice(http, headers, r.json()["id"], f"k{k}-{tally.offers}", tally)


def _book_twice(http: Any, headers: dict[str, str], offer_id: str, key: str, tally: Tally) -> None:
    ids = []
    for _ in range(2):
        start = time.perf_counter()
        r = http.post("/api/v1/bookings", json={"offer_id": offer_id}, headers={**headers, "Idempotency-Key": key})
        _record(tally, "booking", r, (time.perf_counter() - start) * 1000, {201, 409})
        if r.status_code == 201:
            ids.append(r.json()["id"])
    if len(ids) == 2 and ids[0] != ids[1]:
        with tally.lock:
            tally.retry_mismatch += 1


def _record(tally: Tally, kind: str, r: Any, ms: float, expected: set[int]) -> None:
    with tally.lock:
        (tally.offer_ms if kind == "offer" else tally.booking_ms).append(ms)
        tally.statuses[f"{kind} {r.status_code}"] += 1
        if r.status_code not in expected:
            tally.errors.append(f"{kind} {r.status_code}: {r.text[:200]}")


# ---------------------------------------------------------------------------------------------------------- checks
def double_bookings(url: str) -> tuple[int, int, dict[str, int]]:
    """Bookings confirmed twice or misplaced: (problems found, confirmed bookings checked, details)."""
    import httpx

    with httpx.Client(base_url=url, timeout=60) as http:
        token = http.post("/api/v1/auth/token", data={"username": "bench-staff", "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        bookings = http.get("/api/v1/bookings", params={"limit": 1000, "state": "CONFIRMED"}, headers=headers).json()
        tours = http.get("/api/v1/dispatch/tours.geojson", headers=headers).json()
        vehicles = {v["id"]: v for v in http.get("/api/v1/dispatch/vehicles", headers=headers).json()}
    visits: Counter[tuple[str, str]] = Counter()
    over = 0
    for f in tours["features"]:
        if f["properties"]["feature_type"] != "tour":
            continue
        cap = vehicles[f["properties"]["vehicle_id"]]["capacity"]
        for v in f["properties"]["visits"]:
            if v["booking_id"]:
                visits[(v["booking_id"], v["kind"])] += 1
            over += v["load_seats"] > cap["seats"] or v["load_wheelchairs"] > cap["wheelchairs"]
    offers = Counter(b["offer_id"] for b in bookings)
    details = {
        "offer booked twice": sum(1 for c in offers.values() if c > 1),
        "visit twice in plan": sum(1 for c in visits.values() if c != 1),
        "confirmed but not planned": sum(1 for b in bookings if visits[(b["id"], "pickup")] != 1
                                         or visits[(b["id"], "dropoff")] != 1),
        "visits over capacity": over,
    }
    return sum(details.values()), len(bookings), details


# ---------------------------------------------------------------------------------------------------------- main
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, proc: subprocess.Popen[str], timeout_s: float = 600) -> dict[str, Any]:
    import httpx

    info: dict[str, Any] = {}
    assert proc.stdout is not None
    line = proc.stdout.readline()  # the preload summary comes before the server listens
    if line.strip().startswith("{"):
        info = json.loads(line)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            msg = f"server exited with {proc.returncode}"
            raise RuntimeError(msg)
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return info
        except httpx.HTTPError:
            time.sleep(0.2)
    msg = "server did not come up"
    raise RuntimeError(msg)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (0–1) of ``values``."""
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1] if len(values) > 1 else 0.0


def pg_schema(database_url: str | None, create: bool) -> str | None:
    """For a PostgreSQL URL: create (or drop) this run's own schema ``bench_<pid>``; ``None`` for SQLite."""
    if not database_url or not database_url.startswith("postgresql"):
        return None
    import sqlalchemy as sa

    schema = f"bench_{os.getpid()}"
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}" if create else f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()
    return schema


def run(args: argparse.Namespace) -> int:
    """Start the server, run the clients, check the store and the plan, print the table."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    db = args.database_url or f"sqlite:///{Path(args.workdir) / f'bench-{os.getpid()}.db'}"
    cmd = [sys.executable, __file__, "--serve", "--port", str(port), "--database-url", db,
           "--preload", str(args.preload), "--seed", str(args.seed), "--clients", str(args.clients)]
    schema = pg_schema(args.database_url, create=True)
    if schema is not None:
        cmd += ["--schema", schema]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        info = _wait_ready(url, proc)
        import httpx

        stops = [s["id"] for s in httpx.get(url + "/api/v1/stops", params={"limit": 200}).json()]
        tally = Tally()
        deadline = time.monotonic() + args.max_seconds
        threads = [threading.Thread(target=client, args=(url, k),
                                    kwargs={"stops": stops, "args": args, "tally": tally, "deadline": deadline})
                   for k in range(args.clients)]
        started, cpu_before = time.perf_counter(), cpu_seconds(proc.pid)
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        server_cpu = cpu_seconds(proc.pid) - cpu_before
        doubles, confirmed, details = double_bookings(url)
    finally:
        proc.terminate()
        proc.wait(30)
        pg_schema(args.database_url, create=False)
    requests = len(tally.offer_ms) + len(tally.booking_ms)
    rows = [
        ("clients", args.clients, None), ("preloaded confirmed bookings", info.get("preloaded", 0), None),
        ("offers requested", len(tally.offer_ms), None),
        ("offer p50 (ms)", round(pct(tally.offer_ms, 0.50), 1), None),
        ("offer p95 (ms)", round(pct(tally.offer_ms, 0.95), 1), ANCHORS["offer p95 (ms)"]),
        ("booking p95 (ms)", round(pct(tally.booking_ms, 0.95), 1), None),
        ("throughput (requests/s)", round(requests / elapsed, 1), None),
        ("server CPU per request (ms)", round(1000 * server_cpu / max(requests, 1), 2), None),
        ("load average (1 min) after", round(os.getloadavg()[0], 1), None),
        ("errors", len(tally.errors), 0), ("retries returning another booking", tally.retry_mismatch, 0),
        ("double bookings", doubles, 0), ("confirmed bookings checked", confirmed, None),
    ]
    print(f"\n{'figure':<36}{'value':>12}{'anchor':>10}{'ratio':>8}")
    for name, value, anchor in rows:
        ratio = f"{value / anchor:.2f}" if anchor else ("ok" if anchor == 0 and value == 0 else "")
        print(f"{name:<36}{value:>12}{'' if anchor is None else anchor:>10}{ratio:>8}")
    print(f"\nstatuses: {dict(sorted(tally.statuses.items()))}; wall time {elapsed:.1f} s; checks {details}")
    for err in tally.errors[:5]:
        print("error:", err)
    return 1 if tally.errors or doubles or tally.retry_mismatch else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--offers", type=int, default=1500, help="total offers over all clients")
    parser.add_argument("--max-seconds", type=float, default=90.0)
    parser.add_argument("--preload", type=int, default=600, help="confirmed bookings before the run")
    parser.add_argument("--book-share", type=float, default=0.25)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file in --workdir")
    parser.add_argument("--workdir", default="/tmp")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--schema", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.port, args.database_url, args.preload, args.seed, args.clients, schema=args.schema)
        return
    sys.exit(run(args))


if __name__ == "__main__":
    main()
