"""Residents in the browser: a town typed finds its central stop, a lost ride reaches the page and the mail server,
a refusal at night offers the nearest times with the focus on the message; 360 px wide, no serious axe findings.

One bus in Bernburg with a 06–22 h shift on Monday 23 and Tuesday 24 November 2026; the tests run in file order on
one manual clock (Monday 08:00, then 23:00).
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from booking.service.security import light_hasher
from mobility.app import build_services, create_app, load_routing
from mobility.config import Settings
from mobility.domain.clock import ManualClock
from mobility.domain.fleet import Shift, Vehicle
from tests.booking.conftest import BERNBURG, MINIBUS, PASSWORD, T0, LiveServer
from tests.mailbox import Mailbox
from tests.web.conftest import Site, axe_violations, fresh_schema, login, new_page, page_errors, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

PHONE = "03471 684 0"
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
NIGHT = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # Monday 23:00 in Bernburg
NARROW = 360


def one_bus_two_days() -> list[Vehicle]:
    day = timedelta(days=1)
    start = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # 06:00 local
    shifts = tuple(Shift(start + n * day, start + n * day + timedelta(hours=16)) for n in range(2))
    return [Vehicle("bbg-1", "Bernburg 1", MINIBUS, BERNBURG, "Bernburg", shifts)]


@dataclasses.dataclass
class RiderSite(Site):
    mailbox: Mailbox = dataclasses.field(default_factory=Mailbox)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def riders_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RiderSite]:
    """The real app as configured by settings — the notice worker sends e-mail to a local SMTP server every 0.2 s —
    on SQLite, then on PostGIS (a fresh schema)."""
    if request.param == "sqlite":
        yield from _serve(f"sqlite:///{tmp_path_factory.mktemp('riders') / 'mobility.db'}")
        return
    url: str = request.getfixturevalue("postgis_url")
    with fresh_schema(url, "test_riders_") as schema:
        yield from _serve(url, schema)


def _serve(database_url: str, schema: str | None = None) -> Iterator[RiderSite]:
    mailbox = Mailbox().start()
    settings = Settings(database_url=database_url, tile_url="", solver_time_limit_s=1.0,
                        cache_dir=Path("/tmp/salzland-mobility-test-cache"), secret_key="riders-" + uuid.uuid4().hex,
                        control_room_phone=PHONE, smtp_host="127.0.0.1", smtp_port=mailbox.port, notice_poll_s=0.2)
    clock = ManualClock(T0)
    parts = build_services(settings, clock=clock, fleet=one_bus_two_days(), routing=load_routing(settings),
                           hasher=light_hasher(), schema=schema)
    app = create_app(settings, parts=parts, background=False, poolcars=False)
    try:
        with LiveServer(app) as url:
            yield RiderSite(url, parts, clock, mailbox)
    finally:
        mailbox.stop()
        parts.engine.dispose()


def phone_page(browser: Browser, site: Site, *, width: int = 390) -> Page:
    page = new_page(browser, mobile=True)
    page.set_viewport_size({"width": width, "height": 844})
    page.clock.set_system_time(site.clock.now())
    return page


def no_horizontal_scroll(page: Page) -> None:
    page.set_viewport_size({"width": NARROW, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW, f"{page.url} is {width} px wide at {NARROW} px"
    page.set_viewport_size({"width": 390, "height": 844})


def no_raw_timestamps(page: Page) -> None:
    text = page.locator("main").inner_text()
    assert not ISO.search(text), ISO.search(text)


def test_a_town_typed_and_enter_takes_its_central_stop(browser: Browser, riders_site: RiderSite) -> None:
    """'Egeln' + Enter → 'ZOB, Egeln' (nothing highlighted before); 'Stassfurt' typed in full and never picked is
    taken as 'Staßfurt' when the offer is asked for; the default time is the next bookable one, in German."""
    riders_site.account("egon", "resident")
    page = phone_page(browser, riders_site)
    login(page, riders_site, "egon")
    origin = page.get_by_role("combobox", name="Start (Haltestelle oder Ort)", exact=True)
    origin.click()
    page.keyboard.type("Egeln")
    listed = page.locator('#origin-list[data-query="Egeln"] [role=option]')
    listed.first.wait_for()
    assert listed.first.inner_text().startswith("ZOB, Egeln")
    assert "Ortsmitte Egeln" in listed.first.inner_text()
    assert page.locator("#origin-list [aria-selected=true]").count() == 0  # nothing pre-selected
    screenshot(page, "resident-search-egeln")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('origin-input').value === 'ZOB, Egeln'")
    assert page.locator("#origin-list").is_hidden()

    page.get_by_role("combobox", name="Ziel (Haltestelle oder Ort)", exact=True).fill("Stassfurt")
    assert page.locator("#date-input").input_value() == "2026-11-23"
    assert page.locator("#time-input").input_value() == "08:15"  # now + a quarter of an hour, in the hours
    assert "06:00–22:00 Uhr" in page.locator("#time-hint").inner_text()
    page.locator("#time-input").fill("09:00")
    page.get_by_role("button", name="Angebot suchen").click()
    page.locator("#offer .success-line, #offer .error").first.wait_for(timeout=10_000)
    assert page.locator("#destination-input").input_value() == "Staßfurt"
    assert "Angebot gefunden." in page.locator("#offer").inner_text()
    no_raw_timestamps(page)
    assert page_errors(page) == []


def test_a_lost_ride_reaches_the_riders_page_and_the_mail_server(browser: Browser, riders_site: RiderSite) -> None:
    """The rider chooses e-mail, books; the bus goes out of service: the open page shows the notice at once (reason,
    what to do, the Leitstelle's number), the booking 'fällt aus' with 'Ersatzfahrt suchen', and the mail arrives."""
    riders_site.account("erna", "resident")
    riders_site.account("leitstelle", "dispatcher")
    page = phone_page(browser, riders_site)
    login(page, riders_site, "erna")
    page.get_by_label("E-Mail", exact=True).check()
    page.get_by_label("E-Mail-Adresse").fill("erna@example.org")
    page.get_by_role("button", name="Speichern").click()
    page.get_by_text("Gespeichert: Nachrichten zu Ihren Fahrten kommen per E-Mail an erna@example.org.").wait_for()

    for label, typed in (("Start (Haltestelle oder Ort)", "Bernburg Hbf"), ("Ziel (Haltestelle oder Ort)", "Kalistr")):
        page.get_by_role("combobox", name=label, exact=True).fill(typed)
    page.locator("#time-input").fill("08:40")
    page.get_by_role("button", name="Angebot suchen").click()
    page.get_by_role("button", name="Verbindlich buchen").click()
    page.locator("#offer [data-booking-id]").wait_for(timeout=5000)
    booking_id = page.locator("#offer [data-booking-id]").get_attribute("data-booking-id")
    page.locator(f'#bookings [data-booking-id="{booking_id}"][data-state="CONFIRMED"]').wait_for()

    with httpx.Client(base_url=riders_site.url + "/api/v1", timeout=10) as api:
        token = api.post("/auth/token", data={"username": "leitstelle", "password": PASSWORD}).json()["access_token"]
        out = api.post("/dispatch/vehicles/bbg-1/out-of-service", headers={"Authorization": f"Bearer {token}"})
        assert out.status_code == 200, out.text
        try:
            check_lost_ride(page, riders_site, booking_id)
        finally:
            back = api.post("/dispatch/vehicles/bbg-1/in-service", headers={"Authorization": f"Bearer {token}"})
            assert back.status_code == 200
    assert page_errors(page) == []


def check_lost_ride(page: Page, riders_site: RiderSite, booking_id: str) -> None:
    """The page and the mail server after the bus went out of service."""
    notice = page.locator("#notices .notice-lost")
    notice.wait_for(timeout=5000)
    text = notice.inner_text()
    assert "fällt aus" in text
    assert "Grund: Das Fahrzeug, das Sie abholen sollte, ist ausgefallen" in text
    assert "neue Fahrt" in text
    assert PHONE in text
    assert page.evaluate("document.activeElement.id") == "nachrichten-titel"  # the page shows it where one looks
    item = page.locator(f'#bookings [data-booking-id="{booking_id}"][data-state="REJECTED"]')
    item.wait_for(timeout=15_000)  # the list reloads after the notice: give a loaded machine time
    assert "fällt aus" in item.inner_text()
    assert item.get_by_role("button", name=re.compile("Ersatzfahrt suchen")).is_visible()
    [(to, mail)] = riders_site.mailbox.wait_for(1)
    assert to == ["erna@example.org"]
    assert PHONE in mail.get_content()
    assert "fällt aus" in str(mail["Subject"])
    assert "per E-Mail geschickt" in text
    no_raw_timestamps(page)
    screenshot(page, "resident-lost-ride")
    no_horizontal_scroll(page)
    assert axe_violations(page) == []


def test_at_night_the_default_is_the_morning_and_a_refusal_offers_the_nearest_times(
        browser: Browser, riders_site: RiderSite) -> None:
    """Monday 23:00: the form proposes Tuesday 06:00; a ride asked for 23:30 is refused in the offer card, which
    scrolls into view with the focus on the message and offers 'Abfahrt ab Di., 24.11., 06:00 Uhr' as a button that
    asks again and gets an offer."""
    riders_site.clock.advance((NIGHT - riders_site.clock.now()).total_seconds())
    riders_site.account("nora", "resident")
    page = phone_page(browser, riders_site)
    login(page, riders_site, "nora")
    page.wait_for_function("() => document.getElementById('time-input').value !== ''")
    assert page.locator("#date-input").input_value() == "2026-11-24"
    assert page.locator("#time-input").input_value() == "06:00"
    for label, typed in (("Start (Haltestelle oder Ort)", "Bernburg Hbf"), ("Ziel (Haltestelle oder Ort)", "Kalistr")):
        page.get_by_role("combobox", name=label, exact=True).fill(typed)
    page.locator("#date-input").fill("2026-11-23")
    page.locator("#time-input").fill("23:30")
    page.get_by_role("button", name="Angebot suchen").click()
    message = page.locator("#offer-message")
    message.wait_for(timeout=10_000)
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'offer-message'")
    assert "Zu dieser Zeit fährt kein Rufbus" in message.inner_text()
    in_view = "el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"
    assert message.evaluate(in_view)
    alternative = page.get_by_role("button", name=re.compile(r"Abfahrt ab .*24\.11\., 06:00 Uhr anfragen"))
    assert alternative.is_visible()
    no_raw_timestamps(page)
    screenshot(page, "resident-night-refusal")
    no_horizontal_scroll(page)
    assert axe_violations(page) == []
    alternative.click()
    page.get_by_text("Angebot gefunden.").wait_for(timeout=10_000)
    assert page.locator("#time-input").input_value() == "06:00"
    assert page.locator("#date-input").input_value() == "2026-11-24"
    no_raw_timestamps(page)
    assert page_errors(page) == []


def test_the_login_page_fits_360_px(browser: Browser, riders_site: RiderSite) -> None:
    """The sign-in and registration page has no horizontal scroll at 360 px and no serious axe findings."""
    page = phone_page(browser, riders_site)
    page.goto(f"{riders_site.url}/login")
    screenshot(page, "login-phone")
    no_horizontal_scroll(page)
    assert axe_violations(page) == []
