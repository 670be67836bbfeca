"""The BMKG poller against a hostile feed server (real HTTP on loopback)."""

import threading
import time
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from server.jobs import feed
from server.queries import feeds as feed_queries
from tests.conftest import SHARED
from tests.conftest import make_app
from tests.helpers import wait_for

BMKG = SHARED / "data" / "bmkg"


class Hostile:
    """A feed server whose answer per path the test sets: (status, body, delay, trickle)."""

    def __init__(self):
        self.routes: dict[str, tuple] = {}
        self.requests: list[dict] = []
        hostile = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                hostile.requests.append({"path": self.path, **dict(self.headers)})
                status, body, delay, trickle, headers = hostile.routes.get(
                    self.path, (404, b"not found", 0, False, {})
                )
                time.sleep(delay)
                etag = headers.get("ETag")
                if etag and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    if trickle:
                        for i in range(len(body)):
                            self.wfile.write(body[i : i + 1])
                            self.wfile.flush()
                            time.sleep(0.05)
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/DataMKG/TEWS/"

    def set(self, path, status=200, body=b"", delay=0.0, trickle=False, headers=None):
        self.routes[f"/DataMKG/TEWS/{path}"] = (status, body, delay, trickle, headers or {})

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hostile():
    server = Hostile()
    yield server
    server.close()


@pytest.fixture
def feed_app(database_url, engine, hostile):
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE quakes CASCADE"))
        conn.execute(sa.text("TRUNCATE feed_state"))
    return make_app(
        database_url, BMKG_URL=hostile.url, FEED_TIMEOUT=(0.5, 0.5), FEED_STALE_AFTER_S=0.0
    )


def poll(app, name="autogempa"):
    from server.extensions import db

    with app.app_context():
        poller = feed.Poller(app, db.session, rng=lambda: 0.5)
        return poller.poll(name, 10.0)


def state(engine, name="autogempa"):
    with engine.connect() as conn:
        return (
            conn.execute(sa.text("SELECT * FROM feed_state WHERE name = :n"), {"n": name})
            .mappings()
            .first()
        )


def count(engine, sql):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar()


DOMPU = (BMKG / "autogempa" / "autogempa_2021-10-05_dompu.json").read_bytes()

HOSTILE = {
    "html error page": dict(status=200, body=b"<html><body>502 Bad Gateway</body></html>"),
    "truncated JSON": dict(body=DOMPU[: len(DOMPU) // 2]),
    "empty body": dict(body=b""),
    "server error": dict(status=500, body=b"Internal Server Error"),
    "not found": dict(status=404, body=b"nope"),
    "timeout": dict(body=DOMPU, delay=1.5),
    "slow body": dict(body=DOMPU, trickle=True),
    "a JSON number": dict(body=b"42"),
    "odd record": dict(body=b'{"Infogempa": {"gempa": {"Magnitude": "abc"}}}'),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_the_poller_survives_anything_and_stores_nothing_half_parsed(
    feed_app, hostile, engine, case
):
    hostile.set("autogempa.json", **HOSTILE[case])
    started = time.monotonic()
    delay = poll(feed_app)
    assert time.monotonic() - started < 5, "a hostile server must not hang the poller"
    st = state(engine)
    assert count(engine, "SELECT count(*) FROM quakes") == 0
    if case == "odd record":  # a feed with a bad record: the record is rejected, not the feed
        assert st["records_rejected"] == 1 and st["consecutive_failures"] == 0
        return
    assert st["consecutive_failures"] == 1 and st["last_error"]
    assert delay >= 10.0 * 0.8  # backed off from the interval, with jitter
    # and the next good answer is taken
    hostile.set("autogempa.json", body=DOMPU)
    poll(feed_app)
    assert count(engine, "SELECT count(*) FROM quakes") == 1
    assert state(engine)["consecutive_failures"] == 0


def _admin(app, accounts) -> dict:
    name, pw, _ = accounts("admin")
    res = app.test_client().post("/api/v1/auth/token", json={"username": name, "password": pw})
    return {"Authorization": f"Bearer {res.json['token']}"}


def test_stale_and_recovered_events_and_healthz(feed_app, hostile, engine, accounts):
    admin = _admin(feed_app, accounts)
    start = count(engine, "SELECT coalesce(max(seq), 0) FROM event_log")
    hostile.set("autogempa.json", status=503, body=b"down")
    poll(feed_app)
    poll(feed_app)
    assert state(engine)["stale"] is True
    health = feed_app.test_client().get("/healthz", headers=admin).json["feeds"]["autogempa"]
    assert health["stale"] is True and health["consecutive_failures"] == 2
    assert "503" in health["last_error"]
    hostile.set("autogempa.json", body=DOMPU)
    poll(feed_app)
    with engine.connect() as conn:
        kinds = (
            conn.execute(
                sa.text("SELECT type FROM event_log WHERE seq > :s ORDER BY seq"), {"s": start}
            )
            .scalars()
            .all()
        )
    assert [k for k in kinds if k.startswith("feed.")] == ["feed.stale", "feed.recovered"]
    health = feed_app.test_client().get("/healthz", headers=admin).json["feeds"]["autogempa"]
    assert health["stale"] is False and health["last_success"]


def test_the_status_never_repeats_what_the_feed_sent(feed_app, hostile, engine):
    """Issue 15: a snippet of the page found was copied into last_error (and feed.stale)."""
    start = count(engine, "SELECT coalesce(max(seq), 0) FROM event_log")
    page = b"<html><body><h1>502 Bad Gateway</h1><script>alert(1)</script></body></html>"
    for body in (page, b"<Pwned attr='x'/>", b'{"pwned-key": 1}'):
        hostile.set("autogempa.json", body=body)
        poll(feed_app)
        error = state(engine)["last_error"]
        assert error in ("an HTML page, not a feed", "XML root is not <Infogempa>",
                         "unknown JSON object"), error
    with engine.connect() as conn:
        stale = conn.execute(sa.text("SELECT payload::text FROM event_log WHERE seq > :s AND "
                                     "type = 'feed.stale'"), {"s": start}).scalars().all()
    assert stale and not any("Bad Gateway" in p or "alert" in p or "Pwned" in p for p in stale)


def test_redirects_are_followed_on_the_feeds_own_host_only(feed_app, hostile, engine):
    elsewhere = Hostile()
    try:
        elsewhere.set("autogempa.json", body=DOMPU)
        away = f"http://localhost:{elsewhere.server.server_port}/DataMKG/TEWS/autogempa.json"
        hostile.set("autogempa.json", status=302, headers={"Location": away})
        poll(feed_app)
        assert elsewhere.requests == []  # never contacted
        assert state(engine)["last_error"] == "HTTP 302: redirect to another host refused"
        assert count(engine, "SELECT count(*) FROM quakes") == 0
        hostile.set("autogempa.json", status=301, headers={"Location": "moved/autogempa.json"})
        hostile.set("moved/autogempa.json", body=DOMPU)
        poll(feed_app)
        assert count(engine, "SELECT count(*) FROM quakes") == 1
        assert state(engine)["consecutive_failures"] == 0
    finally:
        elsewhere.close()


def test_conditional_requests_and_unchanged_bodies(feed_app, hostile, engine):
    hostile.set("autogempa.json", body=DOMPU, headers={"ETag": '"v1"'})
    poll(feed_app)
    poll(feed_app)
    assert hostile.requests[-1].get("If-None-Match") == '"v1"'
    assert count(engine, "SELECT count(*) FROM quakes") == 1
    assert count(engine, "SELECT times_seen FROM quake_sightings") == 1  # 304: not re-read
    assert state(engine)["records_accepted"] == 1


def test_backoff_grows_and_is_capped():
    delays = [feed.backoff(10, n, 300, 0.5) for n in range(1, 10)]
    assert delays[:3] == [10, 20, 40] and delays[-1] == 300
    assert feed.backoff(10, 1, 300, 0.0) == pytest.approx(8)
    assert feed.backoff(10, 1, 300, 1.0) == pytest.approx(12)


def test_a_failing_feed_is_retried_within_a_few_of_its_own_intervals(feed_app, engine,
                                                                     hostile):
    """autogempa (every 10 s) is retried at most 30 s apart however long it fails, and a
    restarted poller (a new leader, a restart) starts from a clean retry state: it polls at
    once and backs off from the start again, while /healthz keeps the failure count."""
    from server.extensions import db

    hostile.set("autogempa.json", status=500, body=b"down")
    with feed_app.app_context():
        poller = feed.Poller(feed_app, db.session, rng=lambda: 1.0)  # +20 % jitter: worst
        delays = [poller.poll("autogempa", 10.0) for _ in range(8)]
    assert delays[:2] == [pytest.approx(12), pytest.approx(24)]
    assert max(delays) == 30 and delays[-1] == 30
    assert state(engine)["consecutive_failures"] == 8
    with feed_app.app_context():
        fresh = feed.Poller(feed_app, db.session, rng=lambda: 1.0)
        fresh.tick(now=0.0)  # nothing due yet: it polls every feed at once
        interval = feed_app.config["FEED_INTERVALS"]["autogempa"]
        assert fresh.due["autogempa"] == pytest.approx(interval * 1.2)  # its first failure
        hostile.set("autogempa.json", body=DOMPU)
        assert fresh.poll("autogempa", 10.0) == 10.0 and fresh.failures["autogempa"] == 0
    assert state(engine)["consecutive_failures"] == 0 and not state(engine)["stale"]


def test_only_one_process_holds_the_poller_lock(engine):
    key = feed_queries.POLLER_LOCK + 7  # a key of its own: servers of other tests may poll
    first = feed_queries.LockConnection(engine)
    second = feed_queries.LockConnection(engine)
    try:
        assert first.try_lock(key)
        assert not second.try_lock(key)
        first.close()  # the leader's process dies: its connection goes
        # PostgreSQL frees the lock when the backend of that connection has exited, which
        # happens shortly after the client closes it (later on a loaded machine): a bounded
        # wait, not an assumption that it is instant.
        assert wait_for(lambda: second.try_lock(key), timeout=10)
    finally:
        second.close()
