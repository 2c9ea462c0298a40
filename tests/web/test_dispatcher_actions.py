"""The dispatcher's actions in the control view: phone booking, vehicle out of service with the re-plan shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.web.conftest import Site, login, new_page, page_errors
from tests.web.helpers import choose_stop, wait_live

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(any_site: Site) -> Site:
    """The app on SQLite, then on PostGIS: these pages write bookings."""
    return any_site


def test_phone_booking_then_out_of_service_moves_it(browser: Browser, site: Site) -> None:
    """A phone booking lands in the plan; taking its vehicle out of service re-plans it onto the other vehicle."""
    site.account("leitstelle", "dispatcher")
    page = new_page(browser)
    login(page, site, "leitstelle")
    wait_live(page)
    page.get_by_label("Name des Anrufers").fill("Gerda Schulze")
    page.get_by_label("Telefon", exact=True).fill("03471 123456")
    choose_stop(page, "Start", "Bernburg Hb", "Bernburg Hbf")
    choose_stop(page, "Ziel", "Staßfurt", "Staßfurt")
    page.locator("#p-date").fill("2026-11-23")
    page.locator("#p-time").fill("08:30")
    page.get_by_role("button", name="Für Anrufer buchen").click()
    page.locator("#phone-result", has_text="Gebucht").wait_for(timeout=5000)
    row = page.locator("#booking-rows tr", has_text="Gerda Schulze")
    row.wait_for(timeout=3000)
    booking_id = row.get_attribute("data-booking-id")
    assert booking_id
    before = site.parts.services.bookings.get(booking_id, None).vehicle_id

    page.locator(f'#vehicles [data-vehicle-id="{before}"] button[data-focus]').click()  # focus the vehicle
    page.locator("#focus-bar").get_by_role("button", name="Außer Dienst nehmen").click()
    page.get_by_role("dialog").get_by_role("button", name="Außer Dienst nehmen").click()
    page.locator("#replan", has_text="1 Fahrt(en) verlegt, 0 ohne Fahrzeug").wait_for(timeout=5000)
    page.locator(f'#gantt .gantt-row.out[data-vehicle-id="{before}"]').wait_for(timeout=3000)
    page.locator("#focus-bar").get_by_role("button", name="Alle Fahrzeuge").click()
    after = site.parts.services.bookings.get(booking_id, None)
    assert after.state == "CONFIRMED"
    assert after.vehicle_id != before
    moved = f'#gantt .gantt-row[data-vehicle-id="{after.vehicle_id}"] [data-booking-id="{booking_id}"]'
    page.locator(moved).first.wait_for(timeout=3000)
    assert page_errors(page) == []
