"""The page routes and static assets without a browser: German pages, settings passed safely, assets offline."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from booking.web import create_router, mount_web
from booking.web.router import PAGES, STATIC_DIR


@pytest.fixture
def client() -> TestClient:
    """Only the web pages, with a tile URL that needs escaping."""
    app = FastAPI()
    mount_web(app, tile_url='https://tiles.example/{z}/{x}/{y}.png?a=1&b="2"')
    return TestClient(app)


@pytest.mark.parametrize("path", [p.path for p in PAGES])
def test_every_page_is_german_html_with_settings(client: TestClient, path: str) -> None:
    """Each page is HTML with lang="de", the API prefix and the escaped tile URL as data attributes, and no CDN."""
    r = client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert '<html lang="de">' in r.text
    assert 'data-api="/api/v1"' in r.text
    assert 'data-tile-url="https://tiles.example/{z}/{x}/{y}.png?a=1&amp;b=&quot;2&quot;"' in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]
    for src in ("https://unpkg", "cdn.", "googleapis"):
        assert src not in r.text


@pytest.mark.parametrize(
    "asset",
    ["vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css", "vendor/axe-core/axe.min.js", "js/resident.js",
     "js/dispatcher.js", "js/driver.js", "css/app.css", "favicon.svg"],
)
def test_assets_are_served_from_the_package(client: TestClient, asset: str) -> None:
    """Every script and style the pages load is served from /static (works offline)."""
    r = client.get(f"/static/{asset}")
    assert r.status_code == 200
    assert len(r.content) > 100


def test_every_referenced_script_exists() -> None:
    """Each page script and every module it imports is a file of the package."""
    import re

    js = STATIC_DIR / "js"
    for page in PAGES:
        assert (js / page.script).is_file()
    for path in js.glob("*.js"):
        for name in re.findall(r'from "\./([\w-]+\.js)"', path.read_text(encoding="utf-8")):
            assert (js / name).is_file(), f"{path.name} imports missing {name}"


def test_vendored_code_carries_its_licences() -> None:
    """Leaflet (BSD-2-Clause) and axe-core (MPL-2.0) ship with their licence texts."""
    vendor = STATIC_DIR / "vendor"
    assert "BSD 2-Clause" in (vendor / "leaflet" / "LICENSE").read_text(encoding="utf-8")
    assert "Mozilla Public License" in (vendor / "axe-core" / "LICENSE").read_text(encoding="utf-8")


def test_api_prefix_must_be_absolute() -> None:
    """A relative API prefix is refused with a message naming the field."""
    with pytest.raises(ValueError, match="api_prefix"):
        create_router(tile_url="", api_prefix="api/v1")


def test_the_service_name_is_in_title_header_and_footer() -> None:
    """Another region's service name replaces the district's everywhere a rider reads it, HTML-escaped."""
    app = FastAPI()
    mount_web(app, tile_url="", service="Rufbus Nord & Süd")
    for page in PAGES:
        text = TestClient(app).get(page.path).text
        assert f"<title>{page.title} – Rufbus Nord &amp; Süd</title>" in text
        assert text.count("Rufbus Nord &amp; Süd") == 3  # title, header, footer
        assert "Salzlandkreis" not in text


def test_the_service_name_comes_from_the_setting_or_the_region_pack(tmp_path: Path) -> None:
    """MOBILITY_SERVICE_NAME wins; else the region pack's service_name; else the district's name."""
    from mobility.app import service_name_of
    from mobility.config import REPO_ROOT, Settings

    approx = REPO_ROOT / "data" / "regions" / "salzlandkreis-approx"
    assert service_name_of(Settings(data_dir=tmp_path)) == "Rufbus Salzlandkreis"
    assert service_name_of(Settings(region=approx, data_dir=tmp_path)) == "Rufbus Salzlandkreis"
    assert service_name_of(Settings(region=approx, service_name="Bürgerbus", data_dir=tmp_path)) == "Bürgerbus"
