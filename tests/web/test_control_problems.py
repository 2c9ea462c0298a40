"""Problems in the control room, worked in the browser on SQLite and PostGIS: a bus taken out until 09:30 loses three
rides; each problem names the caller, the phone and the pickup; one is marked as called, one called off with a
message, one rebooked on the other bus once it is back."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

from tests.booking.conftest import BERNBURG_HBF, BERNBURG_KALISTR, PASSWORD, STASSFURT_BF
from tests.web.conftest import Site, login, new_page, page_errors, screenshot
from tests.web.helpers import wait_live

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator

pytestmark = pytest.mark.browser

CALLERS = (("Gerda Schulze", "03471 123456", "08:30"), ("Horst Becker", "03471 222333", "09:05"),
           ("Ilse Wagner", "03471 444555", "09:10"))


@pytest.fixture(scope="module")
def site(any_site: Site) -> Site:
    """The app on SQLite, then on PostGIS: these pages write bookings."""
    return any_site


def _api(site: Site, token: str, method: str, path: str, **kw: object) -> httpx.Response:
    with httpx.Client(base_url=site.url + "/api/v1", timeout=20) as client:
        return client.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kw)  # type: ignore[arg-type]


def _problem(page: object, name: str) -> Locator:
    item: Locator = page.locator("#problems .problem", has_text=name)  # type: ignore[attr-defined]
    item.wait_for(timeout=5000)
    return item


def test_problems_are_worked_from_the_list(browser: Browser, site: Site) -> None:
    """Out of service until 09:30 from the focus bar; three problems with name, phone and pickup; "Angerufen",
    "Absagen" with a message and "Neu buchen" on Staßfurt 1 each resolve theirs; the rebooked ride is CONFIRMED on
    Staßfurt 1 in the promised window."""
    site.account("leitstelle-p", "dispatcher")
    with httpx.Client(base_url=site.url + "/api/v1", timeout=20) as client:
        signed_in = client.post("/auth/token", data={"username": "leitstelle-p", "password": PASSWORD})
        token = signed_in.json()["access_token"]
    assert _api(site, token, "POST", "/dispatch/vehicles/sft-1/out-of-service").status_code == 200
    for (name, phone, at), (a, b) in zip(CALLERS, ((BERNBURG_HBF, STASSFURT_BF), (BERNBURG_KALISTR, BERNBURG_HBF),
                                                   (BERNBURG_HBF, BERNBURG_KALISTR)), strict=True):
        r = _api(site, token, "POST", "/dispatch/bookings", json={"caller_name": name, "caller_phone": phone,
              "request": {"origin": {"stop_id": a}, "destination": {"stop_id": b},
                          "departure": f"2026-11-23T{at}:00+01:00"}})
        assert r.status_code == 201, r.text
    page = new_page(browser)
    login(page, site, "leitstelle-p")
    wait_live(page)
    page.locator('#vehicles [data-vehicle-id="bbg-1"] button[data-focus]').click()
    page.locator("#focus-bar").get_by_role("button", name="Außer Dienst nehmen").click()
    page.get_by_label("Außer Dienst bis").fill("09:30")
    page.get_by_label("Grund (optional)").fill("Reifenpanne")
    page.get_by_role("dialog").get_by_role("button", name="Außer Dienst nehmen").click()
    page.locator("#replan", has_text="außer Dienst bis 09:30 Uhr").wait_for(timeout=5000)
    page.locator('#vehicles [data-vehicle-id="bbg-1"]', has_text="außer Dienst bis 09:30").wait_for()
    assert page.locator("#problem-count").inner_text() == "3"
    gerda = _problem(page, "Gerda Schulze")
    text = gerda.inner_text()
    assert "03471 123456" in text
    assert "Abholung Mo., 23.11., 08:30–08:45 Uhr" in text
    assert "Bernburg Hbf → Staßfurt" in text
    screenshot(page, "control-room-problems")

    _problem(page, "Horst Becker").get_by_role("button", name="Angerufen").click()
    page.locator("#problems .problem", has_text="Horst Becker").locator(".success-line").wait_for()
    ilse = _problem(page, "Ilse Wagner")
    ilse.locator("summary", has_text="Absagen").click()
    ilse.get_by_label("Nachricht an den Fahrgast").fill("Heute kein Ersatz – bitte morgen anrufen.")
    ilse.get_by_role("button", name="Absagen und benachrichtigen").click()
    ilse.locator(".success-line").wait_for()
    page.locator("#problem-count", has_text="1").wait_for(timeout=5000)

    assert _api(site, token, "POST", "/dispatch/vehicles/sft-1/in-service").status_code == 200
    gerda = _problem(page, "Gerda Schulze")
    gerda.locator("summary", has_text="Neu buchen").click()
    gerda.get_by_label("Im zugesagten Zeitfenster auf").select_option(label="Staßfurt 1")
    gerda.get_by_role("button", name="Buchen", exact=True).click()
    gerda.locator(".success-line", has_text="Neu gebucht: Staßfurt 1").wait_for(timeout=5000)
    page.locator("#problem-count", has_text="0").wait_for(timeout=5000)
    rows = _api(site, token, "GET", "/dispatch/bookings", params={"q": "Gerda Schulze"}).json()["items"]
    new = next(b for b in rows if b["state"] == "CONFIRMED")
    assert (new["vehicle_id"], new["pickup_window"]["earliest"]) == ("sft-1", "2026-11-23T08:30:00+01:00")
    done = {p["rider_name"]: [a["action"] for a in p["actions"]]
            for p in _api(site, token, "GET", "/dispatch/problems", params={"include_resolved": True}).json()}
    assert done == {"Gerda Schulze": ["rebooked"], "Horst Becker": ["called"], "Ilse Wagner": ["cancelled"]}
    assert page_errors(page) == []
