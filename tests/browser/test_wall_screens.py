"""Issue 16 on the wall, in Chromium, with the recorded Flores 2021 quakes: a burst ends with
the M7.4 in focus (decided on the events' own fields), a quake the server says is not fresh
never takes the focus or sounds, the card ages and goes quiet, the largest incident is on
screen with "+N lainnya" for the rest, dispatch is one line per incident, every text meets the
5 m size rule, the clock never wraps, a kiosk has no controls; and the README's screenshots
of the wall and of an office during the same quake.

The recorded quakes are old: the server's clock is set as ``tests.helpers.app_at`` does and
the browser's with Playwright's clock; the feed files are never re-timed."""

from __future__ import annotations

import os
import re
import shutil
from datetime import UTC
from datetime import datetime

import pytest
import sqlalchemy as sa

from tests.browser import data
from tests.browser.conftest import DOCS
from tests.browser.conftest import login
from tests.browser.conftest import screenshot
from tests.browser.conftest import wait_live
from tests.browser.conftest import wall_login
from tests.helpers import app_at

pytestmark = pytest.mark.db

FLORES = data.BMKG / "gempaterkini" / "gempaterkini_2021-12-14.json"
#: 06:00 UTC on 14 December 2021: the list's last quake (M5.0, 05:46) is 14 minutes old and
#: the M7.4 (03:20) 2 h 40 min, inside the server's three fresh hours.
FLORES_LATE = datetime(2021, 12, 14, 6, 0, tzinfo=UTC)
DAY = datetime(2021, 12, 14, tzinfo=UTC)

#: The smallest font size (px) of any visible text at 1920×1080: see static/css/wall.css.
MIN_TEXT_PX = """() => {
  const sizes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || el.closest('script, [hidden]')) continue;
    const rect = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!rect.width || !rect.height || style.visibility === 'hidden' || style.display === 'none'
      || rect.bottom <= 0 || rect.top >= innerHeight) continue;
    sizes.push([parseFloat(style.fontSize), node.textContent.trim().slice(0, 30)]);
  }
  sizes.sort((a, b) => a[0] - b[0]);
  return sizes.slice(0, 3);
}"""


def _app(page, name: str) -> str | None:
    return page.evaluate(f"() => document.getElementById('app').dataset.{name} || null")


def _burst(database_url) -> None:
    """The Flores list of that morning in one poll (one transaction, one burst of events):
    the M7.5 revised to M7.4 (tsunami), then the M5.6 and M5.5 aftershocks."""
    data.ingest_feed_file(app_at(database_url, FLORES_LATE), FLORES,
                          keep=lambda s: s.origin_time >= DAY and s.magnitude != 5.0)


def _quake_id(engine, magnitude: float) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT id FROM quakes WHERE magnitude = :m AND origin_time "
                                    ">= :d"), {"m": magnitude, "d": DAY}).scalar_one()


def test_a_burst_of_flores_events_ends_with_the_mainshock_in_focus(
    database_url, web, bapp, engine, accounts, clean, new_page
):
    for i, title in enumerate(["Banjir Palu", "Longsor Sigi", "Kebakaran Palu Barat",
                               "Banjir bandang Palu Utara", "Angin puting beliung Palu"]):
        data.incident(bapp, title=f"{title} (uji {i})")  # moderate: below a quake's severity
    page = new_page(1920, 1080)
    page.clock.install(time=FLORES_LATE)
    wall_login(bapp, page, web.url)
    wait_live(page)
    assert page.locator("button:visible, select:visible").count() == 0  # a kiosk: no controls

    # The M5.0 of 05:46, by a server that calls it old (a freshness window of one minute):
    # `fresh: false`, so no focus and no sound, although the wall's clock finds it recent.
    data.ingest_feed_file(app_at(database_url, FLORES_LATE, INCIDENT_MAX_AGE_S=60.0), FLORES,
                          keep=lambda s: s.origin_time >= DAY and s.magnitude == 5.0)
    page.wait_for_timeout(2500)
    assert _app(page, "focus") is None and _app(page, "beeps") is None
    assert "Tidak ada gempa signifikan" in page.locator("#quake-card").inner_text()

    _burst(database_url)
    mainshock = _quake_id(engine, 7.4)
    page.wait_for_function("(id) => document.getElementById('app').dataset.focus === id",
                           arg=str(mainshock), timeout=15000)
    page.wait_for_timeout(3000)  # every fetch of the burst has returned by now
    assert _app(page, "focus") == _app(page, "quakeId") == str(mainshock)
    assert page.locator(".quake-head .mag").inner_text() == "M 7.4"
    assert _app(page, "beeps") == "1"  # one alert for the burst
    title = page.locator("#quake-title").inner_text()
    assert "GEMPA AKTIF" in title.upper() and "2 jam lalu" in title
    assert "TSUNAMI" in page.locator("#quake-card").inner_text()
    assert page.locator("path.kd-tsunami").count() > 0
    assert "M7.4" in page.locator("#pinned").inner_text()

    # incidents: the quake's (extreme) first, on screen, the rest counted
    with engine.connect() as conn:
        quake_incident, open_count = conn.execute(sa.text(
            "SELECT (SELECT id FROM incidents WHERE quake_id = :q), "
            "(SELECT count(*) FROM incidents WHERE status <> 'closed')"), {"q": mainshock}).one()
    page.wait_for_selector(f"#incidents li.incident[data-incident-id='{quake_incident}']")
    screenshot(page, "wall-flores-burst")
    _incidents_fit(page, quake_incident, open_count, 1080)
    lane = page.locator("#dispatch-lane li").first.inner_text()
    assert re.fullmatch(r".+: \d+/\d+ wilayah terpenuhi( · .+)?", lane), lane
    smallest = page.evaluate(MIN_TEXT_PX)
    assert smallest[0][0] >= 32, smallest  # 1rem at 1920×1080: the 5 m rule
    _clock_on_one_line(page)

    page.set_viewport_size({"width": 1366, "height": 768})
    page.wait_for_timeout(1500)
    _incidents_fit(page, quake_incident, open_count, 768)
    _clock_on_one_line(page)
    screenshot(page, "wall-flores-burst-1366")

    # nine hours later, nothing significant since: the card says so, the M7.4 is the past
    page.clock.fast_forward("09:00:00")
    page.wait_for_function("() => document.getElementById('quake-card').classList"
                           ".contains('quiet')", timeout=10000)
    card = page.locator("#quake-card").inner_text()
    assert "Tidak ada gempa signifikan dalam 6 jam terakhir" in card
    assert "jam lalu" in card and "GEMPA AKTIF" not in card.upper()
    page.watch.check()


def _incidents_fit(page, first_id: int, open_count: int, height: int) -> None:
    items = page.locator("#incidents li.incident")
    assert items.first.get_attribute("data-incident-id") == str(first_id)
    box = items.first.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, box
    shown = items.count()
    more = page.locator("#incidents li.more")
    hidden = int(re.search(r"\d+", more.inner_text()).group()) if more.count() else 0
    assert shown + hidden == open_count
    if more.count():
        last = more.bounding_box()
        assert last["y"] + last["height"] <= height


def _clock_on_one_line(page) -> None:
    lines = page.evaluate("""() => {
      const c = document.getElementById('clock');
      return c.getBoundingClientRect().height / parseFloat(getComputedStyle(c).lineHeight); }""")
    assert lines < 1.5, lines


def test_the_wall_and_an_office_during_the_flores_quake_for_the_readme(
    database_url, web, bapp, engine, accounts, clean, new_page
):
    """The README's pictures: the wall at 1920×1080 and the Nusa Tenggara Timur office during
    the M7.4, with complaints and responders (some acknowledged). docs/wall-quake.png and
    docs/office-quake.png are written when missing or with KENDALI_UPDATE_DOCS=1."""
    data.kendali(database_url, "demo", "complaints", "--count", "4000")
    data.kendali(database_url, "demo", "responders", "--count", "9000")
    wall = new_page(1920, 1080)
    wall.clock.install(time=FLORES_LATE)
    wall_login(bapp, wall, web.url)
    wait_live(wall)
    _burst(database_url)
    wall.wait_for_function("() => document.getElementById('app').dataset.focus", timeout=15000)
    with engine.connect() as conn:
        ids = conn.execute(sa.text("SELECT id FROM dispatches WHERE state = 'notified' "
                                   "ORDER BY id LIMIT 30")).scalars().all()
    for n, did in enumerate(ids):
        data.transition(bapp, did, "acknowledged")
        if n % 3 == 0:
            data.transition(bapp, did, "en_route")
    wall.wait_for_timeout(3500)
    wall_shot = screenshot(wall, "wall-quake-1920")

    name, pw, _ = accounts("regional", "53")  # Nusa Tenggara Timur: Flores is shaken
    office = new_page(1920, 1080)
    office.clock.install(time=FLORES_LATE)
    login(office, web.url, name, pw, "/office")
    wait_live(office)
    office.wait_for_selector("#quake-banner:not([hidden])", timeout=15000)
    office.click("[data-tab=incidents]")
    office.wait_for_selector("#incidents li.incident .chip")
    office.wait_for_timeout(2000)
    office_shot = screenshot(office, "office-quake-1920")
    for shot, name in ((wall_shot, "wall-quake.png"), (office_shot, "office-quake.png")):
        assert shot.stat().st_size > 100_000  # a picture, not a blank page
        target = DOCS / name
        if not target.exists() or os.environ.get("KENDALI_UPDATE_DOCS") == "1":
            shutil.copy(shot, target)
    wall.watch.check()
    office.watch.check()
