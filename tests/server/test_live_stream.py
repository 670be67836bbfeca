"""The /live stream: catch-up from ``since``, ``synced``, and no gap or duplicate across a
disconnection during a concurrent burst."""

import threading
import time

from sqlalchemy.orm import Session

from server.queries import events as event_queries
from tests.helpers import InOrderClient
from tests.helpers import add_events
from tests.helpers import token_for
from tests.helpers import wait_for


class Stream:
    """A real client that keeps ``since`` across reconnections, as the pages do."""

    def __init__(self, base, token):
        self.base, self.token = base, token
        self.events: list[dict] = []
        self.synced: list[int] = []
        self.resets: list[dict] = []
        self.last: int | None = None
        self.order: list[str] = []  # "connect", "event", "synced" as they arrive
        self.client = None

    def connect(self):
        self.order = []
        self.client = InOrderClient(reconnection=False)
        self.client.on("connect", lambda: self.order.append("connect"), namespace="/live")
        self.client.on("event", self._event, namespace="/live")
        self.client.on("synced", self._synced, namespace="/live")
        self.client.on("reset", self.resets.append, namespace="/live")
        self.client.connect(self.base, namespaces=["/live"], transports=["websocket"],
                            auth={"token": self.token, "since": self.last}, wait_timeout=10)
        return self

    def _event(self, msg):
        self.order.append("event")
        self.events.append(msg)
        self.last = msg["seq"]

    def _synced(self, msg):
        self.order.append("synced")
        self.synced.append(msg["seq"])

    def drop(self):
        self.client.disconnect()


def test_catch_up_then_synced(live, accounts, engine):
    name, pw, _ = accounts("regional", "72")
    token = token_for(live.url, name, pw)
    s72, _s73, s72b = add_events(engine, ("cu.test", ["72.71"], {}), ("cu.test", ["73.71"], {}),
                                 ("cu.test", ["72.03"], {}))
    stream = Stream(live.url, token)
    stream.last = s72 - 1
    stream.connect()
    try:
        assert wait_for(lambda: stream.synced, timeout=10)
        got = [e["seq"] for e in stream.events if e["type"] == "cu.test"]
        assert got == [s72, s72b]  # in scope only, in order, before synced
        assert stream.synced[0] >= s72b
    finally:
        stream.drop()


def test_every_connection_of_a_token_gets_its_catch_up_and_synced(live, accounts, engine):
    """Pages reconnect with the same token, seconds apart (no "last seen" write then, so the
    connect handler's request ends with a rollback after accepting): each connection is
    caught up and synced, and nothing reaches it before its ``connect`` (socket.io-client
    runs what came early before its own ``connect`` handler, which left pages "syncing")."""
    name, pw, _ = accounts("operator")
    token = token_for(live.url, name, pw)
    first = Stream(live.url, token).connect()
    assert wait_for(lambda: first.synced, timeout=10)
    first.drop()
    for round_ in range(6):
        (seq,) = add_events(engine, ("again.test", ["72.71"], {"round": round_}))
        stream = Stream(live.url, token)
        stream.last = seq - 1
        stream.connect()
        try:
            assert wait_for(lambda s=stream: s.synced, timeout=10), f"round {round_}: no synced"
            assert [e["seq"] for e in stream.events if e["type"] == "again.test"] == [seq]
            assert stream.order[0] == "connect", f"round {round_}: {stream.order}"
        finally:
            stream.drop()


def test_no_gap_and_no_duplicate_across_a_disconnection_during_a_burst(live, accounts, engine):
    name, pw, _ = accounts("operator")
    stream = Stream(live.url, token_for(live.url, name, pw)).connect()
    assert wait_for(lambda: stream.synced, timeout=10)
    stream.last = stream.synced[-1]
    written: list[int] = []
    lock = threading.Lock()

    def writer(k):
        for i in range(250):
            with Session(engine) as s:
                row = event_queries.append(s, "burst.test", ["72.71"], {"k": k, "i": i})
                s.commit()
                with lock:
                    written.append(row.seq)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    assert wait_for(lambda: len(written) > 300, timeout=30)
    stream.drop()  # mid-burst
    time.sleep(0.3)
    stream.connect()  # with since = the last event received
    for t in threads:
        t.join()
    assert len(written) == 1000
    assert wait_for(lambda: len([e for e in stream.events if e["type"] == "burst.test"]) >= 1000,
                    timeout=30)
    time.sleep(0.5)
    seqs = [e["seq"] for e in stream.events if e["type"] == "burst.test"]
    assert len(seqs) == 1000 and len(set(seqs)) == 1000, "each event exactly once"
    assert seqs == sorted(seqs), "in order"
    assert set(seqs) == set(written)
    stream.drop()


def test_a_gap_too_old_is_answered_with_reset(database_url, accounts, engine):
    from tests.conftest import start_server
    from tests.conftest import stop_server

    server = start_server(database_url, KENDALI_LIVE_CATCHUP_MAX="5")
    name, pw, _ = accounts("operator")
    try:
        first = add_events(engine, *[("old.test", ["72"], {})] * 8)[0]
        stream = Stream(server.url, token_for(server.url, name, pw))
        stream.last = first - 1
        stream.connect()
        assert wait_for(lambda: stream.synced, timeout=10)
        assert stream.resets and stream.resets[0]["seq"] == stream.synced[0]
        assert not [e for e in stream.events if e["type"] == "old.test"]
        stream.drop()
    finally:
        stop_server(server)
