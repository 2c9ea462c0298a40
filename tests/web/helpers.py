"""Steps the browser tests share: fill the resident's request form, book, wait for the dispatcher's live view."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

#: The service day of the test clock (Monday 23 November 2026) and a time 20 minutes after it starts.
DAY = "2026-11-23"
TIME = "08:20"


def choose_stop(page: Page, label: str, typed: str, option: str) -> None:
    """Type into a stop field and click the suggestion named ``option``."""
    field = page.get_by_role("combobox", name=label, exact=True)
    field.fill(typed)
    page.get_by_role("option", name=option, exact=False).first.click()


def set_time(page: Page) -> None:
    """Put the test day and time into the form."""
    page.get_by_label("Datum").fill(DAY)
    page.get_by_label("Uhrzeit").fill(TIME)


def book_shown_offer(page: Page) -> str:
    """Press 'Verbindlich buchen' on the shown offer; return the new booking's id."""
    page.get_by_role("button", name="Verbindlich buchen").click()
    done = page.locator("#offer [data-booking-id]")
    done.wait_for(timeout=5000)
    booking_id = done.get_attribute("data-booking-id")
    assert booking_id
    return booking_id


def wait_live(page: Page) -> None:
    """Wait until the dispatcher page holds its live stream open."""
    page.locator("#live-text", has_text="Live verbunden").wait_for(timeout=5000)


def api_booking(base_url: str, username: str, password: str, *, origin: str, destination: str,
                departure: str) -> dict[str, object]:
    """Book through the JSON API (as another client would): token, offer, booking."""
    import httpx

    with httpx.Client(base_url=base_url + "/api/v1", timeout=10) as client:
        token = client.post("/auth/token", data={"username": username, "password": password}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        body = {"origin": {"stop_id": origin}, "destination": {"stop_id": destination}, "departure": departure}
        offer = client.post("/offers", json=body, headers=headers)
        assert offer.status_code == 201, offer.text
        booking = client.post("/bookings", json={"offer_id": offer.json()["id"]},
                              headers={**headers, "Idempotency-Key": "web-test-" + offer.json()["id"]})
        assert booking.status_code == 201, booking.text
        result: dict[str, object] = booking.json()
        return result
