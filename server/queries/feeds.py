"""BMKG feed state, shared by all processes (the poller writes, ``/healthz`` reads)."""

from __future__ import annotations

import contextlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import FeedStateRow

#: pg_advisory_lock key of the feed poller's leadership ("KENDALI1" in ASCII-ish).
POLLER_LOCK = 0x4B454E44414C4931


def state(session: Session, name: str, url: str) -> FeedStateRow:
    row = session.get(FeedStateRow, name)
    if row is None:
        row = FeedStateRow(
            name=name,
            url=url,
            consecutive_failures=0,
            records_accepted=0,
            records_rejected=0,
            payloads_rejected=0,
            stale=False,
        )
        session.add(row)
        session.flush()
    row.url = url
    return row


def all_states(session: Session) -> list[FeedStateRow]:
    return list(session.scalars(select(FeedStateRow).order_by(FeedStateRow.name)))


class LockConnection:
    """A connection of its own (outside the pool) for a session-level advisory lock.

    Closing it releases the lock, and so does the death of the process; a pooled connection
    would keep the lock alive after it was "closed".
    """

    def __init__(self, engine):
        proxy = engine.raw_connection()
        self.raw = proxy.dbapi_connection
        proxy.detach()
        self.raw.autocommit = True

    def try_lock(self, key: int) -> bool:
        with self.raw.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", (key,))
            return bool(cur.fetchone()[0])

    def ping(self) -> None:
        with self.raw.cursor() as cur:
            cur.execute("SELECT 1")

    def close(self) -> None:
        with contextlib.suppress(Exception):  # already gone
            self.raw.close()
