"""Steps the control-room tests share: book as a resident or a caller, take vehicles out, a fleet for several days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from mobility.domain.fleet import Shift, Vehicle
from tests.booking.conftest import BERNBURG, MINIBUS, PASSWORD, STASSFURT, T0, Env, ride


def headers_of(env: Env, username: str, role: str = "resident", *, phone: str | None = None) -> dict[str, str]:
    """Create an account (display name = username titled, optional phone) and return its bearer headers."""
    env.parts.services.accounts.add(username, PASSWORD, role, username.title(), phone=phone)
    return env.login(username)


def book_app(env: Env, rider: dict[str, str], origin: str, destination: str, minutes: int,
             **extra: object) -> dict[str, Any]:
    """A resident's booking through the API, ``minutes`` after T0."""
    offer = env.client.post("/api/v1/offers", json=ride(origin, destination, minutes, **extra), headers=rider)
    assert offer.status_code == 201, offer.text
    booking = env.client.post("/api/v1/bookings", json={"offer_id": offer.json()["id"]}, headers=rider)
    assert booking.status_code == 201, booking.text
    body: dict[str, Any] = booking.json()
    return body


def book_phone(env: Env, staff: dict[str, str], caller: tuple[str, str], origin: str, destination: str, *,
               minutes: int) -> dict[str, Any]:
    """A phone booking for a caller (name, phone) through the API, ``minutes`` after T0."""
    name, phone = caller
    r = env.client.post("/api/v1/dispatch/bookings", headers=staff, json={
        "caller_name": name, "caller_phone": phone, "request": ride(origin, destination, minutes)})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()["booking"]
    return body


def take_out(env: Env, staff: dict[str, str], vehicle_id: str, **body: object) -> dict[str, Any]:
    """POST out-of-service (with ``until`` etc.); asserts 200."""
    r = env.client.post(f"/api/v1/dispatch/vehicles/{vehicle_id}/out-of-service", headers=staff, json=body or None)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


def week_minibuses() -> list[Vehicle]:
    """Two minibuses (Bernburg, Staßfurt) with a shift 05:00–22:00 local on each of the seven days from T0's day."""
    start = T0.replace(hour=4)  # 05:00 Berlin (UTC+1 in November)
    shifts = tuple(Shift(start + timedelta(days=d), start + timedelta(days=d, hours=17)) for d in range(7))
    return [Vehicle("bbg-1", "Bernburg 1", MINIBUS, BERNBURG, "Bernburg", shifts),
            Vehicle("sft-1", "Staßfurt 1", MINIBUS, STASSFURT, "Staßfurt", shifts)]


def problem_json(r: Any, status: int) -> dict[str, Any]:
    """The problem+json body of a refused call, checked for status, media type and a German detail."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["detail"]
    assert any(c in body["detail"] for c in "äöüßÄÖÜ ")
    return body


__all__ = ["PASSWORD", "book_app", "book_phone", "headers_of", "problem_json", "take_out", "week_minibuses"]
