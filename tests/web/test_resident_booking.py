"""A resident books a ride end to end in the browser; the dispatcher's open page shows it live."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.booking.conftest import PASSWORD
from tests.web.conftest import Site, login, new_page, page_errors, screenshot
from tests.web.helpers import book_shown_offer, choose_stop, set_time, wait_live

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser


def begin_duty(base_url: str, username: str) -> None:
    """The driver begins the duty (through the API, as the driver page would)."""
    import httpx

    with httpx.Client(base_url=base_url + "/api/v1", timeout=10) as client:
        token = client.post("/auth/token", data={"username": username, "password": PASSWORD}).json()["access_token"]
        begun = client.post("/driver/events", json={"type": "duty_begin"}, headers={"Authorization": f"Bearer {token}"})
        assert begun.status_code == 200, begun.text


@pytest.fixture(scope="module")
def site(any_site: Site) -> Site:
    """The app on SQLite, then on PostGIS: these pages write bookings."""
    return any_site


def test_resident_books_and_dispatcher_sees_the_tour_live(browser: Browser, site: Site) -> None:
    """A booking made in the pages is CONFIRMED and the open dispatcher view draws it without a reload (the page
    does not poll the plan: only the live stream can bring it)."""
    site.account("erika", "resident")
    site.account("leitstelle", "dispatcher")
    dispatcher = new_page(browser)
    login(dispatcher, site, "leitstelle")
    assert dispatcher.url.endswith("/dispatcher")
    wait_live(dispatcher)
    dispatcher.evaluate("window.__sameDocument = true")

    resident = new_page(browser, mobile=True)
    login(resident, site, "erika")
    assert resident.url.rstrip("/") == site.url
    choose_stop(resident, "Start (Haltestelle oder Ort)", "Bernburg Hb", "Bernburg Hbf")
    choose_stop(resident, "Ziel (Haltestelle oder Ort)", "Staßfurt", "Staßfurt")
    set_time(resident)
    resident.get_by_role("button", name="Angebot suchen").click()
    offer = resident.locator("#offer")
    offer.get_by_text("Angebot gefunden.").wait_for(timeout=5000)
    assert "Bernburg Hbf" in offer.inner_text()
    assert "€" in offer.inner_text()
    screenshot(resident, "resident-offer")
    booking_id = book_shown_offer(resident)

    bar = dispatcher.locator(f'#gantt [data-booking-id="{booking_id}"]')
    bar.first.wait_for(timeout=5000)  # pushed by the live stream (the page is not reloaded, see below)
    assert dispatcher.evaluate("window.__sameDocument === true"), "the dispatcher page was reloaded"
    assert bar.count() == 2  # pickup and drop-off on the timeline
    row = dispatcher.locator(f'#booking-rows tr[data-booking-id="{booking_id}"]')
    row.wait_for(timeout=2000)
    assert row.get_attribute("data-state") == "CONFIRMED"

    mine = resident.locator(f'#bookings [data-booking-id="{booking_id}"]')
    mine.wait_for(timeout=3000)
    assert "gebucht" in mine.inner_text()
    eta = resident.locator(f'[data-eta-for="{booking_id}"]')
    assert eta.inner_text() == ""  # before the duty begins the promised window says it all
    site.account("fahrer-erika", "driver", vehicle_id=site.parts.services.bookings.get(booking_id, None).vehicle_id)
    begin_duty(site.url, "fahrer-erika")
    resident.reload()
    eta.filter(has_text="Live:").wait_for(timeout=5000)  # under way: the live estimate
    stored = site.parts.services.bookings.get(booking_id, None)
    assert stored.state == "CONFIRMED"
    screenshot(resident, "resident")
    screenshot(dispatcher, "dispatcher")
    assert page_errors(resident) == []
    assert page_errors(dispatcher) == []


def test_resident_cancels_a_booking(browser: Browser, site: Site) -> None:
    """The cancel button of 'Meine Buchungen' cancels the booking in the store and shows it as cancelled."""
    site.account("otto", "resident")
    page = new_page(browser)
    login(page, site, "otto")
    choose_stop(page, "Start (Haltestelle oder Ort)", "Kalistr", "Kalistraße")
    choose_stop(page, "Ziel (Haltestelle oder Ort)", "Bernburg Hb", "Bernburg Hbf")
    set_time(page)
    page.get_by_role("button", name="Angebot suchen").click()
    page.get_by_text("Angebot gefunden.").wait_for(timeout=5000)
    booking_id = book_shown_offer(page)
    item = page.locator(f'#bookings [data-booking-id="{booking_id}"]')
    item.get_by_role("button", name="Stornieren").click()
    page.locator(f'#bookings [data-booking-id="{booking_id}"][data-state="CANCELLED"]').wait_for(timeout=3000)
    assert site.parts.services.bookings.get(booking_id, None).state == "CANCELLED"
