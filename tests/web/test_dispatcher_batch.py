"""The dispatcher's batch plan of a day in the control view: all rides of the day re-planned, promises kept."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.booking.conftest import ASCHERSLEBEN_BF, BERNBURG_HBF, BERNBURG_KALISTR, STASSFURT_BF
from tests.web.conftest import PASSWORD, Site, login, new_page, page_errors, screenshot
from tests.web.helpers import api_booking, wait_live

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(any_site: Site) -> Site:
    """The app on SQLite, then on PostGIS: these pages write bookings."""
    return any_site


def test_dispatcher_replans_a_whole_day(browser: Browser, site: Site) -> None:
    """Three rides booked for the day; "Tag neu planen" reports rides, shifts and kilometres before and after,
    and every booking keeps its promised pickup window."""
    site.account("erika", "resident")
    ids = [str(api_booking(site.url, "erika", PASSWORD, origin=a, destination=b,
                           departure=f"2026-11-23T{t}+01:00")["id"])
           for a, b, t in ((BERNBURG_HBF, STASSFURT_BF, "10:00:00"), (STASSFURT_BF, BERNBURG_KALISTR, "10:10:00"),
                           (BERNBURG_KALISTR, ASCHERSLEBEN_BF, "10:05:00"))]
    site.account("leitstelle", "dispatcher")
    page = new_page(browser)
    login(page, site, "leitstelle")
    wait_live(page)
    page.get_by_label("Tag", exact=True).fill("2026-11-23")
    page.get_by_role("button", name="Tag neu planen").click()
    result = page.locator("#batch-result", has_text="km →")
    result.wait_for(timeout=30_000)
    text = result.inner_text()
    assert re.search(r"3 Fahrt\(en\) auf \d Schicht\(en\), [\d.]+,\d km → [\d.]+,\d km", text), text
    for booking_id in ids:
        b = site.parts.services.bookings.get(booking_id, None)
        assert b.state == "CONFIRMED"
        assert b.pickup_earliest <= b.planned_pickup <= b.pickup_latest
    page.locator("#batch-result").scroll_into_view_if_needed()
    screenshot(page, "dispatcher-batch-plan")
    assert page_errors(page) == []
