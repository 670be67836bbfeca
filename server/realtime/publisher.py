"""Streams the committed event log to this process's Socket.IO clients, in order, no gaps.

Sequence numbers are taken at insert time but transactions commit in any order, so event
N+1 can become visible before N. The publisher therefore releases only a contiguous prefix:
at a gap it notes which transactions are in progress, and skips the missing numbers only
once every one of those has finished (and a short grace has passed) without the row
appearing — i.e. the transaction that took the number rolled back.

Each server process runs its own publisher over the shared log and emits to its own clients
only (``ignore_queue``): a CLI import, another process or a restarted server all reach every
client through the database, with or without Redis. A ``NOTIFY kendali_events`` sent by every
append wakes the publisher at commit; it also polls, in case a notification is lost.
"""

from __future__ import annotations

import contextlib
import logging
import select
import threading
import time
from dataclasses import dataclass

from flask import Flask

from server.queries import events as q
from server.realtime.emit import publish_local
from server.realtime.window import Window

log = logging.getLogger(__name__)

GAP_GRACE_S = 1.0
POLL_S = 0.5


class Publisher:
    """Releases committed events in sequence order (one per process)."""

    def __init__(self, emit=None, monotonic=time.monotonic, window: Window | None = None) -> None:
        #: What was released lately, encoded, for catch-ups (:mod:`server.realtime.window`).
        self.window = window or Window()
        self.emit = emit or (lambda rows: publish_local(rows, self.window))
        self.monotonic = monotonic
        self.last: int | None = None
        self._gap: _Gap | None = None
        self.lock = threading.RLock()

    def start_at(self, session) -> None:
        """Begin after everything already committed (clients catch up from the log)."""
        self.last = q.last_seq(session)
        self.window.reset(self.last)

    def tick(self, session) -> int:
        """Release what can be released; return how many events were emitted."""
        with self.lock:
            if self.last is None:
                self.start_at(session)
            released = 0
            while True:
                rows = q.committed_after(session, self.last)
                session.commit()  # end the read transaction: the next read sees new commits
                batch = self._contiguous(session, rows)
                if not batch:
                    return released
                self.emit(batch)
                self.last = batch[-1].seq
                released += len(batch)

    def _contiguous(self, session, rows):
        out = []
        expected = self.last + 1
        for row in rows:
            if row.seq != expected and not self._may_skip(session, expected, row.seq):
                break
            out.append(row)
            expected = row.seq + 1
        if self._gap is not None and expected - 1 >= self._gap.horizon:
            self._gap = None  # everything the gap snapshot covered is settled
        return out

    def _may_skip(self, session, expected: int, next_seq: int) -> bool:
        """True when ``expected`` .. ``next_seq - 1`` belong to transactions that rolled back.

        At the first sight of a gap we note, in one snapshot, the transactions in progress and
        the highest visible sequence (the horizon). Every missing number at or below the
        horizon was taken before the horizon's row was written, so its owner was then either
        in progress (noted) or already finished. Once all noted transactions have finished,
        and a short grace has passed, a number still missing below the horizon was rolled
        back — and all such gaps are skipped together, not one per tick.
        """
        now = self.monotonic()
        gap = self._gap
        if gap is None or (next_seq - 1 > gap.horizon and self._settled(session, gap, now)):
            horizon, xids = q.gap_snapshot(session)
            self._gap = _Gap(xids, horizon, now)
            return False
        if next_seq - 1 > gap.horizon or not self._settled(session, gap, now):
            return False
        again = q.committed_after(session, expected - 1, limit=1)
        if again and again[0].seq == expected:
            return False  # it committed meanwhile: the next read releases it in order
        log.info("event log: sequence %s..%s skipped (rolled back)", expected, next_seq - 1)
        return True

    @staticmethod
    def _settled(session, gap: _Gap, now: float) -> bool:
        if now - gap.since < GAP_GRACE_S:
            return False
        if not gap.finished:
            gap.finished = q.all_finished(session, gap.xids)
        return gap.finished


@dataclass
class _Gap:
    xids: list[str]
    horizon: int
    since: float
    finished: bool = False


def listen_loop(app: Flask, publisher: Publisher, on_revoked, stop: threading.Event) -> None:
    """LISTEN for event and revocation notices; tick the publisher. Never dies."""
    from server.platform.db import get_db

    while not stop.is_set():
        conn = None
        try:
            with app.app_context():
                db = get_db()
                conn = db.engine.raw_connection()
                raw = conn.dbapi_connection
                conn.detach()  # a dedicated connection, outside the pool
                raw.autocommit = True
                with raw.cursor() as cur:
                    cur.execute("LISTEN kendali_events; LISTEN kendali_revoked;")
                with db.session() as session:
                    _loop(raw, session, publisher, on_revoked, stop)
        except Exception:  # database restarts, network: wait and reconnect
            if stop.is_set():  # shutting down: the database may already be going
                break
            log.exception("event publisher: connection lost; retrying")
            stop.wait(1.0)
        finally:
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.close()
    log.info("event publisher: stopped")


def _loop(raw, session, publisher, on_revoked, stop) -> None:
    publisher.tick(session)
    while not stop.is_set():
        ready, _, _ = select.select([raw], [], [], POLL_S)
        if ready:
            raw.poll()
        revoked = []
        while raw.notifies:
            note = raw.notifies.pop(0)
            if note.channel == "kendali_revoked":
                revoked.append(note.payload)
        for payload in revoked:
            on_revoked(payload)
        publisher.tick(session)
