"""A MaaS operator's client of the TOMP door that checks every request and response against the 2.0 modules."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.booking.conftest import Env
from tests.booking.tomp_spec import CORE, spec

PREFIX = "/tomp/v2"


@dataclass
class Tomp:
    """Requests as a MaaS operator sends them (``Accept-Language``, ``authorization``); every exchange checked."""

    env: Env
    auth: dict[str, str]
    language: str = "de-DE"
    exchanges: list[tuple[str, str, int]] = field(default_factory=list)

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Accept-Language": self.language, "authorization": self.auth["Authorization"], **extra}

    def post(self, process: str, inputs: Any, status: int = 200, *, conforming: bool = True,
             headers: dict[str, str] | None = None, raw: bytes | None = None) -> dict[str, Any]:
        """POST ``/processes/<process>/execution`` with ``{"inputs": inputs}`` (or ``raw`` bytes)."""
        path = f"{PREFIX}/processes/{process}/execution"
        sent = self.headers() if headers is None else headers
        body = {"inputs": inputs} if raw is None else None
        self._check_request("POST", path, sent, {}, body if raw is None else _loads(raw), conforming=conforming)
        content = raw if raw is not None else json.dumps(body).encode()
        r = self.env.client.post(path, content=content, headers={**sent, "content-type": "application/json"})
        return self._check_response("POST", path, r, status)

    def get(self, collection: str, query: dict[str, str], status: int = 200, *, conforming: bool = True,
            headers: dict[str, str] | None = None) -> dict[str, Any]:
        """GET ``/collections/<collection>/items`` with ``query``."""
        path = f"{PREFIX}/collections/{collection}/items"
        sent = self.headers() if headers is None else headers
        self._check_request("GET", path, sent, query, None, conforming=conforming)
        r = self.env.client.get(path, params=query, headers=sent)
        return self._check_response("GET", path, r, status)

    def search(self, origin: str, destination: str, start: str, **inputs: Any) -> dict[str, Any]:
        """search-offers for a travel specification."""
        spec_ = {"type": "travelSpecification", "from": origin, "to": destination, "startTime": start}
        return self.post("search-offers", {"type": "searchOffer", "specification": spec_, **inputs})

    @staticmethod
    def _check_request(method: str, path: str, headers: dict[str, str], query: dict[str, str], body: Any, *,
                       conforming: bool) -> None:
        found = spec().check_request(method, path, headers, query, body)
        if conforming:
            assert found == [], found
        else:
            assert found, "the request was meant to be outside the spec, but the spec accepts it"

    def _check_response(self, method: str, path: str, r: Any, status: int) -> dict[str, Any]:
        assert r.status_code == status, r.text
        body = r.json()
        found = spec().check_response(method, path, r.status_code, r.headers, body)
        assert found == [], found
        assert r.headers["Version"] == "2.0.0"
        self.exchanges.append((method, path, r.status_code))
        if status >= 400:
            assert not r.headers["content-type"].startswith("application/problem+json")
        result: dict[str, Any] = body if isinstance(body, dict) else {"items": body}
        result["_headers"] = dict(r.headers)
        return result


def _loads(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def error(doc: dict[str, Any]) -> dict[str, Any]:
    """The one error of an ``errorResponse``."""
    errors: list[dict[str, Any]] = doc["errors"]
    assert len(errors) == 1
    return errors[0]


def outside_the_spec(r: Any) -> dict[str, Any]:
    """The body of an answer to a path the spec does not have, checked against the core ``errorResponse``."""
    body: dict[str, Any] = r.json()
    assert spec().errors(CORE, "/components/responses/errorResponse/content/application~1json/schema", body) == []
    assert spec().errors(CORE, "/components/headers/contentLanguage/schema", r.headers["Content-Language"]) == []
    return body
