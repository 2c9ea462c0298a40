"""The web map on a region pack: the pack's real roads, simplified per zoom; on the approximate pack only the stops
and the service area, marked as an approximation (no spider's web of straight links). Checked in headless Chromium,
screenshots in artifacts/screenshots/."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from booking.service.security import light_hasher
from mobility.app import build_services, create_app
from mobility.config import REPO_ROOT, Settings
from mobility.domain.clock import ManualClock
from routing.region.build import BuildReport
from tests.booking.conftest import PASSWORD, T0, LiveServer

SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"
APPROX_PACK = REPO_ROOT / "data" / "regions" / "salzlandkreis-approx"


def _app(region: Path, tmp_path: Path) -> object:
    settings = Settings(region=region, database_url=f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.db'}",
                        secret_key="map-" + uuid.uuid4().hex, data_dir=tmp_path,
                        cache_dir=Path("/tmp/salzland-mobility-test-cache"), tile_url="")
    parts = build_services(settings, clock=ManualClock(T0), hasher=light_hasher())
    parts.services.accounts.add("erika", PASSWORD, "resident", "Erika")
    return create_app(settings, parts=parts, background=False)


def test_roads_are_simplified_per_zoom(bayreuth_pack: tuple[Path, BuildReport], tmp_path: Path) -> None:
    """Fewer roads and fewer vertices at small scales; every road at full detail by default."""
    with TestClient(_app(bayreuth_pack[0], tmp_path)) as client:  # type: ignore[arg-type]
        layers = {z: client.get("/api/v1/network/roads.geojson", params={"zoom": z} if z else {}).json()
                  for z in (9, 12, 0)}
    counts = {z: (len(fc["features"]), sum(len(f["geometry"]["coordinates"]) for f in fc["features"]))
              for z, fc in layers.items()}
    assert 0 < counts[9][0] < counts[12][0] < counts[0][0]
    assert counts[9][1] < counts[12][1] < counts[0][1]
    assert not layers[0]["approximate"]


def test_approximate_pack_has_no_roads_to_draw(tmp_path: Path) -> None:
    with TestClient(_app(APPROX_PACK, tmp_path)) as client:  # type: ignore[arg-type]
        roads = client.get("/api/v1/network/roads.geojson").json()
        area = client.get("/api/v1/service-area.geojson").json()
    assert roads["approximate"] is True
    assert roads["features"] == []
    assert area["features"][0]["properties"]["name"] == "Bediengebiet (Näherung)"


@pytest.fixture
def pages(tmp_path: Path, bayreuth_pack: tuple[Path, BuildReport]) -> Iterator[dict[str, str]]:
    """Both packs served over HTTP."""
    real_app, approx_app = _app(bayreuth_pack[0], tmp_path), _app(APPROX_PACK, tmp_path)
    with LiveServer(real_app) as real, LiveServer(approx_app) as approx:  # type: ignore[arg-type]
        yield {"real": real, "approx": approx}


@pytest.mark.browser
def test_resident_map_in_chromium(browser: Browser, pages: dict[str, str]) -> None:
    """The real pack's page asks for the roads of its zoom level and draws them; the approximate pack's page asks
    for no roads and says on the map that it is an approximation."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, url in pages.items():
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))  # noqa: B023 - read before the next page
        page.goto(f"{url}/login")
        page.get_by_label("Benutzername oder E-Mail").first.fill("erika")
        page.get_by_label("Passwort", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Anmelden", exact=True).click()
        page.wait_for_url(lambda u: "/login" not in u, timeout=10_000)
        page.wait_for_selector(".leaflet-container")
        page.wait_for_timeout(2000)
        roads = [u for u in requested if "/network/roads.geojson" in u]
        note = page.locator(".map-approx-note")
        brand = page.locator(".brand").inner_text()
        if name == "real":
            assert roads
            assert "zoom=" in roads[0]
            assert note.count() == 0
            assert "Salzlandkreis" not in page.title() + brand  # the pack's own service name
            assert page.title().endswith("– Rufbus North Bayreuth")
        else:
            assert roads == []
            assert note.is_visible()
            assert "Näherung" in note.inner_text()
            assert brand.endswith("Rufbus Salzlandkreis")
        page.screenshot(path=str(SCREENSHOTS / f"region-map-{name}.png"))
        page.close()
