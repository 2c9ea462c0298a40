"""The rehearsal's HTTP client: one keep-alive connection to the served app, every response counted.

Every call goes through :meth:`Api.call`, which counts responses by status, remembers each 5xx (and any 4xx the
caller did not expect) with the simulated time, and counts calls per simulated hour, so the report can show that
the load stays bounded.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from mobility.domain.ports import Clock

API = "/api/v1"


@dataclass(frozen=True, slots=True)
class Failure:
    """A response that should not have happened: any 5xx, or a 4xx the caller did not expect."""

    at: datetime
    method: str
    path: str
    status: int
    detail: str
    who: str = ""


@dataclass
class Traffic:
    """What went over the wire."""

    by_status: Counter[int] = field(default_factory=Counter)
    by_route: Counter[str] = field(default_factory=Counter)
    by_hour: Counter[str] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0  # wall time spent waiting for responses

    @property
    def calls(self) -> int:
        """All responses."""
        return sum(self.by_status.values())

    @property
    def server_errors(self) -> int:
        """Responses with a 5xx status."""
        return sum(n for status, n in self.by_status.items() if status >= 500)


def route_of(method: str, path: str) -> str:
    """A path with its ids replaced, for counting (``POST /api/v1/bookings/{id}/cancel``)."""
    bare = path.split("?", maxsplit=1)[0]
    parts = [p if not any(c.isdigit() for c in p) or p == "v1" else "{id}" for p in bare.split("/")]
    return f"{method} {'/'.join(parts)}"


def detail_of(response: httpx.Response) -> str:
    """The problem's German ``detail`` (or the start of the body)."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or body)[:300]
    return str(body)[:200]


class Api:
    """A client of the served app that reads the simulated clock for its records."""

    def __init__(self, base_url: str, clock: Clock, *, timeout_s: float = 120.0) -> None:
        self.clock = clock
        self.traffic = Traffic()
        self.client = httpx.Client(base_url=base_url, timeout=timeout_s)

    def close(self) -> None:
        """Close the connection."""
        self.client.close()

    def call(self, method: str, path: str, *, token: str | None = None, json: Any = None,
             data: Mapping[str, str] | None = None, params: Mapping[str, Any] | None = None,
             headers: Mapping[str, str] | None = None, expect: Iterable[int] = (200, 201, 202),
             who: str = "") -> httpx.Response:
        """Send one request; a status outside ``expect`` is recorded as a failure (and returned, never raised)."""
        full = path if path.startswith(API) else API + path
        sent: dict[str, str] = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        started = time.perf_counter()
        response = self.client.request(method, full, json=json, data=data, params=params, headers=sent)
        self.traffic.seconds += time.perf_counter() - started
        now = self.clock.now()
        self.traffic.by_status[response.status_code] += 1
        self.traffic.by_route[route_of(method, full)] += 1
        self.traffic.by_hour[now.strftime("%Y-%m-%d %H")] += 1
        if response.status_code >= 500 or response.status_code not in set(expect):
            self.traffic.failures.append(Failure(now, method, full, response.status_code, detail_of(response), who))
        return response

    def token(self, username: str, password: str) -> str:
        """Sign in (OAuth2 password flow) and return the bearer token."""
        r = self.call("POST", "/auth/token", data={"username": username, "password": password}, who=username)
        if r.status_code != 200:
            msg = f"sign-in of {username} failed: {r.status_code} {detail_of(r)}"
            raise RuntimeError(msg)
        return str(r.json()["access_token"])
