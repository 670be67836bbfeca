"""The BMKG feed client and poller.

One poller runs across all server processes: the process holding a PostgreSQL advisory
lock (on a dedicated connection; it is released when the process dies) polls, the others
try to take the lock every second, so a dead leader is replaced within one interval.

Each feed is fetched with conditional requests (ETag / If-Modified-Since), connect and read
timeouts plus an overall deadline and size cap (a proxy can trickle a body forever). Errors
back off exponentially with jitter. Whatever comes back — an HTML error page, truncated
JSON, an empty body, a 500 — is logged and counted, and the loop goes on; only a fully
parsed payload reaches :func:`server.services.quakes.ingest`. A feed failing for longer
than ``FEED_STALE_AFTER_S`` is marked stale with a ``feed.stale`` event, and
``feed.recovered`` follows its next success.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urljoin
from urllib.parse import urlsplit

import requests
from flask import Flask

from geo.bmkg import FeedParseError
from geo.bmkg import parse_feed
from server.jobs import leader
from server.platform import clock
from server.queries import events as event_queries
from server.queries import feeds as q
from server.realtime import events
from server.services import quakes as quake_svc

log = logging.getLogger(__name__)



class FetchError(RuntimeError):
    """The feed could not be fetched (network, status, size, deadline)."""


@dataclass
class Fetched:
    status: int
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None


#: Redirects followed per poll, each to the same host only (``https`` never downgraded).
MAX_REDIRECTS = 3


def fetch(
    http: requests.Session,
    url: str,
    etag: str | None,
    modified: str | None,
    timeout: tuple[float, float],
    max_bytes: int,
) -> Fetched:
    """GET ``url`` conditionally; raise :class:`FetchError` on anything but 200 or 304.

    Redirects are followed by hand, and only on the feed's own host: the feed is configured
    to one server, and a redirect elsewhere would have the poller fetch (and report on) any
    address an intermediary names.
    """
    # A new connection per poll (every 10 s at most): a connection on which a response timed
    # out may still deliver that late response to the next request (a desync), so none is
    # reused.
    headers = {"User-Agent": "Kendali/1 (Kemensos pusat kendali)", "Connection": "close"}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    deadline = time.monotonic() + timeout[0] + timeout[1] * 2
    target = url
    try:
        for _ in range(MAX_REDIRECTS + 1):
            with http.get(target, headers=headers, timeout=timeout, stream=True,
                          allow_redirects=False) as res:
                if not res.is_redirect:
                    return _read(res, deadline, max_bytes)
                target = _redirect(url, target, res)
        raise FetchError(f"more than {MAX_REDIRECTS} redirects")
    except requests.RequestException as exc:
        raise FetchError(f"{type(exc).__name__}: {str(exc)[:200]}") from None


def _redirect(origin: str, current: str, res: requests.Response) -> str:
    """Where a redirect of the feed may go: the same host, never from https to http."""
    target = urljoin(current, res.headers.get("Location", ""))
    was, now = urlsplit(origin), urlsplit(target)
    if now.hostname != was.hostname or now.scheme not in ("http", "https") or (
        was.scheme == "https" and now.scheme != "https"
    ):
        log.warning("feed: redirect from %s to another host refused", origin)
        raise FetchError(f"HTTP {res.status_code}: redirect to another host refused")
    return target


def _read(res: requests.Response, deadline: float, max_bytes: int) -> Fetched:
    if res.status_code == 304:
        return Fetched(304)
    if res.status_code != 200:
        raise FetchError(f"HTTP {res.status_code}")
    chunks, size = [], 0
    # read1 returns what one recv brings: a body trickled byte by byte cannot hold the
    # loop past the deadline (iter_content would wait to fill each chunk).
    while chunk := res.raw.read1(65536):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"body larger than {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise FetchError("body too slow (deadline passed)")
        chunks.append(chunk)
    return Fetched(
        200, b"".join(chunks), res.headers.get("ETag"), res.headers.get("Last-Modified")
    )


class Poller:
    """Polls each feed on its own interval; call :meth:`tick` often (leader only)."""

    def __init__(self, app: Flask, session_factory, rng=random.random):
        self.app = app
        self.session_factory = session_factory
        self.http = requests.Session()
        self.rng = rng
        self.due: dict[str, float] = {}
        self.last_result = None

    def url(self, name: str) -> str:
        base = self.app.config["BMKG_URL"].rstrip("/") + "/"
        return f"{base}{name}.{self.app.config['BMKG_FORMAT']}"

    def tick(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        for name, interval in self.app.config["FEED_INTERVALS"].items():
            if self.due.get(name, 0.0) <= now:
                delay = self.poll(name, interval)
                self.due[name] = now + delay

    def poll(self, name: str, interval: float) -> float:
        """Poll one feed now; return the delay before its next poll. Never raises."""
        with self.session_factory() as session:
            try:
                return self._poll(session, name, interval)
            except Exception:  # a bug or the database: log, count, go on
                log.exception("feed %s: poll failed", name)
                session.rollback()
                return min(interval * 2, self.app.config["FEED_MAX_BACKOFF_S"])

    def _poll(self, session, name: str, interval: float) -> float:
        url = self.url(name)
        st = q.state(session, name, url)
        st.last_attempt_at = clock.now()
        try:
            got = fetch(
                self.http,
                url,
                st.etag,
                st.last_modified,
                self.app.config["FEED_TIMEOUT"],
                self.app.config["FEED_MAX_BYTES"],
            )
            if got.status == 200:
                self._payload(session, st, name, got)
        except (FetchError, FeedParseError) as exc:
            self.http.close()  # drop any half-read connection
            self.http = requests.Session()
            log.warning("feed %s: %s", name, exc)
            # The feed's status and the feed.stale event show what went wrong, never what the
            # server sent (a payload's snippet, keys or tags): FeedParseError.summary.
            reason = exc.summary if isinstance(exc, FeedParseError) else str(exc)
            return self._failure(session, st, name, reason, interval)
        self._success(session, st, name)
        return interval

    def _payload(self, session, st, name: str, got: Fetched) -> None:
        digest = hashlib.sha256(got.body).hexdigest()
        if digest == st.body_hash:
            return
        try:
            parsed = parse_feed(got.body, source_hint=name)
        except FeedParseError:
            st.payloads_rejected += 1
            raise
        for rejection in parsed.rejected:
            log.warning(
                "feed %s: record %s rejected: %s", name, rejection.position, rejection.reason
            )
        st.records_rejected += len(parsed.rejected)
        st.records_accepted += len(parsed.sightings)
        st.etag, st.last_modified, st.body_hash = got.etag, got.last_modified, digest
        st.last_change_at = clock.now()
        self.last_result = quake_svc.ingest(session, parsed.sightings)  # commits (with state)

    def _success(self, session, st, name: str) -> None:
        st.last_success_at = clock.now()
        st.consecutive_failures = 0
        st.failing_since = None
        st.last_error = None
        if st.stale:
            st.stale = False
            event_queries.append(session, events.FEED_RECOVERED, [], {"feed": name})
        session.commit()

    def _failure(self, session, st, name: str, reason: str, interval: float) -> float:
        session.rollback()  # nothing half-parsed is stored
        st = q.state(session, name, self.url(name))
        now = clock.now()
        st.last_attempt_at = now
        st.last_error = reason[:500]
        st.consecutive_failures += 1
        st.failing_since = st.failing_since or now
        stale_after = timedelta(seconds=self.app.config["FEED_STALE_AFTER_S"])
        if not st.stale and now - st.failing_since >= stale_after:
            st.stale = True
            event_queries.append(
                session,
                events.FEED_STALE,
                [],
                {"feed": name, "since": st.failing_since.isoformat(), "error": st.last_error},
            )
        session.commit()
        return backoff(
            interval, st.consecutive_failures, self.app.config["FEED_MAX_BACKOFF_S"], self.rng()
        )


def backoff(interval: float, failures: int, cap: float, jitter: float) -> float:
    """Exponential backoff from the feed's interval, capped, with ±20 % jitter."""
    base = min(cap, interval * 2 ** min(failures - 1, 16))
    return max(1.0, base * (0.8 + 0.4 * jitter))


def run(app: Flask, stop) -> None:
    """The poller loop: become leader (advisory lock), then tick every second. Never dies."""
    leader.run_as_leader(app, stop, "feed poller", q.POLLER_LOCK,
                             lambda db: Poller(app, db.session).tick, log)
