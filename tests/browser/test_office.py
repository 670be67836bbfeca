"""The regional office in Chromium: its own area only (lists, map counts, live stream), text
from outside shown as text, status changes with a note, exports of what is on screen."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import uuid

import pytest
import sqlalchemy as sa

from tests.browser import data
from tests.browser.conftest import login
from tests.browser.conftest import screenshot
from tests.browser.conftest import wait_live

pytestmark = pytest.mark.db

XSS = "<img src=x onerror=alert(1)>"


def _record_bodies(page) -> list[str]:
    """Every API answer and socket frame the page receives, as text."""
    seen: list[str] = []

    def on_response(res):
        if "/api/" in res.url or "/socket.io/" in res.url:
            with contextlib.suppress(Exception):  # redirects and aborts have no body
                seen.append(res.text())

    page.on("response", on_response)
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived",
            lambda payload: seen.append(
                payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
            ),
        ),
    )
    return seen


def test_a_regional_office_never_sees_another_province(web, bapp, accounts, clean, new_page):
    key = data.channel_key(bapp)
    tag = uuid.uuid4().hex[:6]
    palu = [
        data.complaint(web.url, key, data.PALU, f"PALU-{tag}-{i} bantuan belum diterima")
        for i in range(3)
    ]
    bandung = [
        data.complaint(web.url, key, data.BANDUNG, f"BANDUNG-{tag}-{i} bantuan") for i in range(3)
    ]
    assert {c["area"]["province"]["code"] for c in palu} == {"72"}
    assert {c["area"]["province"]["code"] for c in bandung} == {"32"}

    name, pw, _ = accounts("regional", "72")
    page = new_page(1600, 900)
    bodies = _record_bodies(page)
    login(page, web.url, name, pw, "/office")
    wait_live(page)
    page.wait_for_selector("#complaints li[data-id]")
    listed = {
        int(x)
        for x in page.locator("#complaints li[data-id]").evaluate_all(
            "nodes => nodes.map(n => n.dataset.id)"
        )
    }
    assert {c["id"] for c in palu} <= listed
    assert not listed & {c["id"] for c in bandung}
    # the map: exact counts, and what the counts add up to is what is in view
    page.wait_for_function("() => document.getElementById('app').dataset.mapTotal")
    total = int(page.locator("#app").get_attribute("data-map-total"))
    assert total == int(page.locator("#app").get_attribute("data-map-sum")) == 3
    assert page.locator("[data-tab=unplaced]").count() == 0  # national staff only

    # live: a new Palu complaint arrives, a new Bandung one never does
    other = data.complaint(web.url, key, data.BANDUNG, f"BANDUNG-{tag}-live")
    mine = data.complaint(web.url, key, data.PALU, f"PALU-{tag}-live")
    page.wait_for_selector(
        f"#ticker li.tick-complaint-created >> text=#{mine['id']}", state="attached", timeout=10000
    )
    page.wait_for_function(
        "() => document.getElementById('app').dataset.mapTotal === '4'", timeout=10000
    )
    page.wait_for_timeout(500)
    ticker = page.locator("#ticker").inner_text()
    assert f"#{other['id']}" not in ticker

    # nothing of Jawa Barat anywhere: not in the page, not in any answer or socket frame
    page.wait_for_timeout(500)
    text = page.locator("body").inner_text()
    everything = "\n".join(bodies)
    assert "BANDUNG" not in text and f"BANDUNG-{tag}" not in everything
    for c in [*bandung, other]:
        assert c["external_id"] not in everything
        assert f'"id": {c["id"]}, "channel"' not in everything  # no complaint.* event
    assert '"32.73' not in everything and '"32"' not in everything
    screenshot(page, "office-regional-72")
    page.watch.check()


def test_a_description_with_markup_is_shown_as_text(web, bapp, accounts, clean, new_page):
    key = data.channel_key(bapp, "sp4n_lapor")
    item = data.complaint(web.url, key, data.PALU, XSS)
    name, pw, _ = accounts("operator")
    page = new_page(1600, 900)
    login(page, web.url, name, pw, "/office")
    wait_live(page)
    row = page.locator(f"#complaints li[data-id='{item['id']}']")
    row.wait_for()
    assert row.locator(".desc").inner_text() == XSS
    row.click()
    page.wait_for_selector(f"#detail[data-id='{item['id']}']")
    assert page.locator("#detail .desc.full").inner_text() == XSS
    page.wait_for_timeout(800)  # an injected image would have failed and fired by now
    assert page.locator("img").count() == 0  # no element was made from the text
    assert page.watch.dialogs == []
    screenshot(page, "office-markup-as-text")
    page.watch.check()


def test_status_change_with_a_note_and_exports(web, bapp, accounts, engine, clean, new_page):
    key = data.channel_key(bapp, "ditjen")
    items = [
        data.complaint(web.url, key, data.PALU, f'Keluhan {i}, "kutip"; =SUM(A1)') for i in range(2)
    ]
    name, pw, _ = accounts("operator")
    page = new_page(1600, 900, accept_downloads=True)
    login(page, web.url, name, pw, "/office?lang=en")
    wait_live(page)
    target = items[0]["id"]
    page.locator(f"#complaints li[data-id='{target}']").click()
    page.wait_for_selector(f"#detail[data-id='{target}'] form.status-form")
    page.select_option("#detail select[name=status]", "diverifikasi")
    page.fill("#detail textarea[name=note]", "Dicek ke desa, data KKS cocok.")
    page.click("#detail form.status-form button[type=submit]")
    page.wait_for_selector(f"#complaints li[data-id='{target}'][data-status='diverifikasi']")
    with engine.connect() as conn:
        status, note = conn.execute(
            sa.text(
                "SELECT c.status, t.note FROM complaints c JOIN complaint_timeline t "
                "ON t.complaint_id = c.id WHERE c.id = :i AND t.note IS NOT NULL"
            ),
            {"i": target},
        ).one()
    assert (status, note) == ("diverifikasi", "Dicek ke desa, data KKS cocok.")
    # a transition that is not allowed is refused with the server's reason, nothing changes
    page.select_option("#detail select[name=status]", "ditolak")  # needs a reason
    page.click("#detail form.status-form button[type=submit]")
    page.wait_for_selector("#detail form.status-form .error:not(:empty)")

    with page.expect_download() as dl:
        page.click("#export-csv")
    rows = list(csv.DictReader(io.StringIO(dl.value.path().read_text("utf-8-sig"))))
    by_id = {int(r["id"]): r for r in rows}
    assert set(by_id) >= {i["id"] for i in items}
    assert by_id[target]["status"] == "diverifikasi"
    assert by_id[items[1]["id"]]["description"] == 'Keluhan 1, "kutip"; =SUM(A1)'
    with page.expect_download() as dl:
        page.click("#export-geojson")
    body = json.loads(dl.value.path().read_text())
    assert body["type"] == "FeatureCollection" and len(body["features"]) == len(rows)
    api = page.locator("#export-api").get_attribute("href")
    assert api.startswith("/api/v1/complaints?") and "limit=1000" in api
    screenshot(page, "office-status-change")
    page.watch.check(allow=("400", "409"))


def test_the_unplaced_queue_places_a_complaint(web, bapp, accounts, engine, clean, new_page):
    key = data.channel_key(bapp)
    res = data.complaint(
        web.url,
        key,
        None,
        "Alamat tidak jelas",
        location={"regency": "Bandung", "address": "Jl. Merdeka 1"},
    )
    assert res["area"]["district"] is None
    name, pw, _ = accounts("operator")
    page = new_page(1600, 900)
    login(page, web.url, name, pw, "/office")
    wait_live(page)
    page.click("[data-tab=unplaced]")
    item = page.locator(f"#unplaced li[data-id='{res['id']}']")
    item.wait_for()
    assert "Jl. Merdeka 1" in item.inner_text() and "32.73" in item.inner_text()
    item.locator("input[name=district]").fill("32.73.02")
    item.locator("button").first.click()
    item.wait_for(state="detached")
    with engine.connect() as conn:
        placed = conn.execute(
            sa.text("SELECT district_code, placement FROM complaints WHERE id = :i"),
            {"i": res["id"]},
        ).one()
    assert tuple(placed) == ("32.73.02", "manual")
    screenshot(page, "office-unplaced")
    page.watch.check()
