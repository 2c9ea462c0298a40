"""The dispatcher's map shows each vehicle's last reported position with its age."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from booking.service.positions import PositionFix, PositionService
from tests.booking.conftest import BERNBURG, STASSFURT
from tests.web.conftest import Site, axe_violations, login, new_page, page_errors, screenshot
from tests.web.helpers import wait_live

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser


def test_dispatcher_map_shows_positions_with_their_age(browser: Browser, site: Site) -> None:
    """Two vehicles reported positions, one 2 minutes and one 12 minutes ago: a marker each, labelled with the
    vehicle and "vor 2 Min." / "vor 12 Min."; a new report moves the marker in place; no serious axe finding,
    no script error."""
    service = PositionService(site.parts.services.ctx)
    service.record("sft-1", PositionFix(STASSFURT.lon, STASSFURT.lat, accuracy_m=12.0))
    site.clock.advance(600)
    service.record("bbg-1", PositionFix(BERNBURG.lon, BERNBURG.lat, accuracy_m=6.0))
    site.clock.advance(120)
    site.account("leitstelle-pos", "dispatcher")
    page = new_page(browser)
    login(page, site, "leitstelle-pos")
    wait_live(page)
    page.locator(".leaflet-tooltip", has_text="Bernburg 1 · vor 2 Min.").wait_for(timeout=5000)
    page.locator(".leaflet-tooltip", has_text="Staßfurt 1 · vor 12 Min.").wait_for(timeout=5000)
    assert page.locator(".vehicle-position").count() == 2
    screenshot(page, "dispatcher-positions")
    # a new report and a live event (the page refreshes): the marker moves and is relabelled in place
    service.record("bbg-1", PositionFix(BERNBURG.lon + 0.01, BERNBURG.lat))
    site.parts.services.ctx.bus.publish("vehicle_changed", vehicle_id="bbg-1")
    page.locator(".leaflet-tooltip", has_text="Bernburg 1 · gerade eben").wait_for(timeout=5000)
    assert page.locator(".vehicle-position").count() == 2
    assert page.locator(".leaflet-tooltip", has_text="Bernburg 1").count() == 1
    assert axe_violations(page) == []
    assert page_errors(page) == []
