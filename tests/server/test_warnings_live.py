"""A new CAP message on the feed reaches the wall's live stream: the real poller (leader
elected, 1 s interval) in a real ``kendali serve`` process, the feed on loopback, a live
Socket.IO client. Also measured: the time from publishing to the event (printed; the speed
target itself lives in the bench, not here).

The messages are the recorded Banten nowcast re-timed to now (CONSTRUCTED: its sent, effective
and expires moved; a new identifier per round), since a live server runs on the real clock."""

import random
import statistics
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa

from tests.conftest import start_server
from tests.conftest import stop_server
from tests.helpers import bearer
from tests.helpers import token_for
from tests.helpers import wait_for
from tests.server.test_live_stream import Stream
from tests.server.warnings_support import BANTEN
from tests.server.warnings_support import TABLES
from tests.server.warnings_support import feed_server  # noqa: F401 - fixture

WIB = timedelta(hours=7)
ROUNDS = 8


def retimed(n: int, kind: str = "Alert", refers: int | None = None,
            lifetime_s: float = 3 * 3600) -> bytes:
    now = datetime.now(UTC).replace(microsecond=0)
    local = lambda t: (t + WIB).strftime("%Y-%m-%dT%H:%M:%S+07:00")  # noqa: E731
    doc = BANTEN.read_text(encoding="utf-8")
    doc = doc.replace("2026.02.16.16.36.004<", f"2026.02.16.16.36.{n:03d}<")
    doc = doc.replace("2026-02-16T22:50:00+07:00", local(now))
    doc = doc.replace("2026-02-16T23:00:00+07:00", local(now))
    doc = doc.replace("2026-02-17T02:00:00+07:00", local(now + timedelta(seconds=lifetime_s)))
    if kind != "Alert":
        doc = doc.replace("<msgType>Alert</msgType>", (
            f"<msgType>{kind}</msgType><scope>Public</scope><references>"
            f"cuaca.ekstrem@bmkg.go.id,2.49.0.1.360.0.2026.02.16.16.36.{refers:03d},"
            f"{local(now)}</references>")).replace("  <scope>Public</scope>\n", "", 1)
    return doc.encode()


def rss(feed, items: list[int]) -> bytes:
    entries = "".join(
        f"<item><title>n{n}</title><link>{feed.base}m{n}.xml</link>"
        f"<guid isPermaLink='false'>2.49.0.1.360.0.2026.02.16.16.36.{n:03d}</guid></item>"
        for n in items)
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>{entries}"
            "</channel></rss>").encode()


@pytest.fixture
def cap_live(database_url, engine, feed_server):  # noqa: F811
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {TABLES} CASCADE"))
    feed_server.serve("rss.xml", rss(feed_server, []))
    server = start_server(database_url, KENDALI_FEED_POLLING="1", KENDALI_CAP_INTERVAL="1",
                          KENDALI_CAP_SOURCES=feed_server.base + "rss.xml",
                          KENDALI_BMKG_URL=feed_server.base + "nothing/")
    yield server
    stop_server(server)


def test_a_new_message_on_the_feed_reaches_the_wall(cap_live, feed_server, accounts):  # noqa: F811
    operator = token_for(cap_live.url, *accounts("operator")[:2])
    wall = Stream(cap_live.url, operator).connect()
    other = Stream(cap_live.url, token_for(cap_live.url, *accounts("regional", "33")[:2]))
    other.connect()
    try:
        assert wait_for(lambda: wall.synced and other.synced, timeout=10)
        delays, listed = [], []
        for n in range(100, 100 + ROUNDS):
            time.sleep(random.random())  # publish at any moment of the poller's second
            feed_server.serve(f"m{n}.xml", retimed(n))
            listed.append(n)
            published = time.monotonic()
            feed_server.serve("rss.xml", rss(feed_server, listed))

            def arrived(n=n):
                return any(e["type"] == "warning.created" and e["payload"]["identifier"]
                           .endswith(f".{n:03d}") for e in wall.events)

            assert wait_for(arrived, timeout=15), [e["type"] for e in wall.events]
            delays.append(time.monotonic() - published)
        print(f"\nfeed -> wall (warning.created), {ROUNDS} rounds: median "
              f"{statistics.median(delays):.2f} s, max {max(delays):.2f} s, all "
              + ", ".join(f"{d:.2f}" for d in delays))
        # The Jawa Tengah office is not told about Banten's warnings.
        assert not [e for e in other.events if e["type"].startswith("warning.")]
        # A cancellation on the feed takes the warning off the wall.
        feed_server.serve("m199.xml", retimed(199, "Cancel", refers=100))
        feed_server.serve("rss.xml", rss(feed_server, [*listed, 199]))
        assert wait_for(lambda: any(e["type"] == "warning.cancelled" for e in wall.events),
                        timeout=15)
        # feed details are for signed-in users (the public /healthz is status and counts)
        health = requests.get(cap_live.url + "/healthz", headers=bearer(operator),
                              timeout=10).json()
        assert health["warnings"]["active"] == ROUNDS - 1
        assert health["feeds"]["cap:127.0.0.1"]["records_accepted"] == ROUNDS + 1
    finally:
        wall.drop()
        other.drop()
