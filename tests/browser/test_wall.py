"""The video wall in Chromium: a replayed quake drawn within 2 s of the feed publishing it, a
significant quake taking the focus (with its alert) and giving it back, a burst missed during
a network drop arriving whole, a stale feed impossible to miss. (The focus rule, sizes, and
the README screenshots: test_wall_screens.py.)

Recorded quakes are old: the server's freshness window and the browser's clock are set to
their time (``KENDALI_INCIDENT_MAX_AGE``, Playwright's clock, ``app_at``); the feed files are
never re-timed."""

from __future__ import annotations

import shutil
import time
from datetime import UTC
from datetime import datetime

import pytest
import sqlalchemy as sa

from tests.browser import data
from tests.browser.conftest import screenshot
from tests.browser.conftest import wait_live
from tests.browser.conftest import wall_login
from tests.conftest import start_server
from tests.conftest import stop_server
from tests.helpers import add_events
from tests.helpers import app_at
from tools.replay import ReplayServer

pytestmark = pytest.mark.db

AUTOGEMPA = data.BMKG / "autogempa"
#: Five minutes after the recorded Bengkulu (2022) and Tambrauw (2021) quakes.
BENGKULU_NOW = datetime(2022, 5, 23, 12, 37, tzinfo=UTC)
TAMBRAUW_NOW = datetime(2021, 10, 13, 3, 13, tzinfo=UTC)


@pytest.fixture
def replayed(database_url, built_assets, clean, tmp_path):
    """A BMKG replay (Dompu 2021, then Bengkulu 2022, felt IV) and a server polling it every
    second. Dompu is released first so the feed answers from the first poll: a path that
    still answers 404 would put the poller into its error backoff."""
    for name in (
        "autogempa_2021-10-05_dompu.json",
        "autogempa_2022-05-23_bengkulu_arraywrapped.json",
    ):
        shutil.copy(AUTOGEMPA / name, tmp_path)
    replay = ReplayServer(tmp_path, port=0, speed=0).start(play=False)
    replay.release_next()
    server = start_server(
        database_url,
        KENDALI_FEED_POLLING="1",
        KENDALI_BMKG_URL=replay.url,
        KENDALI_AUTOGEMPA_INTERVAL="1",
        KENDALI_GEMPATERKINI_INTERVAL="3600",
        KENDALI_GEMPADIRASAKAN_INTERVAL="3600",
        KENDALI_WALL_FOCUS_SECONDS="3",
        KENDALI_SCHEDULER="0",
        # the replayed quakes are years old: to this server they are as fresh as they were
        KENDALI_INCIDENT_MAX_AGE="3650d",
    )
    yield server, replay
    stop_server(server)
    replay.stop()


def _quake_drawn(page, previous: str | None, timeout: float):
    page.wait_for_function(
        """(previous) => {
          const app = document.getElementById('app');
          return app.dataset.quakeId && app.dataset.quakeId !== previous &&
            document.querySelectorAll('path.kd-contour').length > 0 &&
            document.querySelectorAll('path.kd-affected').length > 0;
        }""",
        arg=previous,
        timeout=timeout,
        polling=20,
    )
    return page.evaluate("() => document.getElementById('app').dataset.quakeId")


def test_a_replayed_quake_is_on_the_wall_within_two_seconds(replayed, bapp, engine, new_page):
    server, replay = replayed
    page = new_page(1920, 1080)
    page.clock.install(time=BENGKULU_NOW)  # the wall's clock: that evening in 2022
    wall_login(bapp, page, server.url)
    wait_live(page)
    page.wait_for_timeout(1500)  # Dompu (released before the server started) is in, months old
    before = page.evaluate("() => document.getElementById('app').dataset.quakeId || null")

    released = time.monotonic()
    replay.release_next()  # the feed publishes Bengkulu now
    shown = _quake_drawn(page, before, timeout=10000)
    latency = time.monotonic() - released
    print(f"\nBENCH quake_to_wall_s {latency:.2f}")

    with engine.connect() as conn:
        (origin, magnitude) = conn.execute(
            sa.text("SELECT origin_time, magnitude FROM quakes WHERE id = :i"), {"i": int(shown)}
        ).one()
    assert origin.year == 2022 and magnitude == 4.9  # Bengkulu
    assert latency < 2.0, f"quake reached the wall after {latency:.2f} s"
    card = page.locator("#quake-card").inner_text()
    assert "4.9" in card and "Bengkulu" in card and "WIB" in card and "menit lalu" in card
    assert "Tidak ada gempa signifikan" in card  # M4.9, felt IV: the latest, not an alert
    assert not page.locator("#app").get_attribute("data-focus")
    assert "M4.9" in page.locator("#pinned").inner_text()  # pinned above the flow
    screenshot(page, "wall-bengkulu-replay")
    page.watch.check()


def test_a_significant_quake_takes_the_focus_and_gives_it_back(
    replayed, bapp, database_url, new_page
):
    server, _ = replayed
    page = new_page(1920, 1080)
    page.clock.install(time=TAMBRAUW_NOW)
    wall_login(bapp, page, server.url)
    page.goto(server.url + "/wall?kiosk=0")  # the controls, to switch the sound off below
    wait_live(page)
    # Tambrauw, M5.3 at sea: significant (M >= 5), through the same service the poller uses,
    # by a server whose clock stands five minutes after it
    data.ingest_feed_file(app_at(database_url, TAMBRAUW_NOW),
                          AUTOGEMPA / "autogempa_2021-10-13_tambrauw_m5.json")
    page.wait_for_function("() => document.getElementById('app').dataset.focus", timeout=10000)
    assert page.locator("#app").get_attribute("data-beeped")  # the alert sounded (sound on)
    assert "focused" in page.locator("#app").get_attribute("class")
    page.wait_for_timeout(1800)  # the fly-to settles
    screenshot(page, "wall-focus-tambrauw")
    # KENDALI_WALL_FOCUS_SECONDS=3: back to the national view by itself
    page.wait_for_function("() => !document.getElementById('app').dataset.focus", timeout=10000)
    assert "focused" not in page.locator("#app").get_attribute("class")
    # the sound can be turned off, and stays off after a reload
    page.click("#sound-toggle")
    assert page.locator("#sound-toggle").get_attribute("aria-pressed") == "false"
    page.reload()
    wait_live(page)
    assert page.locator("#sound-toggle").get_attribute("aria-pressed") == "false"
    page.watch.check()


def test_a_burst_missed_while_offline_arrives_whole_once_and_in_order(web, bapp, engine, new_page):
    """1,000 events logged while the wall's network is down (socket dropped, reconnection
    impossible) arrive on reconnection: all of them, once each, in order."""
    page = new_page(1280, 720)
    wall_login(bapp, page, web.url)
    wait_live(page)
    page.context.set_offline(True)
    page.evaluate("() => window.Kendali.live.socket.io.engine.close()")  # the network drops
    page.wait_for_function("() => window.Kendali.live.state === 'offline'", timeout=10000)
    burst = [("complaint.updated", [], {"id": -i, "status": "diverifikasi"}) for i in range(1000)]
    seqs = add_events(engine, *burst)
    page.wait_for_timeout(1500)
    page.context.set_offline(False)
    page.wait_for_function(
        "() => (window.Kendali.live.stats['complaint.updated'] || {}).count >= 1000",
        timeout=60000,
    )
    page.wait_for_timeout(500)
    stats = page.evaluate("() => window.Kendali.live.stats['complaint.updated']")
    dropped = page.evaluate("() => window.Kendali.live.dropped")
    assert stats["count"] == 1000 and stats["sum"] == sum(seqs)
    assert (stats["first"], stats["last"]) == (seqs[0], seqs[-1])
    assert dropped == 0  # nothing sent twice
    assert page.evaluate("() => window.Kendali.live.state") == "live"
    # a thousand ticker lines later the ticker still holds its 30, newest first
    assert page.locator("#ticker li").count() == 30
    assert page.locator("#ticker li").first.get_attribute("data-seq") == str(seqs[-1])
    page.watch.check(allow=("ERR_INTERNET_DISCONNECTED",))


def test_the_last_24_hours_play_back_on_the_wall(web, bapp, engine, new_page):
    page = new_page(1920, 1080)
    wall_login(bapp, page, web.url)
    page.goto(web.url + "/wall?kiosk=0")  # a kiosk has no playback button
    wait_live(page)
    add_events(
        engine,
        *[
            (
                "complaint.created",
                ["72", "72.71"],
                {
                    "id": -100 - i,
                    "channel": "jaga_bansos",
                    "category": "PKH",
                    "status": "baru",
                    "area": {"province": "72", "regency": "72.71", "district": None},
                    "point": [119.87 + i / 100, -0.9],
                    "overdue": False,
                },
            )
            for i in range(5)
        ],
    )
    page.wait_for_timeout(500)
    page.select_option("#playback [data-speed]", "600")
    page.click("#playback [data-play]")
    page.wait_for_selector("#ticker li.pb", timeout=15000)
    page.wait_for_selector("path.kd-pb-complaint", state="attached", timeout=15000)
    assert "playback-on" in page.locator("#app").get_attribute("class")
    assert page.locator("#playback [data-clock]").inner_text().endswith("WIB")
    screenshot(page, "wall-playback")
    page.click("#playback [data-stop]")
    page.wait_for_function("() => !document.querySelector('#ticker li.pb')")
    assert page.locator("path.kd-pb").count() == 0  # the playback layer is cleared
    page.watch.check()


def test_a_stale_feed_is_impossible_to_miss(web, bapp, engine, new_page):
    page = new_page(1920, 1080)
    wall_login(bapp, page, web.url)
    wait_live(page)
    assert page.locator("#feed-banner").is_hidden()
    add_events(
        engine,
        (
            "feed.stale",
            [],
            {"feed": "autogempa", "since": "2026-11-28T01:00:00Z", "error": "HTTP 503"},
        ),
    )
    page.wait_for_selector("#feed-banner", state="visible", timeout=5000)
    banner = page.locator("#feed-banner").inner_text()
    assert "BMKG" in banner and "autogempa" in banner and "08:00:00 WIB" in banner
    assert "feed-stale" in page.locator("#app").get_attribute("class")
    box = page.locator("#feed-banner").bounding_box()
    assert box["width"] > 1800 and box["height"] > 40  # across the screen, big type
    screenshot(page, "wall-feed-stale")
    add_events(engine, ("feed.recovered", [], {"feed": "autogempa"}))
    page.wait_for_selector("#feed-banner", state="hidden", timeout=5000)
    page.watch.check()
