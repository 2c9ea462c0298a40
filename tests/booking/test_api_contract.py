"""The API's promises on paper: every error answer is documented (problem+json) in the OpenAPI document, and the
production compose file puts the API behind Caddy with TLS and HSTS, non-root and health-checked.

Docker cannot run here: the compose file, Caddyfile and Dockerfile are checked as text (parsed YAML)."""

from __future__ import annotations

import re
from typing import Any

import yaml

from mobility.config import REPO_ROOT
from tests.booking.conftest import Env

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()
            if isinstance(op, dict) and "responses" in op]


def test_every_error_answer_is_documented_as_problem_json(env: Env) -> None:
    """Every operation documents 422, 500 and 503 as problem+json (503 with Retry-After); every operation behind a
    sign-in documents 401 and 403; the Problem schema names the RFC 9457 members."""
    schema = env.client.get("/openapi.json").json()
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    operations = _operations(schema)
    assert len(operations) > 40
    for path, method, op in operations:
        responses = op["responses"]
        wanted = {"422", "500", "503"} | ({"401", "403"} if op.get("security") else set())
        assert wanted <= responses.keys(), (method, path, sorted(responses))
        for status in wanted:
            assert responses[status]["content"]["application/problem+json"]["schema"] == PROBLEM_REF
        assert "Retry-After" in responses["503"]["headers"]
    token = schema["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert "429" in token
    assert "Retry-After" in token["429"]["headers"]


def test_documented_statuses_match_what_the_api_answers(env: Env) -> None:
    """A few answers checked against the document: their status is listed for their operation."""
    schema = env.client.get("/openapi.json").json()
    headers = env.user("erika")
    probes = [("get", "/api/v1/bookings/{booking_id}", env.client.get("/api/v1/bookings/gibt-es-nicht",
                                                                          headers=headers)),
              ("get", "/api/v1/bookings", env.client.get("/api/v1/bookings")),
              ("get", "/api/v1/dispatch/vehicles", env.client.get("/api/v1/dispatch/vehicles", headers=headers)),
              ("post", "/api/v1/offers", env.client.post("/api/v1/offers", json={}, headers=headers))]
    for method, path, answer in probes:
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert str(answer.status_code) in schema["paths"][path][method]["responses"], (path, answer.status_code)


def test_production_compose_puts_the_api_behind_caddy_with_tls() -> None:
    """Parsed compose file: the API publishes no port (only Caddy, 80/443), runs in production mode with a required
    key, read-only without privileges, health-checked on readiness; Caddy sends HSTS; the image runs as a non-root
    user with a HEALTHCHECK."""
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    api, proxy = services["api"], services["proxy"]
    assert "ports" not in api
    assert api["environment"]["MOBILITY_ENV"] == "production"
    assert re.fullmatch(r"\$\{MOBILITY_SECRET_KEY:\?.+\}", api["environment"]["MOBILITY_SECRET_KEY"])
    assert "/health/ready" in " ".join(api["healthcheck"]["test"])
    assert api["read_only"] is True
    assert "no-new-privileges:true" in api["security_opt"]
    assert set(proxy["ports"]) == {"80:80", "443:443"}
    assert proxy["image"].startswith("caddy:")
    assert proxy["depends_on"]["api"]["condition"] == "service_healthy"
    assert "${POSTGRES_PASSWORD:?" in services["db"]["environment"]["POSTGRES_PASSWORD"]
    caddyfile = (REPO_ROOT / "deploy" / "Caddyfile").read_text()
    assert re.search(r'Strict-Transport-Security "max-age=\d{8,}', caddyfile)
    assert "reverse_proxy api:8000" in caddyfile
    mounted = {v.split(":")[0] for v in proxy["volumes"]}
    assert "./deploy/Caddyfile" in mounted
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users
    assert users[-1] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*health/ready", dockerfile, re.M | re.S)
