"""The websocket wire of ``/live``: frames built once, compression without a context per client,
live events written straight to idle sockets without changing any client's order.

The frame tests are pure. The live test runs a real ``kendali serve`` (eventlet) with four
raw-websocket clients (tools/bench/wsclient.py): one plain; one offering
``permessage-deflate`` as Chromium does (it must get ``server_no_context_takeover`` and
compressed frames that each inflate on their own); one asking for a server window the server
does not use (declined: plain frames); and one with a 4 KB receive buffer that keeps reading,
so that the server's writes to it are whole, partial and queued in turn. Each must receive
every event of a burst of small and large events, in order, once.
"""

import asyncio
import json
import struct
import zlib

from sqlalchemy.orm import Session

from server.queries import events as event_queries
from server.realtime.wire import DEFLATE_MIN
from server.realtime.wire import TAIL
from server.realtime.wire import Shared
from server.realtime.wire import frame
from tests.server.live_support import connect
from tests.server.live_support import run_on_server
from tools.bench.wsclient import BROWSER_OFFER

N, BATCH = 600, 50


def _unframe(data: bytes) -> tuple[int, bytes]:
    b0, n = data[0], data[1] & 0x7F
    head = 2
    if n == 126:
        n, head = struct.unpack_from("!H", data, 2)[0], 4
    elif n == 127:
        n, head = struct.unpack_from("!Q", data, 2)[0], 10
    assert data[1] & 0x80 == 0, "a server's frames are not masked"
    assert len(data) == head + n
    return b0, data[head:]


def test_a_frame_is_a_final_text_frame_and_long_ones_compress_on_their_own():
    short, long = "42" + "x" * 10, "42" + json.dumps({"pad": "abc" * 400})
    b0, body = _unframe(frame(short, deflate=True))
    assert (b0, body) == (0x81, short.encode()), "short text is not worth compressing"
    b0, body = _unframe(frame(long))
    assert (b0, body) == (0x81, long.encode())
    b0, body = _unframe(frame(long, deflate=True))
    assert b0 == 0xC1, "FIN, RSV1 (compressed), text"
    assert len(body) < len(long) // 4
    # Inflated by a fresh decompressor: no context carried from an earlier message.
    assert zlib.decompressobj(-15).decompress(body + TAIL) == long.encode()
    assert len(long) >= DEFLATE_MIN > len(short)
    medium = "4" + "é" * 40_000  # over 65,535 bytes of UTF-8: the 8-byte length
    assert _unframe(frame(medium))[1].decode() == medium


def test_a_shared_text_builds_each_frame_once():
    text = Shared("42" + "y" * 1000)
    assert text.frame(True) is text.frame(True)
    assert text.frame(False) is text.frame(False)
    assert frame(text, True) is text.frame(True)
    assert _unframe(text.frame(False))[1] == str(text).encode()


async def _connect(url: str, token: str, **options):
    return await connect(url, token, "wire.test", **options)


def _burst(engine) -> list[int]:
    written = []
    with Session(engine) as s:
        for start in range(0, N, BATCH):
            rows = event_queries.append_many(
                s, [("wire.test", ["72.71"], {"i": i, "pad": "x" * (3000 if i % 3 else 10)},
                     None) for i in range(start, start + BATCH)])
            s.commit()
            written += [r.seq for r in rows]
    return written


async def _scenario(url: str, token: str, engine) -> None:
    plain, plain_seen = await _connect(url, token)
    browser, browser_seen = await _connect(url, token, offer=BROWSER_OFFER)
    narrow, narrow_seen = await _connect(
        url, token, offer="permessage-deflate; server_max_window_bits=10")
    small, small_seen = await _connect(url, token, rcvbuf=4096)
    assert plain.extensions == ""
    assert "permessage-deflate" in browser.extensions
    assert "server_no_context_takeover" in browser.extensions
    assert narrow.extensions == "", "an offer limiting the server's window is declined"
    written = await asyncio.to_thread(_burst, engine)
    clients = {"plain": plain_seen, "deflate": browser_seen, "declined": narrow_seen,
               "small buffer": small_seen}
    for _ in range(1200):
        if all(len(seen.seqs) >= N for seen in clients.values()):
            break
        await asyncio.sleep(0.05)
    for name, seen in clients.items():
        assert seen.seqs == written, f"{name}: every event, in order, once"
    assert browser.compressed >= N * 2 // 3, "the large events arrive compressed"
    assert plain.compressed == narrow.compressed == small.compressed == 0
    for client in (plain, browser, narrow, small):
        client.close()


def test_every_client_gets_every_event_in_order_whatever_its_wire(accounts, engine,
                                                                  database_url):
    run_on_server(database_url, accounts, lambda url, token: _scenario(url, token, engine))


class _EngineSocket:
    """What :func:`send_now` reads of an Engine.IO socket."""

    def __init__(self, ws) -> None:
        import eventlet.queue

        self.wire, self.queue = ws, eventlet.queue.Queue()
        self.upgraded, self.upgrading, self.closed, self.closing = True, False, False, False

    def check_ping_timeout(self) -> bool:
        return True


def test_send_now_writes_whole_frames_at_once_and_finishes_a_partial_one_before_anything_else():
    import socket
    import warnings

    with warnings.catch_warnings():  # its notice on import, as server/wsgi.py silences it
        warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
        import eventlet
    from eventlet.greenio import GreenSocket

    from server.realtime.transport import WireSocket
    from server.realtime.transport import send_now
    from server.realtime.wire import Shared
    from server.realtime.wire import frame as build

    a, b = socket.socketpair()
    a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    b.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    ws = WireSocket(GreenSocket(a), {}, 13, extensions={})
    sock = _EngineSocket(ws)
    small, large = _packet(Shared("42" + "a" * 100)), _packet(Shared("42" + "b" * 1_000_000))

    assert send_now(sock, [small]), "an idle socket is written at once"
    assert b.recv(65536) == build(small.encode())
    sock.queue.put(small)
    assert not send_now(sock, [small]), "something of this client is queued: behind it"
    sock.queue.get()

    assert send_now(sock, [large]), "a partial write counts as sent ..."
    assert ws._sendlock.locked(), "... and holds the send lock until its rest is written"
    assert not send_now(sock, [small]), "so the next one waits in the queue"
    received = bytearray()
    want = len(build(large.encode()))
    green_b = GreenSocket(b)
    while len(received) < want:
        received += green_b.recv(1 << 20)
    assert bytes(received) == build(large.encode())
    eventlet.sleep(0)
    assert not ws._sendlock.locked(), "the rest written, the lock is free again"
    assert send_now(sock, [small])
    a.close()
    b.close()


def _packet(text):
    from engineio import packet

    p = packet.Packet(packet.MESSAGE, str(text)[1:])
    p.encode_cache = text
    return p
