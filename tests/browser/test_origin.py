"""A page of another origin cannot read a signed-in operator's live stream (issue 15).

The browser sends the session cookie with a WebSocket to the same host whatever the page's
port (cookies are not per port, and SameSite counts the host only), so the socket's Origin
check is what stands between the two. Real Chromium, a real server, a real foreign page."""

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler
from http.server import ThreadingHTTPServer

import pytest

from server.platform.settings import PROJECT_ROOT
from tests.browser.conftest import login
from tests.browser.conftest import wait_live

pytestmark = pytest.mark.db

CLIENT = PROJECT_ROOT / "static" / "vendor" / "socket.io" / "socket.io.min.js"
PAGE = """<!doctype html><meta charset="utf-8"><title>elsewhere</title>
<script src="/socket.io.min.js"></script>
<script>
  window.outcome = null; window.events = 0;
  const socket = io("KENDALI/live", {transports: ["websocket"], withCredentials: true,
                                     reconnection: false});
  socket.on("connect", () => { window.outcome = "connected"; });
  socket.on("connect_error", (err) => { window.outcome = "refused: " + err.message; });
  socket.on("synced", () => { window.outcome = "synced"; });
  socket.on("event", () => { window.events += 1; });
</script>
"""


@pytest.fixture
def elsewhere(web, tmp_path):
    """A plain web server on another port of the same host, serving the attacker's page."""
    (tmp_path / "index.html").write_text(PAGE.replace("KENDALI", web.url))
    (tmp_path / "socket.io.min.js").write_bytes(CLIENT.read_bytes())
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_a_page_on_another_port_cannot_open_the_live_socket(web, elsewhere, accounts,
                                                             new_page):
    name, pw, _ = accounts("operator")
    page = new_page(1280, 800)
    login(page, web.url, name, pw, "/office")
    wait_live(page)  # the session works on Kendali's own origin
    page.goto(elsewhere)
    page.wait_for_function("() => window.outcome !== null", timeout=15000)
    outcome = page.evaluate("window.outcome")
    assert outcome.startswith("refused"), outcome
    page.wait_for_timeout(500)
    assert page.evaluate("window.events") == 0
