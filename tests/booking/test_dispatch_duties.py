"""The control room's fleet view per duty on both stores: the current duty, overdue rides, the clock's closing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.booking.conftest import BERNBURG_HBF, STASSFURT_BF, EnvFactory, ride


def _vehicle(env: Any, staff: dict[str, str], vehicle_id: str) -> dict[str, Any]:
    r = env.client.get("/api/v1/dispatch/vehicles", headers=staff)
    assert r.status_code == 200, r.text
    found: dict[str, Any] = next(v for v in r.json() if v["id"] == vehicle_id)
    return found


def test_a_ride_whose_time_passed_without_an_event_is_overdue(any_env_factory: EnvFactory) -> None:
    """No driver event for a pickup whose time passed: the vehicle shows its duty and one overdue ride."""
    env = any_env_factory()
    staff = env.user("leitstelle", "dispatcher")
    body = {"caller_name": "Frau Schulze", "caller_phone": "03471 123456",
            "request": ride(BERNBURG_HBF, STASSFURT_BF, 20)}
    r = env.client.post("/api/v1/dispatch/bookings", json=body, headers=staff)
    assert r.status_code == 201, r.text
    vehicle_id = r.json()["booking"]["vehicle_id"]
    duty = env.parts.dispatcher.plan().duty_of_booking(r.json()["booking"]["id"])
    assert duty is not None
    duty_id = duty.id
    now = _vehicle(env, staff, vehicle_id)
    assert now["duty"]["id"] == duty_id
    assert now["duty"]["status"] == "planned"
    assert now["overdue"] == 0
    assert now["bookings_ahead"] == 1
    assert now["next_stop"]["stop_id"] == BERNBURG_HBF
    assert not now["next_stop"]["overdue"]
    env.clock.advance(timedelta(hours=2).total_seconds())
    later = _vehicle(env, staff, vehicle_id)
    assert later["overdue"] == 2  # pickup and drop-off, neither reported
    assert later["next_stop"]["overdue"]
    assert later["duty"]["id"] == duty_id  # the duty with overdue rides stays current, never silently skipped
