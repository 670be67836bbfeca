"""The field tablet in Chromium: acknowledging an assignment shows on the wall at once, and
the tablet keeps working offline, sending its queued actions in order when it is back."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from tests.browser import data
from tests.browser.conftest import login
from tests.browser.conftest import screenshot
from tests.browser.conftest import wait_live
from tests.browser.conftest import wall_login

pytestmark = pytest.mark.db


@pytest.fixture
def assignment(bapp, accounts, engine, clean):
    """Two responders near Palu, a flood incident there (both notified), and a field
    account for the first: returns (username, password, dispatch id)."""
    agus = data.responder(bapp, "tagana", "Agus Tagana", -0.90, 119.87)
    data.responder(bapp, "tksk", "Siti TKSK", -0.95, 119.90)
    iid = data.incident(bapp)
    with engine.connect() as conn:
        did = conn.execute(
            sa.text("SELECT id FROM dispatches WHERE incident_id = :i AND responder_id = :r"),
            {"i": iid, "r": agus},
        ).scalar_one()
    name, pw, _ = accounts("field", None, agus)
    return name, pw, did


def _state(engine, did):
    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT state FROM dispatches WHERE id = :i"), {"i": did}
        ).scalar_one()


def test_an_acknowledgement_on_the_tablet_shows_on_the_wall(web, bapp, assignment, new_page):
    name, pw, did = assignment
    wall = new_page(1920, 1080)
    wall_login(bapp, wall, web.url)
    wait_live(wall)
    # the wall summarises dispatch per incident: people who acknowledged, the latest change
    wall.wait_for_selector("#incidents li.incident[data-acked='0']", timeout=10000)

    tablet = new_page(1280, 800, has_touch=True, is_mobile=False)
    login(tablet, web.url, name, pw, "/field")
    wait_live(tablet)
    card = tablet.locator(f"li.assignment[data-id='{did}']")
    card.wait_for()
    assert "km" in card.locator(".way").inner_text()  # distance and direction
    screenshot(tablet, "field-notified")
    started = time.monotonic()
    card.locator("button.act-ack").tap()
    wall.wait_for_selector("#incidents li.incident[data-acked='1']", timeout=10000)
    print(f"\nBENCH tablet_ack_to_wall_s {time.monotonic() - started:.2f}")
    tablet.wait_for_selector(f"li.assignment[data-id='{did}'][data-state='acknowledged']")
    assert tablet.locator("#app").get_attribute("data-pending") == "0"
    assert "1 orang menerima" in wall.locator("#incidents li.incident").inner_text()
    assert "Agus Tagana menerima" in wall.locator("#dispatch-lane").inner_text()
    screenshot(wall, "wall-after-ack")
    screenshot(tablet, "field-acknowledged")
    wall.watch.check()
    tablet.watch.check()


def test_the_tablet_works_offline_and_sends_its_queue(web, assignment, engine, new_page):
    name, pw, did = assignment
    tablet = new_page(1280, 800, has_touch=True)
    login(tablet, web.url, name, pw, "/field")
    wait_live(tablet)
    tablet.wait_for_selector(f"li.assignment[data-id='{did}']")
    # the service worker holds the page and its assets
    tablet.wait_for_function(
        "() => document.getElementById('app').dataset.cached > 0", timeout=15000
    )
    context = tablet.context
    context.set_offline(True)
    tablet.reload()  # the page itself comes from the service worker now
    tablet.wait_for_selector("#app[data-ready='1']", state="attached")
    assert tablet.locator("#net").inner_text() == "LURING"
    card = tablet.locator(f"li.assignment[data-id='{did}']")
    card.locator("button.act-ack").tap()  # queued: acknowledge ...
    tablet.wait_for_selector(f"li.assignment[data-id='{did}'][data-shown='acknowledged']")
    tablet.locator(f"li.assignment[data-id='{did}'] button.act-en_route").tap()  # ... then go
    tablet.wait_for_function("() => document.getElementById('app').dataset.pending === '2'")
    assert tablet.locator("#pending").is_visible()
    assert "2" in tablet.locator("#pending-count").inner_text()
    screenshot(tablet, "field-offline-pending")
    time.sleep(1)
    assert _state(engine, did) == "notified"  # nothing reached the server

    context.set_offline(False)  # back online: sent in order, acknowledged before en route
    tablet.wait_for_function(
        "() => document.getElementById('app').dataset.pending === '0'", timeout=20000
    )
    assert _state(engine, did) == "en_route"
    with engine.connect() as conn:
        types = (
            conn.execute(
                sa.text(
                    "SELECT type FROM event_log WHERE type LIKE 'dispatch.%' AND "
                    "(payload->>'id')::bigint = :i ORDER BY seq"
                ),
                {"i": did},
            )
            .scalars()
            .all()
        )
    assert types[-2:] == ["dispatch.acknowledged", "dispatch.en_route"]
    tablet.wait_for_selector(f"li.assignment[data-id='{did}'][data-state='en_route']")
    assert tablet.locator("#pending").is_hidden()
    screenshot(tablet, "field-back-online")
    tablet.watch.check(allow=("ERR_INTERNET_DISCONNECTED", "Failed to fetch"))
