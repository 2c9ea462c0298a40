"""A resident signs in and books with the keyboard alone (Tab, typing, arrow keys, Enter)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.booking.conftest import PASSWORD, T0
from tests.web.conftest import Site, new_page, page_errors

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser


def tab_to(page: Page, element_id: str, limit: int = 40) -> None:
    """Press Tab until the element with ``element_id`` has the focus (fails after ``limit`` presses)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    msg = f"Tab never reached #{element_id}"
    raise AssertionError(msg)


def test_keyboard_only_booking(browser: Browser, site: Site) -> None:
    """Every step from login to a confirmed booking works without a mouse; the focus is always visible."""
    from playwright.sync_api import expect

    site.account("karl", "resident")
    page = new_page(browser)
    page.clock.set_system_time(T0)  # the browser's "now" is the server's test clock
    page.goto(f"{site.url}/login")
    tab_to(page, "login-user")
    page.keyboard.type("karl")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site.url}/", timeout=10_000)

    tab_to(page, "origin-input")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focus must be visible"
    page.keyboard.type("Bernburg Hb")
    page.locator("#origin-list [role=option]").first.wait_for()
    page.keyboard.press("Enter")  # nothing highlighted: Enter takes the best match for what was typed
    expect(page.locator("#origin-input")).to_have_value("Bernburg Hbf")
    tab_to(page, "destination-input")
    page.keyboard.type("Staßfurt")
    page.locator('#destination-list[data-query="Staßfurt"] [role=option]').first.wait_for()  # the search settled
    assert page.get_attribute("#destination-input", "aria-activedescendant") is None  # nothing highlighted yet
    page.keyboard.press("ArrowDown")  # the first ArrowDown highlights the FIRST suggestion
    assert page.get_attribute("#destination-input", "aria-activedescendant") == "destination-list-0"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    assert page.get_attribute("#destination-input", "aria-activedescendant") == "destination-list-0"
    page.keyboard.press("Enter")
    expect(page.locator("#destination-input")).to_have_value("Staßfurt")
    tab_to(page, "search-button")
    page.keyboard.press("Enter")
    page.get_by_text("Angebot gefunden.").wait_for(timeout=5000)
    assert page.evaluate("document.activeElement.textContent.trim()") == "Verbindlich buchen"
    page.keyboard.press("Enter")
    done = page.locator("#offer [data-booking-id]")
    done.wait_for(timeout=5000)
    booking_id = done.get_attribute("data-booking-id")
    assert booking_id
    assert site.parts.services.bookings.get(booking_id, None).state == "CONFIRMED"
    assert page_errors(page) == []
