"""A resident going to a station chooses a train in the browser and books a ride that meets it (the Cairns feed,
tests/data/transit/README.md: the service runs on Rufbus stops at stops of that feed)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from booking.service.security import light_hasher
from booking.service.transit import import_feed
from booking.store.transit import TransitOfferConnectionRow
from mobility.app import build_services, create_app
from mobility.config import Settings
from tests.booking.conftest import LiveServer
from tests.booking.transit_helpers import FEED, PIER, T_CAIRNS, cairns_clock, cairns_fleet, cairns_routing
from tests.web.conftest import Site, axe_violations, login, new_page, page_errors, screenshot
from tests.web.helpers import book_shown_offer, choose_stop

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def cairns_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The real app on SQLite with the Rufbus stops in Cairns and the feed imported."""
    tmp = tmp_path_factory.mktemp("transit-web")
    settings = Settings(database_url=f"sqlite:///{tmp / 'mobility.db'}", secret_key="web-test-" + uuid.uuid4().hex,
                        cache_dir=Path(tmp), tile_url="", solver_time_limit_s=1.0)
    clock = cairns_clock()
    parts = build_services(settings, clock=clock, fleet=cairns_fleet(), routing=cairns_routing(Path(tmp)),
                           hasher=light_hasher())
    import_feed(parts.services.ctx.sessions, FEED, "cairns", T_CAIRNS)
    app = create_app(settings, parts=parts, background=False, poolcars=False)
    with LiveServer(app) as url:
        yield Site(url, parts, clock)
    parts.engine.dispose()


def test_resident_chooses_a_train_and_books_a_ride_that_meets_it(browser: Browser, cairns_site: Site) -> None:
    """Destination the terminus: the trains appear (German labels); choosing one asks for an offer whose latest
    arrival is the departure minus the transfer; booked, the booking's connection is that train. From the terminus
    to a stop without a station: the arriving trains, an offer that picks up after one. Neither at a station: no
    choice."""
    site = cairns_site
    site.account("anna", "resident")
    page = new_page(browser, mobile=True)
    login(page, site, "anna")
    choose_stop(page, "Start (Haltestelle oder Ort)", "Palm Cove", "Palm Cove")
    page.get_by_label("Datum").fill("2014-06-10")
    page.get_by_label("Uhrzeit").fill("08:30")  # Berlin time: 16:30 in Cairns
    page.get_by_label("Uhrzeit").dispatch_event("change")
    choose_stop(page, "Ziel (Haltestelle oder Ort)", "Pier", "Cairns, The Pier")
    field = page.locator("#train-field")
    expect(field).to_have_attribute("data-direction", "to_train")
    expect(page.locator("#train-label")).to_have_text("Anschluss an einen Zug")
    expect(page.locator("#train-select option").nth(1)).to_contain_text("Anschluss an Bus")
    select = page.locator("#train-select")
    labels = select.locator("option").all_inner_texts()
    assert labels[0].startswith("Kein Zug")
    assert len(labels) > 5
    assert all(text.startswith("Anschluss an Bus ") for text in labels[1:])
    select.select_option(index=1)
    chosen = labels[1]
    assert "die Fahrt richtet sich nach dem Zug" in page.locator("#train-hint").inner_text()
    page.get_by_role("button", name="Angebot suchen").click()
    offer = page.locator("#offer")
    offer.get_by_text("Angebot gefunden.").wait_for(timeout=10_000)
    shown = offer.locator(".connection").inner_text()
    assert chosen.split(" → ")[0] in shown
    assert "Ankunft am Bahnhof spätestens" in shown
    screenshot(page, "resident-train-connection")
    assert axe_violations(page) == []  # the train choice and the connection line are accessible too
    booking_id = book_shown_offer(page)
    expect(page.locator(f'#bookings [data-booking-id="{booking_id}"] .connection')).to_have_text(chosen.split(" → ")[0])

    booking = site.parts.services.bookings.get(booking_id, None)
    with site.parts.services.ctx.read_session() as session:
        link = session.get(TransitOfferConnectionRow, booking.offer_id)
    assert link is not None
    assert link.label == chosen.split(" → ")[0]
    assert booking.latest_arrival == link.train_time - timedelta(minutes=5)
    assert booking.planned_dropoff <= booking.latest_arrival
    assert booking.dropoff_stop_id == PIER
    assert link.train_time >= datetime.fromisoformat("2014-06-10T08:30:00+02:00")

    # from the terminus to a stop without a station: the trains arriving at the terminus, the pickup after one
    _stop(page, "Ziel (Haltestelle oder Ort)", "Captain Cook", "Captain Cook Highway", "#destination-list")
    _stop(page, "Start (Haltestelle oder Ort)", "Pier", "Cairns, The Pier", "#origin-list")
    expect(field).to_have_attribute("data-station", PIER)  # not the trains at Palm Cove, the start before
    expect(page.locator("#train-label")).to_have_text("Ankunft mit dem Zug (Abholung danach)")
    expect(page.locator("#train-select option").nth(1)).to_contain_text("Ankunft Bus")
    select.select_option(index=1)
    page.get_by_role("button", name="Angebot suchen").click()
    shown = offer.locator(".connection")
    expect(shown).to_contain_text("Abholung frühestens")
    expect(shown).to_contain_text(select.locator("option").nth(1).inner_text().split(" → ")[0])
    screenshot(page, "resident-train-arrival")
    # neither start nor destination at a station: no choice
    _stop(page, "Start (Haltestelle oder Ort)", "Captain Cook", "Captain Cook Highway", "#origin-list")
    field.wait_for(state="hidden", timeout=5000)
    assert page_errors(page) == []


def _stop(page: Page, label: str, typed: str, option: str, listbox: str) -> None:
    """Type into a stop field and pick the suggestion from its own list (the train list has options too)."""
    page.get_by_role("combobox", name=label, exact=True).fill(typed)
    page.locator(listbox).get_by_role("option", name=option).first.click()
