"""The vendored axe-core finds no serious or critical WCAG 2.1 AA violations on the pages, with real data shown."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from tests.booking.conftest import BERNBURG_HBF, PASSWORD, STASSFURT_BF, T0
from tests.web.conftest import Site, axe_violations, login, new_page, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def booked(site: Site) -> dict[str, object]:
    """One booking in the plan and accounts for every role, so every page shows content."""
    from tests.web.helpers import api_booking

    site.account("erika", "resident")
    booking = api_booking(site.url, "erika", PASSWORD, origin=BERNBURG_HBF, destination=STASSFURT_BF,
                          departure=(T0 + timedelta(minutes=30)).isoformat())
    site.account("leitstelle", "dispatcher")
    site.account("fahrer", "driver", vehicle_id=str(booking["vehicle_id"]))
    return booking


@pytest.mark.parametrize(
    ("user", "path", "ready", "mobile"),
    [
        (None, "/login", "#login-form", False),
        ("erika", "/", "#bookings [data-booking-id]", True),
        ("erika", "/", "#bookings [data-booking-id]", False),
        ("leitstelle", "/dispatcher", "#gantt [data-booking-id]", False),
        ("fahrer", "/driver", "#current [data-booking-id]", True),
    ],
)
def test_no_serious_axe_violations(  # noqa: PLR0917 - parametrised
    browser: Browser, site: Site, booked: dict[str, object], user: str | None, path: str, ready: str, mobile: bool
) -> None:
    """axe-core (WCAG 2.0/2.1 A and AA rules) reports nothing serious or critical on the filled page."""
    page = new_page(browser, mobile=mobile)
    if user:
        login(page, site, user)
    page.goto(site.url + path)
    page.locator(ready).first.wait_for(timeout=5000)
    assert page.evaluate("document.documentElement.lang") == "de"
    screenshot(page, f"checked-{path.strip('/') or 'resident'}-{'phone' if mobile else 'desktop'}")
    violations = axe_violations(page)
    assert violations == [], violations


def test_buttons_are_large_tap_targets(browser: Browser, site: Site, booked: dict[str, object]) -> None:
    """Every visible button and text field on the resident's phone page is at least 44 px high."""
    page = new_page(browser, mobile=True)
    login(page, site, "erika")
    page.locator("#bookings [data-booking-id]").first.wait_for(timeout=5000)
    small = page.evaluate(
        """() => [...document.querySelectorAll('main button, main input:not([type=radio]), main select')]
            .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
            .map(e => e.id || e.textContent.trim())"""
    )
    assert small == []
