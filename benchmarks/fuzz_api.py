"""Schemathesis over every operation of the API, as each role, on SQLite and on PostGIS: no 5xx, no secret in a log.

Usage: ``python benchmarks/fuzz_api.py [--stores sqlite,postgis] [--examples 50] [--roles anonymous,resident,
dispatcher,driver,admin] [--st /path/to/st] [--database-url URL]``

Schemathesis is not a dependency of the project: install it anywhere (``python -m venv /tmp/st && /tmp/st/bin/pip
install schemathesis``) and pass ``--st /tmp/st/bin/st``. Per store the service runs in this process under uvicorn
(real network, default fleet, system clock, a fresh SQLite file or PostGIS schema); every role gets an account and
a token; ``st run`` fuzzes the served OpenAPI document with ``--max-examples`` per operation (all phases: examples,
coverage, fuzzing, stateful) and the checks ``not_a_server_error``, ``status_code_conformance`` and
``content_type_conformance``. ``/dispatch/replan`` (seconds of solver per case) gets ``--slow-examples``; the
Server-Sent Event streams (open until the client leaves) get a run of their own with ``--stream-timeout`` seconds
per request (a stream that opened is a 200 the client drops after the timeout: the service's own count of the
statuses is what matters there). For the signed-in roles ``/auth/logout`` is left out (it would end the fuzzer's
own sign-in). The TOMP-API 2.0 door (``/tomp/v2``, outside our OpenAPI: its contract is the TOMP spec) is fuzzed
from the official modules (tests/data/tomp, with the adapter tests' three corrections), each module a run, without
the processes the adapter declares not offered (``booking.tomp.api.NOT_OFFERED`` and the asset and product
operations: a 501 with the spec's x004 by design); such a 501 is counted apart, every other 5xx is one. The
service counts every answer by status itself (an ASGI wrapper), per role; a role's test cases count only as far as
the service answered requests in its run (min of the two), and a signed-in role whose answers are mostly 401 would
show it (its sign-in was lost). Every log record of the run is scanned (tests/booking/logscan.py). Prints a table:
figure, value, anchor, ratio; the anchor of 100,000 cases is for all stores and roles together. ``--save FILE``
keeps a store's figures as JSON and ``--combine FILE ...`` prints the table of saved runs (stores run in parallel).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.booking.logscan import capture_logs

ROLES = ("anonymous", "resident", "dispatcher", "driver", "admin")
PASSWORD = "Fuzz-Passwort-2026"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SLOW = "/api/v1/dispatch/replan"  # runs the solver for seconds per case
STREAMS = r"/stream$"  # Server-Sent Events stay open until the client goes: fuzzed apart with a short timeout
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance"
TOMP_PREFIX = "/tomp/v2"


class StatusCounter:
    """Counts every answer of the wrapped app by status."""

    def __init__(self, app: Callable[..., Awaitable[None]], declared: Callable[[int, str], bool]) -> None:
        self.app = app
        self.declared = declared  # a 5xx the API declares for this path (TOMP's x004 "not offered")
        self.statuses: Counter[int] = Counter()
        self.declared_5xx: Counter[str] = Counter()
        self.server_errors: list[str] = []
        self._lock = threading.Lock()

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def watch(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status = int(message["status"])
                where = f"{status} {scope['method']} {scope['path'][:120]}"
                with self._lock:
                    self.statuses[status] += 1
                    if status >= 500 and self.declared(status, scope["path"]):
                        self.declared_5xx[where] += 1
                    elif status >= 500:
                        self.server_errors.append(where)
            await send(message)

        await self.app(scope, receive, watch)


def _serve(app: Any) -> tuple[Any, threading.Thread, str]:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False,
                                           log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, f"http://127.0.0.1:{port}"


def run_store(store: str, args: argparse.Namespace) -> dict[str, Any]:
    """Serve one store, fuzz it as every role; the figures of the run."""
    import sqlalchemy as sa

    from booking.service.security import light_hasher
    from mobility.app import build_services, create_app
    from mobility.config import Settings

    folder = Path(tempfile.mkdtemp(prefix=f"fuzz-{store}-"))
    schema = None
    url = f"sqlite:///{folder / 'fuzz.db'}"
    if store == "postgis":
        url, schema = args.database_url, "fuzz_" + uuid.uuid4().hex[:10]
        with sa.create_engine(url).begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    settings = Settings(database_url=url, secret_key="fuzz-" + uuid.uuid4().hex + uuid.uuid4().hex,
                        data_dir=folder, access_token_minutes=24 * 60, solver_time_limit_s=1.0)
    parts = build_services(settings, hasher=light_hasher(), schema=schema)
    services = parts.services
    vehicle = parts.dispatcher.vehicles()[0].id
    tokens: dict[str, str] = {}
    for role in ROLES[1:]:
        user = services.accounts.add(f"fuzz-{role}", PASSWORD, role, f"Fuzz {role}",
                                     vehicle_id=vehicle if role == "driver" else None)
        tokens[role] = services.signin.start(user).access_token
    counter = StatusCounter(create_app(settings, parts=parts, background=False), _declared_5xx)
    part = "" if tuple(args.roles) == ROLES else f" ({', '.join(args.roles)})"
    figures: dict[str, Any] = {"store": store + part, "runs": {}}
    with capture_logs(sql=False) as logs:
        server, thread, base = _serve(counter)
        try:
            for role in args.roles:
                figures["runs"].update(_fuzz_role(args, base, tokens.get(role), role, folder=folder, counter=counter))
        finally:
            server.should_exit = True
            thread.join(30)
    parts.engine.dispose()
    if schema is not None:
        with sa.create_engine(url).begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    figures["requests"] = sum(counter.statuses.values())
    figures["5xx"] = len(counter.server_errors)
    figures["declared_5xx"] = dict(counter.declared_5xx)
    figures["statuses"] = dict(sorted(counter.statuses.items()))
    figures["server_errors"] = sorted(Counter(counter.server_errors).items())[:40]
    figures["log_lines"] = len(logs.lines)
    figures["log_findings"] = logs.findings([PASSWORD, *tokens.values()])
    return figures


def _fuzz_role(args: argparse.Namespace, base: str, token: str | None, role: str, *, folder: Path,
               counter: StatusCounter) -> dict[str, dict[str, Any]]:
    """The runs of one role: every operation but the slow and the streaming ones, the re-plan (staff), the
    streams (short timeout); each with the statuses the service answered meanwhile."""
    runs: list[tuple[str, list[str], int, float]] = [
        (role, ["--exclude-path", SLOW, "--exclude-path-regex", STREAMS], args.examples, 60.0),
        (role + " (streams)", ["--include-path-regex", STREAMS], args.examples, args.stream_timeout)]
    if role in ("dispatcher", "admin"):  # the solver runs seconds per case: a few examples only
        runs.append((role + " (replan)", ["--include-path", SLOW], args.slow_examples, 60.0))
    if args.tomp:
        runs += [(f"{role} (TOMP {module.split('-')[2]})", [str(folder / "tomp" / module), *_tomp_offered()],
                  args.examples, 60.0) for module in _tomp_modules(folder)]
    out: dict[str, dict[str, Any]] = {}
    for name, selection, examples, timeout in runs:
        before = Counter(counter.statuses)
        run = _fuzz(args, base, token, name, folder=folder, selection=selection, examples=examples,
                    timeout=timeout)
        statuses = Counter(counter.statuses)
        statuses.subtract(before)
        run["statuses"] = {s: n for s, n in sorted(statuses.items()) if n}
        run["answered"] = sum(statuses.values())
        run["counted"] = min(run["cases"] or 0, run["answered"])
        out[name] = run
    return out


def _fuzz(args: argparse.Namespace, base: str, token: str | None, name: str, *, folder: Path,
          selection: list[str], examples: int, timeout: float) -> dict[str, Any]:
    slug = re.sub(r"\W+", "-", name).strip("-")
    tomp = bool(selection) and selection[0].endswith(".yaml")  # a TOMP module: the location, served under its prefix
    where = [selection[0], "--url", base + TOMP_PREFIX, *selection[1:]] if tomp else [f"{base}/openapi.json",
                                                                                      *selection]
    command = [args.st, "run", *where, "--max-examples", str(examples), "--workers",
               str(args.workers), "--checks", CHECKS, "--request-timeout", str(timeout), "--no-color", "--seed",
               str(args.seed), "--suppress-health-check", "all", "--generation-database", "none", "--report",
               "junit", "--report-junit-path", str(folder / f"junit-{slug}.xml")]
    if token is not None:
        command += ["-H", f"Authorization: Bearer {token}", "--exclude-path", "/api/v1/auth/logout"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    output = done.stdout + done.stderr
    (folder / f"st-{slug}.txt").write_text(output)
    counts = re.findall(r"(\d+) generated", output)  # the summary is printed twice: the last one counts
    cases = int(counts[-1]) if counts else None
    return {"exit": done.returncode, "seconds": round(time.perf_counter() - started, 1), "cases": cases,
            "failures": _failures(output), "output": str(folder / f"st-{slug}.txt")}


def _declared_5xx(status: int, path: str) -> bool:
    """A 501 the TOMP door answers for a process of the spec it declares not offered (TOMP error x004)."""
    from booking.tomp.api import NOT_OFFERED

    match = re.fullmatch(TOMP_PREFIX + r"/processes/([^/]+)/execution", path)
    return status == 501 and match is not None and match.group(1) in NOT_OFFERED


def _tomp_offered() -> list[str]:
    """Schemathesis options that leave out the TOMP processes the adapter declares not offered."""
    from booking.tomp.api import NOT_OFFERED

    offered = [f"--exclude-path=/processes/{name}/execution" for name in sorted(NOT_OFFERED)]
    return [*offered, "--exclude-path-regex=-(asset|product)/execution$"]


def _tomp_modules(folder: Path) -> list[str]:
    """The official TOMP-API 2.0 modules, corrected as the adapter's tests correct them, written to ``folder/tomp``
    under their own names (their ``$ref``s name each other's files; JSON is YAML too); the file names."""
    from tests.booking.tomp_spec import spec

    target = folder / "tomp"
    if not target.exists():
        target.mkdir()
        for name, doc in spec().docs.items():
            (target / name).write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return sorted(p.name for p in target.glob("*.yaml"))


def _failures(output: str) -> list[str]:
    """The distinct failure headings schemathesis printed (``_ POST /api/v1/… _`` and the check that failed)."""
    return sorted(set(re.findall(r"^[-_]+ (\w+ /\S+) [-_]+$", output, re.M)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", default="sqlite,postgis")
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--examples", type=int, default=50, help="max examples per operation and role")
    parser.add_argument("--slow-examples", type=int, default=5, help="examples for the re-plan endpoint")
    parser.add_argument("--stream-timeout", type=float, default=2.0, help="seconds per request to an event stream")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--st", default="st", help="the schemathesis command")
    parser.add_argument("--database-url", default=DEFAULT_PG)
    parser.add_argument("--no-tomp", dest="tomp", action="store_false", help="leave the TOMP door out")
    parser.add_argument("--save", type=Path, help="write the figures of the run as JSON")
    parser.add_argument("--combine", type=Path, nargs="+", help="no run: the table of runs saved with --save")
    args = parser.parse_args()
    args.roles = args.roles.split(",")
    if args.combine:
        stores = [s for f in args.combine for s in json.loads(f.read_text())]
    else:
        stores = []
        for store in args.stores.split(","):
            stores.append(run_store(store, args))
            _print_runs(stores[-1])
        if args.save:
            args.save.write_text(json.dumps(stores, indent=1))
    _table(stores)


def _table(stores: list[dict[str, Any]]) -> None:
    """The figures of every store and the totals, as a table: figure, value, anchor, ratio."""
    rows: list[tuple[str, str, str, str]] = []
    for figures in stores:
        store, runs = figures["store"], figures["runs"]
        cases = sum(r["counted"] for r in runs.values())
        failing = sorted({f for name, r in runs.items() if "(" not in name or "replan" in name for f in r["failures"]})
        tomp_failing = sorted({f for name, r in runs.items() if "TOMP" in name for f in r["failures"]})
        declared = sum(figures["declared_5xx"].values())
        rows += [
            (f"{store}: requests answered", str(figures["requests"]), "-", "-"),
            (f"{store}: schemathesis test cases (answered)", str(cases), "-", "-"),
            (f"{store}: 5xx answers", str(figures["5xx"]), "0", "ok" if figures["5xx"] == 0 else "FAIL"),
            (f"{store}: 501 of TOMP processes declared not offered (x004)", str(declared), "-", "-"),
            (f"{store}: /api operations with a failed check", str(len(failing)), "0", "ok" if not failing else "FAIL"),
            (f"{store}: TOMP operations with a failed check", str(len(tomp_failing)), "0",
             "ok" if not tomp_failing else "FAIL"),
            (f"{store}: log lines scanned", str(figures["log_lines"]), "-", "-"),
            (f"{store}: log findings", str(len(figures["log_findings"])), "0",
             "ok" if not figures["log_findings"] else "FAIL"),
        ]
    total = sum(r["counted"] for figures in stores for r in figures["runs"].values())
    errors = sum(figures["5xx"] for figures in stores)
    findings = sum(len(figures["log_findings"]) for figures in stores)
    rows += [("all stores and roles: test cases", str(total), "100000", f"{total / 100_000:.2f}"),
             ("all stores and roles: 5xx answers", str(errors), "0", "ok" if not errors else "FAIL"),
             ("all stores and roles: log findings", str(findings), "0", "ok" if not findings else "FAIL")]
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'value':>10}  {'anchor':>8}  ratio")
    for figure, value, anchor, ratio in rows:
        print(f"{figure:<{width}}  {value:>10}  {anchor:>8}  {ratio}")


def _print_runs(figures: dict[str, Any]) -> None:
    """Per store on stderr: statuses, the 5xx and failed checks seen, every run with its cases and statuses."""
    print(f"# {figures['store']}: statuses {figures['statuses']}", file=sys.stderr)
    failing = sorted({f for r in figures["runs"].values() for f in r["failures"]})
    for where, n in figures["server_errors"]:
        print(f"#   5xx × {n}: {where}", file=sys.stderr)
    for where, n in sorted(figures["declared_5xx"].items()):
        print(f"#   declared × {n}: {where}", file=sys.stderr)
    for line in failing + figures["log_findings"][:10]:
        print(f"#   {line}", file=sys.stderr)
    for name, r in figures["runs"].items():
        print(f"#   {name}: exit {r['exit']}, {r['cases']} cases, {r['answered']} answered, {r['seconds']} s, "
              f"statuses {r['statuses']}, {r['output']}", file=sys.stderr)


if __name__ == "__main__":
    main()
