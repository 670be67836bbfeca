"""Warnings in Chromium: the wall and an office show active warnings with their areas and time
left on their own layer; a cancelled or expired warning leaves the map; an office of another
province never sees them; a tablet acknowledges its standby notice.

The warnings are the recorded Banten nowcast re-timed to now and pushed by an agency key
(CONSTRUCTED: times and identifier changed), since a live server runs on the real clock."""

from __future__ import annotations

import re

import pytest
import requests
import sqlalchemy as sa

from tests.browser.conftest import login
from tests.browser.conftest import screenshot
from tests.browser.conftest import wait_live
from tests.browser.conftest import wall_login
from tests.conftest import start_server
from tests.conftest import stop_server
from tests.helpers import wait_for
from tests.server.test_warnings_live import retimed
from tests.server.warnings_support import TABLES
from tests.server.warnings_support import agency_key

pytestmark = pytest.mark.db
BMKG = "cuaca.ekstrem@bmkg.go.id"


@pytest.fixture
def warn_web(database_url, built_assets, engine):
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {TABLES} CASCADE"))
    server = start_server(database_url, KENDALI_SCHEDULER="1",
                          KENDALI_WARNING_ACTIONS="*:*=standby")
    yield server
    stop_server(server)


def push(server, key, body):
    res = requests.post(server.url + "/api/v1/alerts/cap", data=body, headers=key, timeout=30)
    assert res.status_code == 201, res.text
    return res.json()["id"]


def shown(page) -> list[str]:
    return page.eval_on_selector_all("#warnings li.warning",
                                     "els => els.map(e => e.dataset.warningId)")


def test_the_wall_shows_warnings_and_they_leave(warn_web, bapp, new_page):
    key = agency_key(bapp, BMKG)
    page = new_page(1920, 1080)
    wall_login(bapp, page, warn_web.url)
    wait_live(page)
    assert shown(page) == []
    lasting = push(warn_web, key, retimed(300))
    brief = push(warn_web, key, retimed(301, lifetime_s=25))
    page.wait_for_function("() => document.getElementById('warnings-card').dataset.count == '2'",
                           timeout=10000)
    # the card keeps what fits (a third of the column at most) and counts the rest
    shown_n = len(shown(page))
    more = page.locator("#warnings li.more")
    hidden = int(re.search(r"\d+", more.inner_text()).group()) if more.count() else 0
    assert shown_n >= 1 and shown_n + hidden == 2
    card_box = page.locator("#warnings-card").bounding_box()
    for box in [page.locator("#warnings li.warning").first.bounding_box()] + \
            ([more.bounding_box()] if more.count() else []):
        assert box["y"] + box["height"] <= card_box["y"] + card_box["height"] + 1
    assert page.locator("path.kd-warning").count() >= 4  # two polygons each
    card = page.locator(f"#warnings li[data-warning-id='{lasting}']").inner_text()
    assert "Hujan Lebat dan Petir" in card and "Lebakgedong" in card and "WIB" in card
    assert "sisa" in card  # time left
    screenshot(page, "wall-warnings")
    push(warn_web, key, retimed(399, "Cancel", refers=300))
    page.wait_for_function(
        f"() => !document.querySelector(\"#warnings li[data-warning-id='{lasting}']\")",
        timeout=10000)
    # The brief one expires: the scheduler's expiry (every 15 s) or the page's own clock.
    page.wait_for_function("() => !document.querySelector('#warnings li.warning')",
                           timeout=45000)
    assert page.locator("path.kd-warning").count() == 0
    assert [str(brief)] != shown(page)
    page.watch.check()


def test_an_office_sees_only_warnings_touching_its_area(warn_web, bapp, accounts, new_page):
    key = agency_key(bapp, BMKG)
    push(warn_web, key, retimed(310))
    banten = new_page()
    name, pw, _ = accounts("regional", "36")
    login(banten, warn_web.url, name, pw, "/office")
    wait_live(banten)
    banten.wait_for_function("() => document.querySelectorAll('#warnings li.warning').length == 1",
                             timeout=10000)
    jateng = new_page()
    name, pw, _ = accounts("regional", "33")
    login(jateng, warn_web.url, name, pw, "/office")
    wait_live(jateng)
    push(warn_web, key, retimed(311))  # arrives live too
    banten.wait_for_function("() => document.querySelectorAll('#warnings li.warning').length == 2",
                             timeout=10000)
    jateng.wait_for_timeout(1500)
    assert shown(jateng) == [] and jateng.locator("path.kd-warning").count() == 0
    banten.watch.check()
    jateng.watch.check()


def test_a_tablet_acknowledges_its_standby_notice(warn_web, bapp, accounts, engine, new_page):
    from tests.server.warnings_support import responder

    rid = responder(bapp, "tksk", "TKSK Lebakgedong", -6.62, 106.40)  # in 36.02.25
    name, pw, _ = accounts("field", responder_id=rid)
    page = new_page(800, 1280)
    login(page, warn_web.url, name, pw, "/field")
    page.wait_for_selector("#app[data-ready='1']", state="attached", timeout=20000)
    push(warn_web, agency_key(bapp, BMKG), retimed(320))
    page.wait_for_selector("li.assignment.standby button.act-acknowledged", timeout=15000)
    assert "Siaga" in page.locator("li.assignment.standby").inner_text()
    page.click("li.assignment.standby button.act-acknowledged")
    page.wait_for_selector("li.assignment.standby.state-acknowledged", timeout=10000)

    def stored():
        with engine.connect() as conn:
            return conn.execute(sa.text(
                "SELECT d.state, d.kind, r.availability FROM dispatches d JOIN responders r "
                "ON r.id = d.responder_id WHERE d.responder_id = :r"), {"r": rid}).one()

    assert wait_for(lambda: stored()[0] == "acknowledged", timeout=10)  # the queue is sent
    assert stored() == ("acknowledged", "standby", "on_duty")  # standing by is not busy
    screenshot(page, "tablet-standby")
    page.watch.check()
