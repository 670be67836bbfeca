"""The CAP poller: warnings from ``KENDALI_CAP_SOURCES`` (BMKG's nowcast RSS by default).

Each source is an RSS/Atom index of CAP messages or a single CAP message, polled every
``KENDALI_CAP_INTERVAL`` by exactly one process (advisory lock, :mod:`server.jobs.leader`),
with the quake feeds' HTTP client (conditional requests, timeouts, deadline, size cap) and
back-off (fitted to the interval). An index's new items are fetched one by one (a message
already stored, by its ``guid``, is not fetched again) and each goes through the one intake
(:func:`server.services.warnings.receive`). A broken message is refused with its reason and
counted, and the poll goes on; a broken or unreachable index counts as the source failing
(``/healthz``, ``feed.stale`` after ``KENDALI_FEED_STALE_AFTER``).
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from flask import Flask

from geo.capfeed import parse_index
from geo.capxml import CapError
from geo.capxml import load_xml
from geo.capxml import split_tag
from server.jobs import leader
from server.jobs.bmkg_http import FetchError
from server.jobs.bmkg_http import fetch
from server.jobs.feed import backoff
from server.platform import clock
from server.queries import events as event_queries
from server.queries import feeds as q
from server.queries import warnings as warning_queries
from server.realtime import events
from server.services import warnings

log = logging.getLogger(__name__)

#: pg_advisory_lock key of the CAP poller's leadership.
CAP_LOCK = 0x4B454E44414C4933
#: New messages fetched per poll of an index: BMKG allows 60 requests a minute per address,
#: and the rest come with the next poll.
MAX_NEW_PER_POLL = 40


def source_names(urls: list[str]) -> dict[str, str]:
    """A short, stable name per source for ``/healthz`` and the wall (``cap:www.bmkg.go.id``;
    ``#2``, ``#3`` … when a host serves several)."""
    names: dict[str, str] = {}
    for url in urls:
        base = f"cap:{urlsplit(url).hostname or 'source'}"[:56]
        name, n = base, 1
        while name in names.values():
            n += 1
            name = f"{base}#{n}"
        names[url] = name
    return names


@dataclass
class Tally:
    """What one poll did (applied to the source's state at the end of the poll)."""

    accepted: int = 0
    rejected: int = 0
    transient: int = 0


class CapPoller:
    """Polls each CAP source on the interval; call :meth:`tick` often (leader only)."""

    def __init__(self, app: Flask, session_factory, rng=random.random, fetcher=None):
        self.app = app
        self.session_factory = session_factory
        self.fetcher = fetcher or fetch
        self.http = requests.Session()
        self.rng = rng
        self.names = source_names(app.config["CAP_SOURCES"])
        self.due: dict[str, float] = {}
        self.failures: dict[str, int] = {}
        # Per message link: the conditional-request state, and the (guid, date) of a message
        # refused for its content, not fetched again until the index changes it.
        self.docs: dict[str, tuple[str | None, str | None]] = {}
        self.refused: dict[str, tuple] = {}
        self.listed: dict[str, set[str]] = {}  # per index: its links (the rest is forgotten)

    def tick(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        interval = self.app.config["CAP_INTERVAL"]
        for url in self.app.config["CAP_SOURCES"]:
            if self.due.get(url, 0.0) <= now:
                self.due[url] = now + self.poll(url, interval)

    def poll(self, url: str, interval: float) -> float:
        """Poll one source now; return the delay before its next poll. Never raises."""
        with self.session_factory() as session:
            try:
                return self._poll(session, url, interval)
            except Exception:  # a bug or the database: log, go on
                log.exception("cap %s: poll failed", url)
                session.rollback()
                return min(interval * 2, self._cap(interval))

    def _get(self, url: str, etag: str | None, modified: str | None):
        config = self.app.config
        return self.fetcher(self.http, url, etag, modified, config["FEED_TIMEOUT"],
                            config["CAP_MAX_BYTES"])

    def _poll(self, session, url: str, interval: float) -> float:
        name = self.names[url]
        st = q.state(session, name, url)
        etag, modified, digest = st.etag, st.last_modified, st.body_hash
        session.commit()
        tally = Tally()
        try:
            got = self._get(url, etag, modified)
            if got.status == 200 and hashlib.sha256(got.body).hexdigest() != digest:
                self._document(session, url, got.body, tally)
        except FetchError as exc:
            self._reset_http()
            return self._failure(session, name, url, str(exc), interval, tally)
        except CapError as exc:
            return self._failure(session, name, url, str(exc), interval, tally, payload=True)
        keep = got if got.status == 200 and not tally.transient else None
        self._success(session, name, url, tally, keep)
        self.failures[url] = 0
        return interval

    def _document(self, session, url: str, body: bytes, tally: Tally) -> None:
        """An index (fetch its new items) or a single message; CapError: neither."""
        _, root = split_tag(load_xml(body, self.app.config["CAP_MAX_BYTES"]).tag)
        if root == "alert":
            self._receive(session, url, body, tally)
            return
        index = parse_index(body, url, self.app.config["CAP_MAX_BYTES"])
        for reason in index.skipped:
            log.warning("cap %s: %s", url, reason)
        tally.rejected += len(index.skipped)
        self._forget(url, {item.link for item in index.items})
        guids = [item.guid for item in index.items if item.guid]
        known = warning_queries.known_identifiers(session, guids)
        session.commit()
        fetched = 0
        for item in index.items:
            key = (item.guid, item.published)
            if (item.guid and item.guid in known) or self.refused.get(item.link) == key:
                continue
            if fetched >= MAX_NEW_PER_POLL:
                tally.transient += 1  # the rest next time: keep the index unread
                break
            fetched += 1
            self._item(session, item.link, key, tally)

    def _forget(self, url: str, links: set[str]) -> None:
        """Keep the per-message state of links some index still lists, and no other."""
        self.listed[url] = links
        alive = set().union(*self.listed.values())
        self.docs = {k: v for k, v in self.docs.items() if k in alive}
        self.refused = {k: v for k, v in self.refused.items() if k in alive}

    def _item(self, session, link: str, key: tuple, tally: Tally) -> None:
        etag, modified = self.docs.get(link, (None, None))
        try:
            got = self._get(link, etag, modified)
        except FetchError as exc:
            self._reset_http()
            log.warning("cap %s: %s", link, exc)
            if str(exc).startswith("HTTP 4"):  # not there (an index ahead of its files)
                self._refuse(session, link, key, "fetch", str(exc), tally)
            else:
                tally.transient += 1  # the network or the server: try again next poll
            return
        if got.status == 304:
            return
        self.docs[link] = (got.etag, got.last_modified)
        if not self._receive(session, link, got.body, tally):
            self.refused[link] = key

    def _receive(self, session, origin: str, body: bytes, tally: Tally) -> bool:
        try:
            outcome = warnings.receive(session, body, "poll", origin)
        except warnings.Rejected as exc:
            log.warning("cap %s: refused: %s: %s", origin, exc.field, exc.reason)
            tally.rejected += 1
            return False
        tally.accepted += int(outcome.created)
        return True

    def _refuse(self, session, link: str, key: tuple, field: str, reason: str,
                tally: Tally) -> None:
        warning_queries.reject(session, source="poll", origin=link, field=field,
                               reason=reason[:500])
        session.commit()
        self.refused[link] = key
        tally.rejected += 1

    def _reset_http(self) -> None:
        self.http.close()  # drop any half-read connection
        self.http = requests.Session()

    def _count(self, st, tally: Tally) -> None:
        st.records_accepted += tally.accepted
        st.records_rejected += tally.rejected
        st.last_attempt_at = clock.now()

    def _success(self, session, name: str, url: str, tally: Tally, got) -> None:
        st = q.state(session, name, url)
        self._count(st, tally)
        if got is not None:  # read completely: not read again until it changes
            st.etag, st.last_modified = got.etag, got.last_modified
            st.body_hash = hashlib.sha256(got.body).hexdigest()
            st.last_change_at = clock.now()
        st.last_success_at = clock.now()
        st.consecutive_failures, st.failing_since, st.last_error = 0, None, None
        if st.stale:
            st.stale = False
            event_queries.append(session, events.FEED_RECOVERED, [], {"feed": name})
        session.commit()

    def _failure(self, session, name: str, url: str, reason: str, interval: float,
                 tally: Tally, payload: bool = False) -> float:
        session.rollback()
        st = q.state(session, name, url)
        self._count(st, tally)
        log.warning("cap %s: %s", url, reason)
        now = clock.now()
        st.last_error = reason[:500]
        st.payloads_rejected += int(payload)
        st.consecutive_failures += 1
        st.failing_since = st.failing_since or now
        if not st.stale and now - st.failing_since >= timedelta(
                seconds=self.app.config["FEED_STALE_AFTER_S"]):
            st.stale = True
            event_queries.append(session, events.FEED_STALE, [], {
                "feed": name, "since": st.failing_since.isoformat(), "error": st.last_error})
        session.commit()
        self.failures[url] = self.failures.get(url, 0) + 1
        return backoff(interval, self.failures[url], self._cap(interval), self.rng())

    def _cap(self, interval: float) -> float:
        """The longest wait between retries of a failing source: a few of its own intervals,
        under the ceiling (as for the quake feeds)."""
        config = self.app.config
        return min(config["FEED_MAX_BACKOFF_S"], config["FEED_BACKOFF_FACTOR"] * interval)


def enabled(config) -> bool:
    """Polling runs with sources configured, feed polling on, and never in a demo (no
    network there)."""
    return bool(config["CAP_SOURCES"]) and bool(config["FEED_POLLING"]) and not config["DEMO"]


def run(app: Flask, stop) -> None:
    """The CAP poller loop: become leader (advisory lock), then tick every second."""

    def start_term(db):
        return CapPoller(app, db.session).tick

    leader.run_as_leader(app, stop, "cap poller", CAP_LOCK, start_term, log)
