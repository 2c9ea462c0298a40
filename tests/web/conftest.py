"""Fixtures of the browser tests: the real app under uvicorn (SQLite, bundled network) and Debian's Chromium."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from booking.service.security import light_hasher
from mobility.app import Parts, build_services, create_app, load_routing
from mobility.config import REPO_ROOT, Settings
from mobility.domain.clock import ManualClock
from tests.booking.conftest import PASSWORD, T0, LiveServer, two_minibuses

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"
AXE_URL = "/static/vendor/axe-core/axe.min.js"

pytestmark = pytest.mark.browser


@dataclass
class Site:
    """The running app: its base URL, services and the manual clock the test moves."""

    url: str
    parts: Parts
    clock: ManualClock

    def account(self, username: str, role: str, vehicle_id: str | None = None) -> str:
        """Create an account (password :data:`PASSWORD`) and return its username."""
        self.parts.services.accounts.add(username, PASSWORD, role, username.title(), vehicle_id=vehicle_id)
        return username


def _serve(database_url: str, schema: str | None = None) -> Iterator[Site]:
    """The real app (bundled network, LiveDispatcher, the store at ``database_url``, web pages) on a free port."""
    settings = Settings(database_url=database_url, secret_key="web-test-" + uuid.uuid4().hex,
                        cache_dir=Path("/tmp/salzland-mobility-test-cache"), tile_url="", solver_time_limit_s=1.0)
    clock = ManualClock(T0)
    routing = load_routing(settings)
    parts = build_services(settings, clock=clock, fleet=two_minibuses(), routing=routing, hasher=light_hasher(),
                           schema=schema)
    app = create_app(settings, parts=parts, background=False, poolcars=False)
    with LiveServer(app) as url:
        yield Site(url, parts, clock)
    parts.engine.dispose()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The real app (bundled network, LiveDispatcher, SQLite store, web pages) on a free loopback port."""
    yield from _serve(f"sqlite:///{tmp_path_factory.mktemp('web') / 'mobility.db'}")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def any_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """``site`` on SQLite, then on PostGIS (a fresh schema, dropped afterwards): pages that write data are tested
    on both stores (a module opts in with ``site = any_site`` as its own ``site`` fixture)."""
    if request.param == "sqlite":
        yield from _serve(f"sqlite:///{tmp_path_factory.mktemp('web') / 'mobility.db'}")
        return
    url: str = request.getfixturevalue("postgis_url")
    with fresh_schema(url, "test_web_") as schema:
        yield from _serve(url, schema)


@contextmanager
def fresh_schema(url: str, prefix: str) -> Iterator[str]:
    """A new PostgreSQL schema named ``prefix`` + a random suffix, dropped with everything in it afterwards."""
    import sqlalchemy as sa

    schema = prefix + uuid.uuid4().hex[:10]
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield schema
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def new_page(browser: Browser, *, mobile: bool = False) -> Page:
    """A fresh browser context (own login) with a phone or desktop viewport; page errors fail the test."""
    viewport: ViewportSize = {"width": 390, "height": 844} if mobile else {"width": 1400, "height": 1000}
    context = browser.new_context(viewport=viewport, locale="de-DE", timezone_id="Europe/Berlin",
                                  device_scale_factor=1, has_touch=mobile, is_mobile=mobile)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: d.accept())
    _ERRORS[page] = errors
    return page


_ERRORS: dict[Page, list[str]] = {}


def page_errors(page: Page) -> list[str]:
    """Uncaught script errors the page raised so far."""
    return _ERRORS.get(page, [])


def login(page: Page, site: Site, username: str) -> None:
    """Sign in through the login page; the page sends each role to its own page."""
    page.goto(f"{site.url}/login")
    page.get_by_label("Benutzername oder E-Mail").first.fill(username)
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Anmelden", exact=True).click()
    page.wait_for_url(lambda url: "/login" not in url, timeout=10_000)
    page.wait_for_load_state("load")


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical WCAG 2.1 A/AA violations that the vendored axe-core finds on the page."""
    page.add_script_tag(url=AXE_URL)  # same origin: the pages' CSP forbids inline scripts
    result: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: "tag",
                values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
            return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => ({id: v.id, impact: v.impact, help: v.help,
                            nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
        }"""
    )
    return result


@pytest.fixture(autouse=True)
def _close_pages(request: pytest.FixtureRequest) -> Iterator[None]:
    """Close every browser context a test opened, so open live streams end before the server stops."""
    yield
    if "browser" in request.fixturenames:
        b: Browser = request.getfixturevalue("browser")
        for context in list(b.contexts):
            for page in context.pages:
                _ERRORS.pop(page, None)
            context.close()
