"""Serve the HTML pages (resident, dispatcher, driver, login) and the static assets they need.

The pages are plain HTML rendered from ``templates/`` into one shared layout; all data comes from the JSON API
in the browser. Nothing is read from disk before :func:`create_router` is called.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

if TYPE_CHECKING:
    from fastapi import FastAPI

WEB_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
STATIC_PREFIX = "/static"
SERVICE_NAME = "Rufbus Salzlandkreis"  # the default name riders know the service by
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap-Mitwirkende</a>'


@dataclass(frozen=True, slots=True)
class Page:
    """One page: its URL path, template, German title and page script."""

    path: str
    template: str
    title: str
    script: str
    body_class: str


PAGES = (
    Page("/", "resident.html", "Fahrt buchen", "resident.js", "page-resident"),
    Page("/dispatcher", "dispatcher.html", "Leitstelle", "dispatcher.js", "page-dispatcher"),
    Page("/driver", "driver.html", "Fahrauftrag", "driver.js", "page-driver"),
    Page("/login", "login.html", "Anmelden", "login.js", "page-login"),
)

# Pages never cache, so a deployed change is seen at once; the CSP allows tiles from anywhere but scripts only from us.
_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: https: http:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def phone_note(phone: str | None) -> str:
    """The footer's line with the Leitstelle's number (a ``tel:`` link), empty when no number is configured."""
    if not phone:
        return ""
    dial = "".join(c for c in phone if c.isdigit() or c == "+")
    return (f'<p class="footer-phone">Buchung auch am Telefon: Leitstelle '
            f'<a href="tel:{html.escape(dial, quote=True)}">{html.escape(phone)}</a></p>')


def render_page(page: Page, *, tile_url: str, api_prefix: str, tile_attribution: str = OSM_ATTRIBUTION,
                phone: str | None = None, service: str = SERVICE_NAME) -> str:
    """The full HTML of ``page``: its template placed into the layout, settings passed as ``data-`` attributes;
    ``phone`` is the Leitstelle's number shown in the footer, ``service`` the name in the title, header and footer."""
    layout = Template((TEMPLATE_DIR / "layout.html").read_text(encoding="utf-8"))
    content = (TEMPLATE_DIR / page.template).read_text(encoding="utf-8")
    return layout.substitute(
        title=html.escape(page.title),
        body_class=page.body_class,
        api_prefix=html.escape(api_prefix, quote=True),
        tile_url=html.escape(tile_url, quote=True),
        tile_attribution=html.escape(tile_attribution, quote=True),
        static=STATIC_PREFIX,
        content=content,
        script=f"{STATIC_PREFIX}/js/{page.script}",
        phone_note=phone_note(phone),
        service=html.escape(service),
    )


def create_router(*, tile_url: str, api_prefix: str = "/api/v1", phone: str | None = None,
                  service: str = SERVICE_NAME) -> APIRouter:
    """A router serving every page of :data:`PAGES`; ``tile_url`` may be empty (no background tiles); ``service``:
    the service's name as riders know it (page titles, header, footer)."""
    if not api_prefix.startswith("/"):
        msg = f"api_prefix must start with '/', got {api_prefix!r}"
        raise ValueError(msg)
    rendered = {p.path: render_page(p, tile_url=tile_url, api_prefix=api_prefix.rstrip("/"), phone=phone,
                                    service=service) for p in PAGES}
    router = APIRouter(tags=["web"], include_in_schema=False)

    def make_endpoint(body: str) -> Callable[[], Response]:
        def endpoint() -> Response:
            return HTMLResponse(body, headers=_HEADERS)

        return endpoint

    for page in PAGES:
        router.add_api_route(page.path, make_endpoint(rendered[page.path]), methods=["GET"], name=f"web:{page.path}")
    return router


def mount_web(app: FastAPI, *, tile_url: str, api_prefix: str = "/api/v1", phone: str | None = None,
              service: str = SERVICE_NAME) -> None:
    """Add the pages to ``app`` and serve the assets (own scripts, vendored Leaflet and axe-core) under ``/static``."""
    from fastapi.staticfiles import StaticFiles

    app.include_router(create_router(tile_url=tile_url, api_prefix=api_prefix, phone=phone, service=service))
    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="static")
