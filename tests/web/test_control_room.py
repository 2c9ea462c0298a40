"""The control room on a seeded district day (40 vehicles, ≥ 300 bookings) in Debian's Chromium: one screen at
1920×1080, the next ride on top of the bookings, paging with the total, focus on one vehicle, another day, the phone
booking in under a minute, a standing order, no horizontal scrolling at 390 and 360 px, axe-core clean."""

from __future__ import annotations

import itertools
import json
import time
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa

from booking.store.models import BookingRow
from tests.web.conftest import SCREENSHOTS, axe_violations, login, page_errors
from tests.web.district import NOW, District, district

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser
__all__ = ["district"]  # the module's fixture

ONE_SCREEN = ("#kpis", "#vehicles", "#map", "#gantt", "#problems", "#caller-name", "#phone-submit")


def desk(browser: Browser, district: District, width: int = 1920, height: int = 1080, *,
         mobile: bool = False) -> Page:
    """A signed-in control room page at the given viewport, loaded with the seeded day."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="de-DE",
                                  timezone_id="Europe/Berlin", device_scale_factor=1, is_mobile=mobile,
                                  has_touch=mobile)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: d.accept())
    username = f"leitstelle-{width}-{time.monotonic_ns()}"
    district.account(username, "dispatcher")
    login(page, district, username)
    page.locator("#booking-rows tr[data-booking-id]").first.wait_for(timeout=15_000)
    page.locator("#gantt .gantt-row").first.wait_for(timeout=15_000)
    page.wait_for_function("() => document.getElementById('map').dataset.duties !== undefined", timeout=15_000)
    page.errors = errors  # type: ignore[attr-defined]
    return page


def no_horizontal_scroll(page: Page) -> None:
    """The document is no wider than the window."""
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"page scrolls sideways: {widths}"


def save(page: Page, name: str, *, full: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full)


def _rows(district: District, sql: Any) -> list[Any]:
    with district.parts.engine.connect() as conn:
        return list(conn.execute(sql))


def test_one_screen_at_1920_by_1080(browser: Browser, district: District) -> None:
    """Key figures, vehicles, map, timeline, problems and the phone booking are all on the first screen; the
    timeline shows 05–23 h of today for all 40 vehicles with hour labels that do not overlap; the map draws today's
    duties only; nothing scrolls sideways; axe-core finds nothing serious or critical."""
    page = desk(browser, district)
    for selector in ONE_SCREEN:
        box = page.locator(selector).bounding_box()
        assert box is not None, selector
        assert box["y"] >= 0, selector
        assert box["y"] + min(box["height"], 40) <= 1080, selector
        assert box["x"] + box["width"] <= 1920, selector
    assert page.locator("#gantt .gantt-row").count() == 40
    assert page.locator("#vehicles tr[data-vehicle-id]").count() == 40
    ticks = page.locator("#gantt .tick").evaluate_all(
        "ts => ts.map(t => { const r = t.getBoundingClientRect(); return [t.textContent, r.left, r.right]; })")
    assert (ticks[0][0], ticks[-1][0]) == ("05:00", "23:00")
    assert all(a[2] <= b[1] for a, b in itertools.pairwise(ticks)), ticks
    assert page.locator("#gantt .gantt-now").count() == 1
    plan = district.parts.dispatcher.plan()
    today = [d for d in plan.duties_on(NOW.date()) if d.visits]
    assert page.locator("#map").get_attribute("data-day") == "2026-11-23"
    assert int(page.locator("#map").get_attribute("data-duties") or -1) == len(today)
    assert page.locator("#problems .problem").count() >= 1  # the bus out of service lost rides
    no_horizontal_scroll(page)
    save(page, "control-room-desktop")
    save(page, "control-room-desktop-full", full=True)
    assert axe_violations(page) == []
    assert page.errors == []  # type: ignore[attr-defined]


def test_next_ride_first_and_paged_with_the_total(browser: Browser, district: District) -> None:
    """The first row is the next pickup of the day; the pager counts every booking of the day (never capped at a
    page); the next page continues; a search by a caller's name lists only that caller's rides."""
    page = desk(browser, district)
    now = district.clock.now()
    start, end = NOW.replace(hour=0, minute=0), NOW.replace(hour=23, minute=59)
    upcoming = _rows(district, sa.select(BookingRow.id, BookingRow.planned_pickup).where(
        BookingRow.state == "CONFIRMED", BookingRow.planned_pickup >= now, BookingRow.planned_pickup <= end)
        .order_by(BookingRow.planned_pickup, BookingRow.id).limit(1))
    total = _rows(district, sa.select(sa.func.count()).select_from(BookingRow).where(
        BookingRow.planned_pickup >= start, BookingRow.planned_pickup <= end))[0][0]
    assert total >= 300
    first = page.locator("#booking-rows tr[data-booking-id]").first
    assert first.get_attribute("data-booking-id") == upcoming[0][0]
    assert page.locator("#page-info").inner_text() == f"1–50 von {total} · Seite 1 von {-(-total // 50)}"
    page.locator("#page-next").click()
    page.locator("#page-info", has_text=f"51–100 von {total}").wait_for()
    assert page.locator("#booking-rows tr[data-booking-id]").count() == 50
    caller = _rows(district, sa.select(BookingRow.caller_name, BookingRow.caller_phone).where(
        BookingRow.caller_name.is_not(None), BookingRow.planned_pickup >= now).limit(1))
    name, phone = caller[0]
    page.locator("#booking-search").fill(phone.replace(" ", ""))  # typed without the space
    page.locator("#page-info", has_text="1–1 von 1 ").wait_for()
    assert name in page.locator("#booking-rows").inner_text()
    page.locator("#booking-search").fill(name)
    rows = "[...document.querySelectorAll('#booking-rows tr')]"
    page.wait_for_function(f"() => {rows}.every(r => r.textContent.includes({json.dumps(name)})) && {rows}.length > 0")
    texts = page.locator("#booking-rows tr[data-booking-id]").all_inner_texts()
    assert texts
    assert all(name in t for t in texts)
    assert all("Konto" not in t for t in page.locator("#booking-rows").all_inner_texts())
    assert page.errors == []  # type: ignore[attr-defined]


def test_focus_on_one_vehicle_and_another_day(browser: Browser, district: District) -> None:
    """A click on a vehicle shows it alone in the timeline and focuses the map on it (Escape shows all again);
    "▶" shows tomorrow's duties, and the bookings table follows the day."""
    page = desk(browser, district)
    vehicle = page.locator("#vehicles tr[data-vehicle-id]").nth(2)
    vehicle_id = vehicle.get_attribute("data-vehicle-id")
    vehicle.locator("button[data-focus]").click()
    page.locator(f'#gantt .gantt-inner.focused .gantt-row[data-vehicle-id="{vehicle_id}"]').wait_for()
    assert page.locator("#gantt .gantt-row").count() == 1
    assert page.locator("#map").get_attribute("data-focus") == vehicle_id
    assert page.locator("#focus-bar").is_visible()
    save(page, "control-room-focus")
    page.locator("#gantt").click(position={"x": 5, "y": 5})
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.querySelectorAll('#gantt .gantt-row').length === 40")

    page.locator("#day-next").click()
    page.wait_for_function("() => document.getElementById('map').dataset.day === '2026-11-24'")
    assert "24.11." in page.locator("#timeline-day").inner_text()
    assert page.locator("#booking-day").input_value() == "2026-11-24"
    tomorrow = [d for d in district.parts.dispatcher.plan().duties_on(date(2026, 11, 24)) if d.visits]
    page.wait_for_function(f"() => document.getElementById('map').dataset.duties === '{len(tomorrow)}'")
    assert page.errors == []  # type: ignore[attr-defined]


def test_phone_booking_takes_under_a_minute(browser: Browser, district: District) -> None:
    """From F2 (the cursor in the caller's name) to a confirmed ride with the keyboard only: well under 60 s; the
    ride is stored for the caller and tops a search for the caller's name. Alt+N also reaches the form."""
    page = desk(browser, district)
    page.locator("#booking-search").focus()
    page.keyboard.press("Alt+n")
    assert page.evaluate("document.activeElement.id") == "caller-name"
    page.locator("#map").focus()
    started = time.monotonic()
    page.keyboard.press("F2")
    assert page.evaluate("document.activeElement.id") == "caller-name"
    page.keyboard.type("Erna Kowalski")
    page.keyboard.press("Tab")
    page.keyboard.type("03471 640 222")
    page.keyboard.press("Tab")
    page.keyboard.type("Bernburg Hbf")
    page.locator('#p-origin-list[data-query="Bernburg Hbf"] [role=option]').first.wait_for()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.type("Staßfurt")
    page.locator('#p-destination-list[data-query="Staßfurt"] [role=option]').first.wait_for()
    page.keyboard.press("Enter")
    page.locator("#p-time").fill("10:15")
    page.locator("#p-time").press("Enter")
    done = page.locator("#phone-result .success-line")
    done.wait_for(timeout=30_000)
    seconds = time.monotonic() - started
    assert seconds < 60, seconds
    assert "Gebucht für Erna Kowalski" in done.inner_text()
    booking_id = done.get_attribute("data-booking-id")
    row = district.parts.services.bookings.get(str(booking_id), None)
    assert (row.state, row.caller_name, row.caller_phone) == ("CONFIRMED", "Erna Kowalski", "03471 640 222")
    (SCREENSHOTS.parent / "control-room-figures.json").write_text(
        json.dumps({"phone_booking_seconds": round(seconds, 2)}), encoding="utf-8")
    page.locator("#booking-search").fill("Kowalski")
    page.locator(f'#booking-rows tr[data-booking-id="{booking_id}"]').wait_for()
    assert page.locator("#page-info").inner_text().startswith("1–1 von 1")
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_standing_order_from_the_phone_panel(browser: Browser, district: District) -> None:
    """"Regelmäßige Fahrt" turns the form into a standing order (weekday of the chosen date ticked); created for
    Tuesdays it books tomorrow's ride at once and is listed with that result."""
    page = desk(browser, district)
    page.keyboard.press("F2")
    page.locator("#caller-name").fill("Herta Lindner")
    page.locator("#caller-phone").fill("03925 71 0 71")
    for box, typed in (("#p-origin-input", "Bernburg Hbf"), ("#p-destination-input", "Staßfurt")):
        page.locator(box).fill(typed)
        page.locator(box).press("Enter")
    page.locator("#p-date").fill("2026-11-24")
    page.locator("#p-time").fill("08:00")
    page.get_by_label("Regelmäßige Fahrt (Dauerauftrag)").check()
    assert page.locator('input[name=weekday][value="2"]').is_checked()
    page.get_by_role("button", name="Dauerauftrag anlegen").click()
    result = page.locator("#phone-result .success-line")
    result.wait_for(timeout=15_000)
    assert "Di 08:00 Uhr" in result.inner_text()
    assert "gebucht" in page.locator("#phone-result").inner_text()
    order = page.locator("#standing-orders .standing", has_text="Herta Lindner")
    order.wait_for()
    assert "gebucht" in order.inner_text()
    assert page.errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [390, 360])
def test_no_horizontal_scroll_on_a_phone(browser: Browser, district: District, width: int) -> None:
    """On a phone everything stacks: the page never scrolls sideways (wide tables scroll in their own box), and
    "Telefonbuchung" brings the form into view."""
    page = desk(browser, district, width, 844, mobile=True)
    no_horizontal_scroll(page)
    page.get_by_role("button", name="Telefonbuchung").click()
    assert page.evaluate("document.activeElement.id") == "caller-name"
    box = page.locator("#caller-name").bounding_box()
    assert box is not None
    assert 0 <= box["y"] < 844
    if width == 390:
        page.evaluate("window.scrollTo(0, 0)")
        save(page, "control-room-phone")
        save(page, "control-room-phone-full", full=True)
        assert axe_violations(page) == []
    assert page_errors(page) == []
    assert page.errors == []  # type: ignore[attr-defined]


def test_zoom_keeps_hour_labels_apart_and_shows_now(browser: Browser, district: District) -> None:
    """Zooming in shows fewer hours across the box (the day scrolls sideways inside it): labels every half hour at
    the closest zoom, never overlapping; "Jetzt" brings the now line into view; zooming out returns to 05–23 h."""
    page = desk(browser, district)
    box = page.locator("#gantt")
    for label in ("12 Std. sichtbar", "8 Std. sichtbar", "4 Std. sichtbar", "2 Std. sichtbar"):
        page.locator("#zoom-in").click()
        page.locator("#zoom-label", has_text=label).wait_for()
        ticks = box.locator(".tick").evaluate_all("ts => ts.map(t => [t.getBoundingClientRect().left, "
                                                  "t.getBoundingClientRect().right, t.textContent])")
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(ticks)), ticks
    assert page.locator("#zoom-in").is_disabled()
    assert "06:30" in [t[2] for t in ticks]  # half hours at the closest zoom
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")
    page.locator("#zoom-now").click()
    line = page.locator("#gantt .gantt-now").bounding_box()
    frame = box.bounding_box()
    assert line is not None
    assert frame is not None
    assert frame["x"] + 170 <= line["x"] <= frame["x"] + frame["width"]
    save(page, "control-room-zoomed")
    for _ in range(4):
        page.locator("#zoom-out").click()
    page.locator("#zoom-label", has_text="05–23 Uhr").wait_for()
    assert box.evaluate("b => b.scrollWidth <= b.clientWidth + 1")
    assert page.errors == []  # type: ignore[attr-defined]
