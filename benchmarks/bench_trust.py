"""Trust figures over real HTTP: sign-in throttling, sign-in time of known vs unknown users, the database stopped
for 10 s under load, and a scan of every log record of the run.

Usage: ``python benchmarks/bench_trust.py [--database-url URL] [--clients 8] [--outage-s 10] [--samples 30]``

The service runs in this process under uvicorn on loopback (default fleet, system clock, production argon2 cost)
on PostGIS in a fresh schema, reached through a TCP proxy (tests/booking/dbproxy.py) that the run takes down:
connections refused and cut, as when the database server stops. Figures:

* the attempt at which 30 wrong passwords for one account are first refused with 429 (anchor: ≤ 10);
* median sign-in time (wall, over HTTP) of a known user with a wrong password vs an unknown user (anchor: < 10 ms);
* under load (``--clients`` threads booking and listing), the database stopped for ``--outage-s``: the share of
  answers that are 503 or a success (anchor 100 %), requests without an HTTP answer (anchor 0), bookings answered
  201 but missing from the store afterwards (anchor 0), seconds from the database's return to ``/health/ready`` 200
  (anchor ≤ 2 s);
* findings of the log scanner over every record of the run (anchor 0).

Prints a table: figure, value, anchor, ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from booking.service.throttle import Throttle
from mobility.domain.clock import ManualClock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.booking.dbproxy import DbProxy
from tests.booking.logscan import capture_logs

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "Bench-Passwort-2026"
T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday 07:00 in Berlin: the fleet is on duty
STOPS = ("8010043", "8010332", "8010009", "206902", "8011168")  # Bernburg, Staßfurt, Aschersleben …


def _serve(app: Any) -> tuple[Any, threading.Thread, str]:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False,
                                           log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"


def throttling(base: str) -> int:
    """The attempt number of the first 429 among 30 wrong passwords for one account."""
    with httpx.Client(base_url=base, timeout=30) as client:
        for attempt in range(1, 31):
            r = client.post("/api/v1/auth/token", data={"username": "bench-known", "password": f"falsch-{attempt}"})
            if r.status_code == 429:
                return attempt
    return 31


def sign_in_times(base: str, samples: int) -> tuple[float, float]:
    """Median wall time (s) of a failed sign-in: a known user (wrong password), an unknown user; the throttle is
    avoided by a fresh client address per attempt (X-Forwarded-For is not trusted here: distinct usernames)."""
    known: list[float] = []
    unknown: list[float] = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for i in range(samples):
            for name, sink in ((f"bench-timing-{i % 4}", known), (f"niemand-{uuid.uuid4().hex[:8]}", unknown)):
                started = time.perf_counter()
                client.post("/api/v1/auth/token", data={"username": name, "password": "falsches-Passwort"})
                sink.append(time.perf_counter() - started)
    return statistics.median(known), statistics.median(unknown)


class Load:
    """Clients that list and book in a loop; every answer and every failure to get one is counted."""

    def __init__(self, base: str, tokens: list[str]) -> None:
        self.base = base
        self.tokens = tokens
        self.statuses: Counter[int] = Counter()
        self.no_answer: Counter[str] = Counter()
        self.refusals: Counter[str] = Counter()  # 4xx by problem type: the answer without an outage too
        self.booked: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._client, args=(k, t), daemon=True) for k, t in enumerate(tokens)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def _count(self, r: httpx.Response) -> None:
        with self._lock:
            self.statuses[r.status_code] += 1
            if 400 <= r.status_code < 500:
                self.refusals[str(r.json().get("type", "")).rsplit(":", 1)[-1]] += 1

    def _client(self, k: int, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        n = 0
        with httpx.Client(base_url=self.base, timeout=60, headers=headers) as client:
            while not self._stop.is_set():
                n += 1
                try:
                    if n % 4:
                        self._count(client.get("/api/v1/bookings", params={"limit": 20}))
                        continue
                    a, b = STOPS[(k + n) % len(STOPS)], STOPS[(k + n + 1) % len(STOPS)]
                    departure = (T0 + timedelta(minutes=20 + (7 * n + 13 * k) % 600)).isoformat()
                    offer = client.post("/api/v1/offers", json={"origin": {"stop_id": a},
                                                               "destination": {"stop_id": b},
                                                               "departure": departure})
                    self._count(offer)
                    if offer.status_code != 201:
                        continue
                    booked = client.post("/api/v1/bookings", json={"offer_id": offer.json()["id"]},
                                         headers={"Idempotency-Key": uuid.uuid4().hex})
                    self._count(booked)
                    if booked.status_code == 201:
                        with self._lock:
                            self.booked.append(booked.json()["id"])
                except httpx.HTTPError as exc:
                    with self._lock:
                        self.no_answer[type(exc).__name__] += 1


def outage(base: str, proxy: DbProxy, tokens: list[str], outage_s: float) -> dict[str, Any]:
    """Load for 5 s, the database away for ``outage_s``, back; until 5 s after it is ready again."""
    load = Load(base, tokens)
    load.start()
    time.sleep(5)
    before = dict(load.statuses)
    proxy.down()
    time.sleep(outage_s)
    during = Counter(load.statuses)
    during.subtract(before)
    proxy.up()
    back = time.perf_counter()
    ready_after = None
    with httpx.Client(base_url=base, timeout=10) as client:
        while time.perf_counter() - back < 30:
            if client.get("/health/ready").status_code == 200:
                ready_after = time.perf_counter() - back
                break
            time.sleep(0.02)
    time.sleep(5)
    load.stop()
    return {"statuses": dict(load.statuses), "during": {k: v for k, v in during.items() if v},
            "no_answer": dict(load.no_answer), "booked": list(load.booked), "ready_after_s": ready_after,
            "refusals": dict(load.refusals)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_PG)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--outage-s", type=float, default=10.0)
    parser.add_argument("--samples", type=int, default=30)
    args = parser.parse_args()

    import sqlalchemy as sa

    from mobility.app import build_services, create_app
    from mobility.config import Settings

    url = sa.make_url(args.database_url)
    schema = "bench_trust_" + uuid.uuid4().hex[:8]
    admin = sa.create_engine(args.database_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    rows: list[tuple[str, str, str, str]] = []
    try:
        with capture_logs(sql=False) as logs, DbProxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:
            proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
            settings = Settings(database_url=proxied, secret_key="bench-" + uuid.uuid4().hex + uuid.uuid4().hex,
                                data_dir=Path(tempfile.mkdtemp(prefix="bench-trust-")), solver_time_limit_s=1.0)
            # production argon2 parameters; the plan's clock on a Monday morning (tokens use wall time)
            parts = build_services(settings, schema=schema, clock=ManualClock(T0))
            accounts = parts.services.accounts
            for name in ["bench-known"] + [f"bench-timing-{i}" for i in range(4)]:
                accounts.add(name, PASSWORD, "resident", name)
            tokens = []
            for k in range(args.clients):
                user = accounts.add(f"bench-load-{k}", PASSWORD, "resident", f"Last {k}")
                tokens.append(parts.services.signin.start(user).access_token)
            server, thread, base = _serve(create_app(settings, parts=parts, background=False))
            try:
                first_429 = throttling(base)
                signin = parts.services.signin  # timing: measure the password check, not the throttle's 429
                signin.per_account, signin.per_address = Throttle(free=10**6), Throttle(free=10**6)
                known, unknown = sign_in_times(base, args.samples)
                result = outage(base, proxy, tokens, args.outage_s)
            finally:
                server.should_exit = True
                thread.join(30)
            with parts.engine.connect() as conn:
                stored = {r[0] for r in conn.execute(sa.text("SELECT id FROM bookings"))}
            parts.engine.dispose()
        answers = sum(result["statuses"].values())
        refused = sum(n for s, n in result["statuses"].items() if 400 <= s < 500)
        good = sum(n for s, n in result["statuses"].items() if s < 300 or s == 503)
        answers -= refused  # business refusals (no seat, …) are the same answers without an outage
        lost = [b for b in result["booked"] if b not in stored]
        findings = logs.findings([PASSWORD, *tokens])
        rows = [
            ("first 429 of 30 wrong passwords (attempt)", str(first_429), "10", f"{first_429 / 10:.2f}"),
            ("sign-in median known, wrong password (ms)", f"{known * 1000:.1f}", "-", "-"),
            ("sign-in median unknown user (ms)", f"{unknown * 1000:.1f}", "-", "-"),
            ("sign-in median difference (ms)", f"{abs(known - unknown) * 1000:.1f}", "10",
             f"{abs(known - unknown) * 100:.2f}"),
            ("outage: answers under load", str(answers), "-", "-"),
            ("outage: answers during the outage (by status)", str(result["during"]), "-", "-"),
            ("outage: share 503 or success (without business 4xx)", f"{good / max(answers, 1):.4f}", "1.0",
             f"{good / max(answers, 1):.4f}"),
            ("outage: business 4xx by problem type", str(result["refusals"]), "-", "-"),
            ("outage: requests without an HTTP answer", str(sum(result["no_answer"].values())), "0", "-"),
            ("outage: bookings answered 201 but not stored", str(len(lost)), "0", "-"),
            ("outage: ready again after the database (s)", f"{result['ready_after_s']:.2f}"
             if result["ready_after_s"] is not None else "never", "2", "-"),
            ("log lines scanned", str(len(logs.lines)), "-", "-"),
            ("log findings (hashes, JWTs, phones, secrets)", str(len(findings)), "0", "-"),
        ]
        for line in findings[:10]:
            print("# " + line, file=sys.stderr)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'value':>12}  {'anchor':>6}  ratio")
    for figure, value, anchor, ratio in rows:
        print(f"{figure:<{width}}  {value:>12}  {anchor:>6}  {ratio}")


if __name__ == "__main__":
    main()
