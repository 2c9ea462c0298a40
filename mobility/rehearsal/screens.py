"""Screenshots of the three pages during the rehearsal, in Debian's Chromium driven by Playwright.

At each screenshot time the simulated clock stands still while a resident with a booking, the dispatcher and the
busiest driver on duty sign in through the login page; the browser's own clock is set to the simulated time, so the
pages show the day as it is in the rehearsal. Pictures land in ``DIR/<when>-<page>.png``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mobility.rehearsal.clock import SteppingClock
from mobility.rehearsal.crew import PASSWORD as DRIVER_PASSWORD
from mobility.rehearsal.crew import username_of
from mobility.rehearsal.dispatcher import PASSWORD as DISPATCHER_PASSWORD
from mobility.rehearsal.dispatcher import USERNAME as DISPATCHER
from mobility.rehearsal.ledger import Ledger, Outcome
from mobility.rehearsal.residents import PASSWORD as RESIDENT_PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

CHROMIUM = Path(os.environ.get("MOBILITY_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
SETTLE_MS = 1500  # let the page load its data (its live stream stays open, so there is no network idle)


class Screens:
    """Takes the pictures; the browser starts at the first one."""

    def __init__(self, out: Path, base_url: str, clock: SteppingClock, ledger: Ledger,
                 busiest: Callable[[], str | None], *, browser: Any = None) -> None:
        self.out = out
        self.base_url = base_url
        self.clock = clock
        self.ledger = ledger
        self.busiest = busiest
        self.taken: list[Path] = []
        self.errors: list[str] = []
        self._playwright: Playwright | None = None
        self._browser: Browser | None = browser  # a browser handed in (tests) is used, never closed
        self._own = browser is None

    def _open(self) -> Browser:
        if self._browser is None:
            if not CHROMIUM.exists():
                msg = f"Chromium not found at {CHROMIUM} (Debian package 'chromium')"
                raise RuntimeError(msg)
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        return self._browser

    def close(self) -> None:
        """Close the browser (unless it was handed in)."""
        if self._browser is not None and self._own:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()
        self._browser = self._playwright = None

    def take(self, label: str) -> None:
        """The resident's, the dispatcher's and a driver's page now."""
        self.out.mkdir(parents=True, exist_ok=True)
        resident = self._resident()
        driver = self.busiest()
        shots: list[tuple[str, str, str, bool]] = [("leitstelle", DISPATCHER, DISPATCHER_PASSWORD, False)]
        if resident is not None:
            shots.insert(0, ("fahrgast", resident, RESIDENT_PASSWORD, True))
        if driver is not None:
            shots.append(("fahrer", username_of(driver), DRIVER_PASSWORD, True))
        for page_name, username, password, mobile in shots:
            try:
                self.taken.append(self._shot(f"{label}-{page_name}", username, password, mobile=mobile))
            except Exception as exc:  # a picture that fails must not end the rehearsal; it is reported
                self.errors.append(f"{label}-{page_name}: {type(exc).__name__}: {exc}")
                self.ledger.observe(self.clock.now(), "screenshot_failed", self.errors[-1])

    def _resident(self) -> str | None:
        """A resident (web app) with a booking still ahead, else one whose ride is done."""
        now = self.clock.now()
        app = [r for r in self.ledger.rides if r.channel == "app" and r.booking_id is not None]
        ahead = [r for r in app if r.outcome is Outcome.BOOKED and r.planned_pickup and r.planned_pickup > now]
        pool = sorted(ahead, key=lambda r: r.planned_pickup or now) or app
        return pool[0].username if pool else None

    def _shot(self, name: str, username: str, password: str, *, mobile: bool) -> Path:
        browser = self._open()
        viewport: Any = {"width": 390, "height": 844} if mobile else {"width": 1400, "height": 1000}
        context = browser.new_context(viewport=viewport, locale="de-DE", timezone_id="Europe/Berlin",
                                      device_scale_factor=1, has_touch=mobile, is_mobile=mobile)
        try:
            page = context.new_page()
            page.on("pageerror", lambda e: self.ledger.observe(self.clock.now(), "page_error", f"{name}: {e}"))
            page.clock.set_fixed_time(self.clock.now())
            _login(page, self.base_url, username, password)
            page.wait_for_timeout(SETTLE_MS)
            path = self.out / f"{name}.png"
            page.screenshot(path=str(path), full_page=True)
            return path
        finally:
            context.close()


def _login(page: Page, base_url: str, username: str, password: str) -> None:
    """Sign in through the login page; it sends each role to its own page."""
    page.goto(f"{base_url}/login")
    page.get_by_label("Benutzername oder E-Mail").first.fill(username)
    page.get_by_label("Passwort", exact=True).fill(password)
    page.get_by_role("button", name="Anmelden", exact=True).click()
    page.wait_for_url(lambda url: "/login" not in url, timeout=15_000)
    page.wait_for_load_state("load")
