"""A driver works the manifest with the big buttons; a no-show reaches the dispatcher's open page live."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pytest

from tests.booking.conftest import BERNBURG_HBF, PASSWORD, STASSFURT_BF, T0
from tests.web.conftest import Site, login, new_page, page_errors, screenshot
from tests.web.helpers import api_booking, wait_live

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser


def test_driver_marks_no_show_and_dispatcher_sees_it(browser: Browser, site: Site) -> None:
    """Arrived, then no-show after the wait: the booking is CANCELLED (no_show) and the dispatcher row says so."""
    from datetime import timedelta

    site.account("anna", "resident")
    booking = api_booking(site.url, "anna", PASSWORD, origin=BERNBURG_HBF, destination=STASSFURT_BF,
                          departure=(T0 + timedelta(minutes=20)).isoformat())
    vehicle = str(booking["vehicle_id"])
    site.account("fahrer", "driver", vehicle_id=vehicle)
    site.account("leitstelle", "dispatcher")
    dispatcher = new_page(browser)
    login(dispatcher, site, "leitstelle")
    wait_live(dispatcher)
    row = dispatcher.locator(f'#booking-rows tr[data-booking-id="{booking["id"]}"]')
    row.wait_for(timeout=3000)

    window = booking["pickup_window"]
    assert isinstance(window, dict)
    site.clock.advance((datetime.fromisoformat(window["earliest"]) - site.clock.now()).total_seconds())
    driver = new_page(browser, mobile=True)
    login(driver, site, "fahrer")
    assert driver.url.endswith("/driver")
    current = driver.locator("#current")
    current.get_by_text("Bernburg Hbf").wait_for(timeout=3000)
    assert "Anna" in current.inner_text()
    driver.get_by_role("button", name="Dienst beginnen").click()
    current.get_by_role("button", name="Angekommen").click()
    current.locator(".badge", has_text="Angekommen").wait_for(timeout=3000)
    box = current.locator(f'[data-booking-id="{booking["id"]}"]')
    assert box.get_by_role("button", name="Nicht erschienen").is_disabled()  # not before the wait
    screenshot(driver, "driver")

    site.clock.advance(site.parts.services.ctx.options.no_show_wait_s + 60)
    driver.reload()  # the page would reload by itself when the wait is over (on the server's clock)
    no_show = box.locator("button:not([disabled])", has_text="Nicht erschienen")
    no_show.wait_for(timeout=3000)
    assert no_show.bounding_box()["height"] >= 44  # type: ignore[index]
    no_show.click()
    driver.locator("#driver-status", has_text="Nicht erschienen").wait_for(timeout=3000)

    seen = f'#booking-rows tr[data-booking-id="{booking["id"]}"][data-reason="no_show"]'
    dispatcher.locator(seen).wait_for(timeout=2000)
    assert "nicht erschienen" in row.inner_text()
    assert site.parts.services.bookings.get(str(booking["id"]), None).state == "CANCELLED"
    assert page_errors(driver) == []
    assert page_errors(dispatcher) == []
