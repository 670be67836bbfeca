"""A live client that stops reading is dropped, not waited for, and catches up afterwards.

Two raw-websocket clients (tools/bench/wsclient.py) on one server whose send queue is bounded
at 50 messages (``KENDALI_LIVE_SEND_QUEUE``): one reads, one stops reading (a small receive
buffer, then no reads at all) while 3,000 events of about 2 KB are committed. The reader gets
every event in order; the other is closed by the server once its backlog passes the bound,
and reconnecting with ``since`` it gets the rest, in order, without duplicates.
"""

import asyncio

from sqlalchemy.orm import Session

from server.queries import events as event_queries
from tests.server.live_support import connect
from tests.server.live_support import run_on_server

N, BATCH = 3000, 100


async def _connect(url: str, token: str, since: int | None, rcvbuf: int | None = None):
    return await connect(url, token, "bp.test", since, rcvbuf=rcvbuf)


def _burst(engine) -> list[int]:
    written = []
    with Session(engine) as s:
        for start in range(0, N, BATCH):
            rows = event_queries.append_many(
                s, [("bp.test", ["72.71"], {"i": i, "pad": "x" * 2000}, None)
                    for i in range(start, start + BATCH)])
            s.commit()
            written += [r.seq for r in rows]
    return written


async def _wait(predicate, timeout: float) -> bool:
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return predicate()


async def _scenario(url: str, token: str, engine) -> None:
    reader, fast = await _connect(url, token, None)
    slow_client, slow = await _connect(url, token, None, rcvbuf=4096)
    closed = asyncio.Event()
    slow_client.on_close = closed.set
    slow_client.pause()
    written = await asyncio.to_thread(_burst, engine)
    assert await _wait(lambda: len(fast.seqs) >= N, 60), f"reader got {len(fast.seqs)}"
    assert fast.seqs == written, "the reader gets every event, in order, once"
    slow_client.resume()  # what the kernel kept, then the server's close
    await asyncio.wait_for(closed.wait(), 30)
    got = list(slow.seqs)
    assert len(got) < N, "the slow client was dropped before the end of the burst"
    assert got == written[:len(got)], "what it got before the drop is a prefix, in order"
    again_client, again = await _connect(url, token, got[-1] if got else written[0] - 1)
    assert await _wait(lambda: len(got) + len(again.seqs) >= N, 30)
    assert got + again.seqs == written, "caught up with since: no gap, no duplicate"
    reader.close()
    again_client.close()


def test_a_client_that_stops_reading_is_dropped_and_catches_up(accounts, engine,
                                                               database_url):
    run_on_server(database_url, accounts, lambda url, token: _scenario(url, token, engine),
                  KENDALI_LIVE_SEND_QUEUE="50")
