"""Chromium's websocket to ``/live``: compression agreed without server context takeover, and
compressed frames that Chromium inflates into the events the page shows as live.

Chromium offers ``permessage-deflate`` on every websocket. The server accepts it only with
``server_no_context_takeover`` (each message compressed on its own, once for every client:
``server/realtime/wire.py``); this checks, through the DevTools protocol, that Chromium
accepts that answer and reads a large event sent that way.
"""

import pytest
from sqlalchemy.orm import Session

from server.queries import events as event_queries
from tests.browser.conftest import wait_live
from tests.browser.conftest import wall_login

pytestmark = pytest.mark.db


def test_chromium_agrees_to_shared_compression_and_reads_large_events(web, bapp, engine,
                                                                      new_page):
    page = new_page(1920, 1080)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    handshakes: list[dict] = []
    frames: list[str] = []
    cdp.on("Network.webSocketHandshakeResponseReceived",
           lambda e: handshakes.append(e["response"]["headers"]))
    cdp.on("Network.webSocketFrameReceived",
           lambda e: frames.append(e["response"]["payloadData"]))
    wall_login(bapp, page, web.url)
    wait_live(page)

    with Session(engine) as s:
        row = event_queries.append(s, "wire.browser", ["72.71"],
                                   {"marker": "angin-kencang", "pad": "Palu " * 2000}, None)
        seq = row.seq
        s.commit()
    page.wait_for_function(
        "seq => window.Kendali.live.lastSeq >= seq", arg=seq, timeout=20000)

    extensions = [v for h in handshakes for k, v in h.items()
                  if k.lower() == "sec-websocket-extensions"]
    assert extensions and "permessage-deflate" in extensions[-1]
    assert "server_no_context_takeover" in extensions[-1]
    big = [f for f in frames if "angin-kencang" in f]
    assert big and f'"seq":{seq}' in big[0].replace(" ", "")
    assert len(big[0]) > 10_000, "inflated whole by Chromium"
    assert page.locator("#conn").get_attribute("data-state") == "live"
    page.watch.check()
