"""The driver's manifest follows the plan live: a ride booked for the vehicle appears without reload or polling."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from tests.booking.conftest import BERNBURG_HBF, PASSWORD, STASSFURT_BF, T0
from tests.web.conftest import Site, login, new_page, page_errors
from tests.web.helpers import api_booking

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser


def test_a_new_booking_reaches_the_open_driver_page_within_two_seconds(browser: Browser, site: Site) -> None:
    """With one vehicle in service, the driver's page is open on an empty manifest; a resident books a ride:
    the pickup shows on the driver's page within 2 s (the page polls only every 60 s, so this is the stream)."""
    vehicles = [v.id for v in site.parts.dispatcher.vehicles()]
    driven, other = vehicles[0], vehicles[1]
    site.parts.services.operations.set_in_service(other, False, "test")
    site.account("fahrer", "driver", vehicle_id=driven)
    site.account("paula", "resident")
    driver = new_page(browser, mobile=True)
    login(driver, site, "fahrer")
    assert driver.url.endswith("/driver")
    driver.locator("#current").wait_for(timeout=3000)
    assert "Bernburg Hbf" not in driver.locator("#current").inner_text()
    driver.wait_for_timeout(500)  # the stream is open
    booking = api_booking(site.url, "paula", PASSWORD, origin=BERNBURG_HBF, destination=STASSFURT_BF,
                          departure=(T0 + timedelta(minutes=30)).isoformat())
    assert booking["vehicle_id"] == driven
    driver.locator("#current").get_by_text("Bernburg Hbf").wait_for(timeout=2000)
    assert "Paula" in driver.locator("#current").inner_text()
    assert page_errors(driver) == []
