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
from datetime import timedelta

import requests
from flask import Flask

from geo.bmkg import FeedParseError
from geo.bmkg import parse_feed
from server.jobs import leader
from server.jobs.bmkg_http import Fetched
from server.jobs.bmkg_http import FetchError
from server.jobs.bmkg_http import fetch
from server.platform import clock
from server.queries import events as event_queries
from server.queries import feeds as q
from server.realtime import events
from server.services import quakes as quake_svc

log = logging.getLogger(__name__)

TICK_S = 0.25


class Poller:
    """Polls each feed on its own interval; call :meth:`tick` often (leader only)."""

    def __init__(self, app: Flask, session_factory, rng=random.random, fetcher=None):
        self.app = app
        self.session_factory = session_factory
        # How a feed is read: over HTTP, or (the demo) from recorded lists in this process.
        self.fetcher = fetcher or fetch
        self.http = requests.Session()
        self.rng = rng
        self.due: dict[str, float] = {}
        # Failures in a row per feed, for the back-off: this poller's own, so a restart (or a
        # new leader) starts from a clean retry state and polls at once. The database keeps
        # the count across restarts only for /healthz.
        self.failures: dict[str, int] = {}
        self.last_result = None

    def url(self, name: str) -> str:
        base = "demo://recorded/" if self.app.config["DEMO"] else \
            self.app.config["BMKG_URL"].rstrip("/") + "/"
        return f"{base}{name}.{self.app.config['BMKG_FORMAT']}"

    def tick(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        for name, interval in self.app.config["FEED_INTERVALS"].items():
            if self.due.get(name, 0.0) <= now:
                delay = self.poll(name, interval)
                if delay == interval:  # read fine: the next poll ±20 %, so that several
                    delay = interval * (0.8 + 0.4 * self.rng())  # deployments drift apart
                self.due[name] = now + delay

    def poll(self, name: str, interval: float) -> float:
        """Poll one feed now; return the delay before its next poll. Never raises."""
        with self.session_factory() as session:
            try:
                return self._poll(session, name, interval)
            except Exception:  # a bug or the database: log, count, go on
                log.exception("feed %s: poll failed", name)
                session.rollback()
                return min(interval * 2, self._cap(interval))

    def _poll(self, session, name: str, interval: float) -> float:
        url = self.url(name)
        st = q.state(session, name, url)
        st.last_attempt_at = clock.now()
        try:
            got = self.fetcher(
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
        self.failures[name] = 0
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
        self.failures[name] = self.failures.get(name, 0) + 1
        return backoff(interval, self.failures[name], self._cap(interval), self.rng())

    def _cap(self, interval: float) -> float:
        """The longest wait between retries of a failing feed: a few of its own intervals
        (autogempa, every 2.5 s: 7.5 s), so a feed that comes back is read again soon."""
        config = self.app.config
        return min(config["FEED_MAX_BACKOFF_S"], config["FEED_BACKOFF_FACTOR"] * interval)


def backoff(interval: float, failures: int, cap: float, jitter: float) -> float:
    """Exponential backoff from the feed's interval, capped, with ±20 % jitter (never past
    the cap: the cap is the promise of how soon a returning feed is read)."""
    base = min(cap, interval * 2 ** min(failures - 1, 16))
    return min(cap, max(1.0, base * (0.8 + 0.4 * jitter)))


def run(app: Flask, stop) -> None:
    """The poller loop: become leader (advisory lock), then tick every second. Never dies."""

    def start_term(db):
        fetcher = None
        if app.config["DEMO"]:  # recorded BMKG lists re-timed to now: no network at all
            from server.jobs.demo_feed import DemoFeed

            fetcher = DemoFeed.for_app(app).fetch
        return Poller(app, db.session, fetcher=fetcher).tick

    # Ticks four times a second: a feed polled every 2-3 s is then read within 0.25 s of
    # being due (only due feeds are fetched; a tick costs nothing otherwise).
    leader.run_as_leader(app, stop, "feed poller", q.POLLER_LOCK, start_term, log,
                         period=TICK_S)
