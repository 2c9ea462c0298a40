"""A driver clicks a whole shift through the page on a 390 px phone: begin duty, arrive, board, arrive, drop off,
break, end duty — always one next button, German times, no horizontal scroll, errors where the driver looks."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from booking.service.security import light_hasher
from booking.store.models import EventRow
from mobility.app import build_services, create_app, load_routing
from mobility.config import Settings
from mobility.domain.clock import ManualClock
from tests.booking.conftest import BERNBURG_HBF, PASSWORD, STASSFURT_BF, T0, LiveServer
from tests.booking.test_driver_duty import SHIFT_START, three_days
from tests.web.conftest import Site, login, new_page, page_errors, screenshot
from tests.web.helpers import api_booking

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser
PHONE_WIDTH = 390


@pytest.fixture(scope="module")
def shift_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The real app with two minibuses that have a shift (and a break) yesterday, today and tomorrow."""
    tmp = tmp_path_factory.mktemp("web-shift")
    settings = Settings(database_url=f"sqlite:///{tmp / 'mobility.db'}", secret_key="web-test-" + uuid.uuid4().hex,
                        cache_dir=Path("/tmp/salzland-mobility-test-cache"), tile_url="", solver_time_limit_s=1.0)
    clock = ManualClock(T0)
    parts = build_services(settings, clock=clock, fleet=three_days(), routing=load_routing(settings),
                           hasher=light_hasher())
    app = create_app(settings, parts=parts, background=False, poolcars=False)
    with LiveServer(app) as url:
        yield Site(url, parts, clock)
    parts.engine.dispose()


def fits_the_phone(page: Page) -> None:
    """No horizontal scroll at 390 px and 'Abmelden' visible inside the screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    box = page.get_by_role("button", name="Abmelden").bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE_WIDTH


END_FROM = SHIFT_START + timedelta(hours=7, minutes=30)  # today's shift runs 07:00–15:00 (Berlin)

DONE = {"Dienst beginnen": "Dienst begonnen", "Angekommen": "Ankunft gemeldet", "Eingestiegen": "Eingestiegen gemeldet",
        "Ausgestiegen": "Ausgestiegen gemeldet", "Pause beginnen": "Pause begonnen", "Pause beenden": "Pause beendet",
        "Dienst beenden": "Dienst beendet"}


def press(page: Page, name: str) -> None:
    """Press the enabled button ``name`` and wait until the page says the report went through."""
    heights = page.eval_on_selector_all("main button[data-type]", "bs => bs.map(b => b.offsetHeight)")
    assert min(heights, default=48) >= 48  # thumb-sized
    page.locator("main button:not([disabled])", has_text=name).first.click()
    page.locator("#driver-status", has_text=f"{DONE[name]}.").wait_for(timeout=5000)


def buttons(page: Page) -> list[tuple[str, bool]]:
    """The action buttons on the page in order, with whether each is enabled."""
    found: list[tuple[str, bool]] = page.eval_on_selector_all(
        "main button[data-type]", "bs => bs.map(b => [b.dataset.type, !b.disabled])")
    return [(t, e) for t, e in found]


def move_to(site: Site, when: datetime) -> None:
    site.clock.advance(max(0.0, (when - site.clock.now()).total_seconds()))


def test_a_whole_shift_clicked_through_on_a_phone(browser: Browser, shift_site: Site) -> None:
    """Each step offers the next thing to do as a big button (never a badge alone) and answers with the updated
    manifest; times are German, with the date where it is not today; the page fits the phone throughout."""
    site = shift_site
    site.account("erika", "resident")
    booking = api_booking(site.url, "erika", PASSWORD, origin=BERNBURG_HBF, destination=STASSFURT_BF,
                          departure=(T0 + timedelta(minutes=20)).isoformat())
    vehicle = str(booking["vehicle_id"])
    site.account("fahrer", "driver", vehicle_id=vehicle)
    page = new_page(browser, mobile=True)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 51.79464, "longitude": 11.7401, "accuracy": 12})
    sent: list[dict[str, float]] = []
    page.on("request", lambda r: sent.append(r.post_data_json) if r.url.endswith("/driver/position") else None)
    login(page, site, "fahrer")
    duty = page.locator(".duty-card")
    duty.get_by_text("Dienstbeginn 07:00, Mo 23.11.").wait_for(timeout=5000)
    current = page.locator("#current")
    assert "Bernburg Hbf" in current.inner_text()
    assert "Erika" in current.inner_text()
    assert buttons(page) == [("duty_begin", True)]  # first the duty; the stops show who is coming
    assert "Pause" in page.locator("#upcoming").inner_text()
    text = page.locator("main").inner_text()
    assert "2026-" not in text
    assert "T0" not in text
    page.get_by_role("checkbox", name="Standort senden").check()  # consent; sent only while on duty
    fits_the_phone(page)
    screenshot(page, "driver-shift-1-planned")
    page.wait_for_timeout(500)
    assert sent == []

    press(page, "Dienst beginnen")
    duty.locator(".duty-state", has_text="im Dienst").wait_for(timeout=3000)
    assert buttons(page)[0] == ("arrived", True)
    page.locator("#position-status", has_text="Standort wird gesendet").wait_for(timeout=5000)
    assert sent[0]["lon"] == pytest.approx(11.7401)
    assert sent[0]["lat"] == pytest.approx(51.79464)
    assert sent[0]["accuracy_m"] == pytest.approx(12)

    window = booking["pickup_window"]
    assert isinstance(window, dict)
    move_to(site, datetime.fromisoformat(window["earliest"]))
    press(page, "Angekommen")
    rider = current.locator(f'[data-booking-id="{booking["id"]}"]')
    assert buttons(page) == [("boarded", True), ("no_show", False)]
    no_show = rider.get_by_role("button", name="Nicht erschienen")
    assert "ab " in no_show.inner_text()
    assert "Uhr" in no_show.inner_text()
    fits_the_phone(page)
    screenshot(page, "driver-shift-2-arrived")

    page.context.set_offline(True)  # a dead spot: the report is kept on the phone with its time, sent later
    offline_at = site.clock.now()
    rider.get_by_role("button", name="Eingestiegen").click()
    page.locator("#driver-status", has_text="Keine Verbindung: 1 Meldung wartet").wait_for(timeout=3000)
    current.get_by_text("Staßfurt").first.wait_for(timeout=3000)  # the page goes on: next comes the drop-off
    assert site.parts.services.bookings.get(str(booking["id"]), None).state == "CONFIRMED"
    waiting = page.evaluate("Object.entries(localStorage).filter(([k]) => k.startsWith('salzland.driver.outbox'))"
                            ".map(([, v]) => JSON.parse(v).map((e) => e.type))")
    assert waiting == [["boarded"]]
    fits_the_phone(page)
    screenshot(page, "driver-shift-2-offline")
    site.clock.advance(3 * 60)  # the bus drives on; the network comes back three minutes later
    page.context.set_offline(False)
    page.locator("#driver-status", has_text="Verbindung wieder da").wait_for(timeout=20_000)
    assert site.parts.services.bookings.get(str(booking["id"]), None).state == "STARTED"
    with site.parts.services.sessions() as session:
        boarded = session.scalars(sa.select(EventRow).where(EventRow.type == "passenger_boarded")).one()
    assert offline_at <= boarded.at < offline_at + timedelta(minutes=1)  # when it happened, not when it was sent
    assert page.locator("#driver-error").inner_text() == ""
    assert buttons(page)[:2] == [("arrived", True), ("dropped_off", False)]
    site.clock.advance(25 * 60)  # late: the drop-off's planned time is more than five minutes past
    page.reload()
    current.locator(".badge-overdue", has_text="überfällig").wait_for(timeout=3000)
    assert "1 überfällig" in duty.inner_text()
    screenshot(page, "driver-shift-3-overdue")
    press(page, "Angekommen")
    assert "überfällig" not in page.locator("main").inner_text()
    assert buttons(page) == [("dropped_off", True)]
    fits_the_phone(page)
    screenshot(page, "driver-shift-3-drop-off")

    press(page, "Ausgestiegen")
    current.get_by_text("Pause").first.wait_for(timeout=3000)
    assert buttons(page) == [("break_begin", False)]  # the break's window opens later; no end in mid-shift
    assert "ab 09:30 Uhr" in current.inner_text()
    fits_the_phone(page)
    screenshot(page, "driver-shift-4-break-ahead")

    move_to(site, T0 + timedelta(hours=1, minutes=30))
    page.reload()
    press(page, "Pause beginnen")
    assert buttons(page) == [("break_end", True)]
    assert "geplant bis" in current.get_by_role("button", name="Pause beenden").inner_text()
    duty.locator(".duty-state", has_text="in Pause").wait_for(timeout=3000)
    fits_the_phone(page)
    screenshot(page, "driver-shift-5-on-break")

    site.clock.advance(20 * 60)
    press(page, "Pause beenden")
    assert buttons(page) == [("duty_end", False)]  # nothing left, but the shift runs until 15:00
    assert "Keine weiteren Halte" in current.inner_text()
    assert "ab 14:30 Uhr" in current.inner_text()
    screenshot(page, "driver-shift-5b-nothing-left")

    move_to(site, END_FROM)
    page.reload()
    current.get_by_role("button", name="Dienst beenden").and_(page.locator(":not([disabled])")).wait_for(timeout=3000)
    assert buttons(page) == [("duty_end", True)]

    press(page, "Dienst beenden")
    duty.get_by_text("Dienstbeginn 07:00, Di 24.11.").wait_for(timeout=3000)
    assert buttons(page) == [("duty_begin", False)]  # tomorrow's duty: from 06:00 tomorrow
    assert "ab Di 24.11., 06:00 Uhr" in duty.inner_text().replace("\xa0", " ")
    fits_the_phone(page)
    screenshot(page, "driver-shift-6-next-duty")
    assert page_errors(page) == []


def test_an_error_shows_where_the_driver_looks_and_changes_nothing(browser: Browser, shift_site: Site) -> None:
    """The duty is ended on another device while this phone has lost its live stream: 'Dienst beenden' on the stale
    screen is refused with a German message in the alert region at the top of the screen (not tomorrow's duty
    ended); an unreachable server is a German message too."""
    site = shift_site
    move_to(site, END_FROM)  # 'Dienst beenden' is offered from half an hour before the shift ends
    vehicle = "sft-1"
    site.account("fahrerin", "driver", vehicle_id=vehicle)
    phone = new_page(browser, mobile=True)
    phone.route("**/api/v1/driver/stream", lambda route: route.abort())  # the phone lost its live stream
    login(phone, site, "fahrerin")
    phone.locator('#dienst-titel[data-duty-id*="-"]').wait_for(timeout=5000)
    if phone.locator("#duty button", has_text="Dienst beginnen").count():
        press(phone, "Dienst beginnen")
    phone.locator("main button:not([disabled])", has_text="Dienst beenden").wait_for(timeout=3000)
    shown = phone.locator("#dienst-titel").get_attribute("data-duty-id")

    tablet = new_page(browser, mobile=True)
    login(tablet, site, "fahrerin")
    press(tablet, "Dienst beenden")
    ended = site.parts.dispatcher.plan().duties[str(shown)]
    assert str(ended.status) == "ended"

    phone.locator("main button:not([disabled])", has_text="Dienst beenden").click()
    alert = phone.locator("#driver-error")
    alert.get_by_text("nicht mehr aktuell").wait_for(timeout=3000)
    assert alert.get_attribute("role") == "alert"
    box = alert.bounding_box()
    assert box is not None
    assert 0 <= box["y"] < phone.viewport_size["height"]  # type: ignore[index]
    nxt = site.parts.dispatcher.plan().current_duty(vehicle, site.clock.now())
    assert nxt is not None
    assert str(nxt.status) == "planned"  # tomorrow's duty was not ended by the stale press
    phone.locator("#dienst-titel", has_text="Dienstbeginn 07:00").wait_for(timeout=3000)
    fits_the_phone(phone)
    screenshot(phone, "driver-shift-7-error")

    assert page_errors(phone) == []
    assert page_errors(tablet) == []
