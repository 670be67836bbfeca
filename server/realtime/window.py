"""This process's recent events, encoded once, for catching clients up by room and position.

A reconnecting client asks for everything after ``since``. Thousands of them ask at once after
a restart or when a province's network returns, mostly from the same few positions; asking
the database per client (per scope: every tablet is a scope of its own) made the catch-up of
10,000 clients take minutes. The publisher keeps what it released here, with each event's
:class:`~server.realtime.emit.Audience` and its encoded packets; a catch-up is then a slice by
position, filtered by the client's rooms, sharing the packets. After a restart the window is
empty: the first client behind loads the missing span from the log once, for all of them.

Invariant: every committed event with ``start < seq <= end`` is in ``entries``, in order
(numbers that are missing were rolled back: the publisher released past them).
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass

from server.queries import events as event_queries
from server.realtime.emit import Audience
from server.realtime.emit import encode
from server.realtime.emit import message
from server.realtime.events import MSG_EVENT

#: Events kept per process (a few MB: packets are shared by every client that gets them).
CAPACITY = 10_000


@dataclass(frozen=True)
class Entry:
    seq: int
    audience: Audience
    packets: list


class Window:
    """Recent events in sequence order; appended by the publisher, read by catch-ups."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self.entries: list[Entry] = []
        self._seqs: list[int] = []
        self.start: int | None = None  # complete over (start, end]
        self.end: int | None = None
        self.lock = threading.RLock()

    def reset(self, last: int) -> None:
        """Start empty at ``last`` (the publisher starts after everything committed)."""
        with self.lock:
            self.entries, self._seqs = [], []
            self.start = self.end = last

    def append(self, seq: int, audience: Audience, packets: list) -> None:
        """A released event (in order: the publisher releases a contiguous prefix)."""
        with self.lock:
            if self.end is None:
                self.start = seq - 1
            self.entries.append(Entry(seq, audience, packets))
            self._seqs.append(seq)
            self.end = seq
            if len(self.entries) > self.capacity:
                drop = len(self.entries) - self.capacity
                self.start = self._seqs[drop - 1]
                del self.entries[:drop], self._seqs[:drop]

    def slice(self, since: int, upto: int) -> list[Entry] | None:
        """The events with ``since < seq <= upto``; None when the window does not hold them."""
        with self.lock:
            if self.start is None or since < self.start or upto > self.end:
                return None
            lo = bisect.bisect_right(self._seqs, since)
            hi = bisect.bisect_right(self._seqs, upto)
            return self.entries[lo:hi]

    def load(self, session, since: int, upto: int) -> list[Entry] | None:
        """:meth:`slice`, loading the span before the window from the log when it is missing
        and not longer than the capacity (once: concurrent callers wait, then slice)."""
        found = self.slice(since, upto)
        if found is not None or self.start is None or upto > self.end \
                or self.start - since > self.capacity:
            return found
        with self.lock:
            if since < self.start:
                rows = event_queries.between(session, since, self.start)
                session.commit()  # end the read: the session goes on being used
                older = [Entry(r.seq, Audience.of(r), encode(MSG_EVENT, message(r)))
                         for r in rows]
                self.entries[:0] = older
                self._seqs[:0] = [e.seq for e in older]
                self.start = since
            return self.slice(since, upto)
