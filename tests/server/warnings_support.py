"""Shared by the warning tests: the recorded CAP messages, a feed server on loopback, an app on
a settable clock, responders, agency keys and SQL peeks."""

from __future__ import annotations

import threading
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import make_app
from tests.server.dispatch_support import q  # noqa: F401 - shared with the warnings tests
from tests.server.dispatch_support import responder  # noqa: F401 - idem

CAP = Path(__file__).resolve().parents[1] / "fixtures" / "cap"
BANTEN = CAP / "bmkg_CBT20260216004_banten.xml"
JATENG = CAP / "bmkg_CJG20260216005_jateng.xml"
RSS = CAP / "bmkg_nowcast_rss_2026-02-16.xml"
BMKG_BASE = "https://www.bmkg.go.id/alerts/nowcast/id/"
#: 23:20 WIB on 2026-02-16: both recorded nowcasts are in force (Banten until 02:00 WIB,
#: Jawa Tengah until 01:00 WIB).
NOWCAST_NOW = datetime(2026, 2, 16, 16, 20, tzinfo=UTC)
TABLES = ("warnings, warning_rejections, incident_warnings, responders, incidents, dispatches, "
          "notification_deliveries, responder_positions, feed_state")
#: Every warning of the tests' table calls for standby at least (the built-in one shows
#: moderate weather only); extreme weather opens an incident.
STANDBY_TABLE = ["*:*=standby", "*:extreme=incident", "tsunami:severe=incident"]


class Clock:
    def __init__(self, now: datetime = NOWCAST_NOW):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


class FeedServer:
    """Serves files at paths (with ETags), records requests; real HTTP on loopback."""

    def __init__(self):
        self.routes: dict[str, tuple[int, bytes]] = {}
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append(self.path)
                status, body = outer.routes.get(self.path, (404, b"not found"))
                etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
                if status == 200 and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Content-Type", "application/xml")
                if status == 200:
                    self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_port}/alerts/nowcast/id/"

    def serve(self, name: str, body: bytes, status: int = 200) -> None:
        self.routes["/alerts/nowcast/id/" + name] = (status, body)

    def serve_recorded_feed(self) -> None:
        """BMKG's recorded RSS with its links pointing here (the only change), and the two
        recorded messages it lists; the third item has no file (404), as recorded."""
        self.serve("rss.xml", RSS.read_bytes().replace(BMKG_BASE.encode(), self.base.encode()))
        self.serve("CBT20260216004_alert.xml", BANTEN.read_bytes())
        self.serve("CJG20260216005_alert.xml", JATENG.read_bytes())

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def feed_server():
    server = FeedServer()
    yield server
    server.close()


@pytest.fixture
def clock():
    return Clock()


#: The event log is shared by the whole session (other tests' servers write to it): a test
#: reads only what was logged after its own start.
_start = {"seq": 0}


@pytest.fixture
def wapp(database_url, engine, clock):
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {TABLES} CASCADE"))
        last = conn.execute(sa.text("SELECT coalesce(max(seq), 0) FROM event_log")).scalar()
    _start["seq"] = last
    return make_app(database_url, CLOCK=clock, WARNING_ACTIONS=STANDBY_TABLE)


def logged(engine, select, where, **params):
    """`SELECT <select> FROM event_log WHERE <where>`, over this test's events only."""
    return q(engine, f"SELECT {select} FROM event_log WHERE seq > :since AND ({where})",
             since=_start["seq"], **params)


def agency_key(app, agency):
    from server.extensions import db
    from server.services import accounts

    with app.app_context():
        session = db.session()
        _, key = accounts.create_agency_key(session, "test", agency)
        session.close()
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/cap+xml"}


def receive(app, payload: bytes, source="poll", origin="test"):
    from server.extensions import db
    from server.services import warnings

    with app.app_context():
        session = db.session()
        try:
            outcome = warnings.receive(session, payload, source, origin)
            return outcome.warning.id, outcome.created
        finally:
            session.close()
