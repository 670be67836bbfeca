"""A small Socket.IO client over a raw websocket: thousands of them in one asyncio process.

python-socketio's ``AsyncClient`` costs a few hundred microseconds of Python per message and
about as much memory per connection as the server spends; at 10,000 clients the load
processes, not the servers, would set the figures. This client speaks just what ``/live``
needs, on the real protocols: an HTTP/1.1 upgrade to a websocket on ``/socket.io/``
(Engine.IO 4, websocket transport only), the namespace connect with ``auth``, pings answered
with pongs, ``event``/``synced``/``reset`` messages, and the server's close.

Each received frame carries two times: ``kernel``, when its bytes reached this socket
(``SO_TIMESTAMPNS``: on loopback, the moment the server wrote them), and ``app``, when this
process read it. With thousands of clients sharing two cores with the servers, ``kernel`` is
what a tablet on its own device would see; ``app`` adds this process's own queueing.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import socket
import struct
import time
import zlib
from collections.abc import Callable
from urllib.parse import urlsplit

from server.realtime.wire import TAIL

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux: also the cmsg type
_CMSG = socket.CMSG_SPACE(16)
_ZERO_MASK = b"\x00\x00\x00\x00"  # a valid mask: XOR with zeros leaves the payload as is


#: The websocket extensions Chromium offers on every connection.
BROWSER_OFFER = "permessage-deflate; client_max_window_bits"


class ProtocolError(RuntimeError):
    pass


def _frame(text: str) -> bytes:
    """A masked text frame, as a client must send."""
    data = text.encode()
    n = len(data)
    if n < 126:
        head = struct.pack("!BB", 0x81, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x81, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
    return head + _ZERO_MASK + data


class LiteClient:
    """One ``/live`` connection. Handlers get ``(message, kernel_ts, app_ts)``; a handler
    registered with ``raw=True`` gets the event's JSON text undecoded (the load workers pick
    out the few fields they need instead of decoding thousands of large messages)."""

    def __init__(self, url: str, namespace: str = "/live", rcvbuf: int | None = None,
                 offer: str | None = None) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.ns = namespace
        self.rcvbuf = rcvbuf
        #: The ``Sec-WebSocket-Extensions`` offered (:data:`BROWSER_OFFER`: as Chromium does);
        #: ``extensions`` is what the server agreed to.
        self.offer = offer
        self.extensions = ""
        self.compressed = 0  # messages received compressed
        self._inflate = None
        self.sock: socket.socket | None = None
        self.handlers: dict[str, Callable] = {}
        self.raw: set[str] = set()
        self.on_close: Callable[[], None] | None = None
        self.up = False
        self._buf = bytearray()
        self._stage = "http"
        self._accepted: asyncio.Future | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def on(self, event: str, handler: Callable, raw: bool = False) -> None:
        self.handlers[event] = handler
        if raw:
            self.raw.add(event)

    async def connect(self, auth: dict, timeout: float) -> None:
        """Open the websocket and the namespace; raise when refused or not done in time."""
        loop = self._loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.rcvbuf:  # a small window: the server's writes block soon (slow-client tests)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.rcvbuf)
        self.sock, self._buf, self._stage = sock, bytearray(), "http"
        self._accepted = loop.create_future()
        self._auth = auth
        try:
            await asyncio.wait_for(self._open(loop, sock), timeout)
        except BaseException:
            self.close()
            raise

    async def _open(self, loop, sock) -> None:
        await loop.sock_connect(sock, (self.host, self.port))
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                   f"Host: {self.host}:{self.port}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                   f"Sec-WebSocket-Version: 13\r\n"
                   + (f"Sec-WebSocket-Extensions: {self.offer}\r\n" if self.offer else "")
                   + "\r\n")
        await loop.sock_sendall(sock, request.encode())
        loop.add_reader(sock.fileno(), self._readable)
        await self._accepted
        self.up = True

    def pause(self) -> None:
        """Stop reading (the kernel buffers fill, then the server's writes wait)."""
        if self.sock is not None:
            self._loop.remove_reader(self.sock.fileno())

    def resume(self) -> None:
        if self.sock is not None:
            self._loop.add_reader(self.sock.fileno(), self._readable)

    def send_text(self, text: str) -> None:
        if self.sock is not None:
            # Tiny frames on an idle socket: the kernel buffer takes them whole.
            with contextlib.suppress(OSError):
                self.sock.send(_frame(text))

    def close(self) -> None:
        sock, self.sock = self.sock, None
        was_up, self.up = self.up, False
        if sock is not None:
            with contextlib.suppress(Exception):
                self._loop.remove_reader(sock.fileno())
            with contextlib.suppress(OSError):
                sock.close()
        if self._accepted is not None and not self._accepted.done():
            self._accepted.set_exception(ProtocolError("closed before the namespace opened"))
        if was_up and self.on_close is not None:
            self.on_close()

    # -- reading --------------------------------------------------------------------------
    def _readable(self) -> None:
        sock = self.sock
        if sock is None:
            return
        try:
            data, anc, _flags, _addr = sock.recvmsg(1 << 18, _CMSG)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.close()
            return
        if not data:
            self.close()
            return
        app = time.time()
        kernel = app
        for level, kind, raw in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(raw) >= 16:
                sec, nsec = struct.unpack("qq", raw[:16])
                kernel = sec + nsec / 1e9
        self._buf += data
        try:
            if self._stage == "http":
                self._http()
            if self._stage == "ws":
                self._frames(kernel, app)
        except ProtocolError as exc:
            if self._accepted is not None and not self._accepted.done():
                self._accepted.set_exception(exc)
            self.close()

    def _http(self) -> None:
        end = self._buf.find(b"\r\n\r\n")
        if end < 0:
            return
        status = bytes(self._buf[:end]).split(b"\r\n", 1)[0]
        if b" 101 " not in status + b" ":
            raise ProtocolError(f"upgrade refused: {status[:80]!r}")
        for line in bytes(self._buf[:end]).decode("latin-1").split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "sec-websocket-extensions":
                self.extensions = value.strip()
        del self._buf[:end + 4]
        self._stage = "ws"

    def _frames(self, kernel: float, app: float) -> None:
        buf = self._buf
        pos = 0
        while len(buf) - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            n, head = b1 & 0x7F, 2
            if n == 126:
                if len(buf) - pos < 4:
                    break
                n, head = struct.unpack_from("!H", buf, pos + 2)[0], 4
            elif n == 127:
                if len(buf) - pos < 10:
                    break
                n, head = struct.unpack_from("!Q", buf, pos + 2)[0], 10
            if len(buf) - pos < head + n:
                break
            payload = bytes(buf[pos + head:pos + head + n])
            pos += head + n
            opcode = b0 & 0x0F
            if opcode == 8:
                raise ProtocolError("closed by the server")
            if b0 & 0x40:  # RSV1: compressed (permessage-deflate)
                payload = self._inflated(payload)
            if opcode == 1:
                self._packet(payload.decode(), kernel, app)
            if self.sock is None:
                return
        del buf[:pos]

    def _inflated(self, payload: bytes) -> bytes:
        if "permessage-deflate" not in self.extensions:
            raise ProtocolError("a compressed frame without permessage-deflate")
        self.compressed += 1
        if "server_no_context_takeover" in self.extensions:
            return zlib.decompressobj(-15).decompress(payload + TAIL)
        if self._inflate is None:  # the server keeps its context: so must we
            self._inflate = zlib.decompressobj(-15)
        return self._inflate.decompress(payload + TAIL)

    def _packet(self, text: str, kernel: float, app: float) -> None:
        kind = text[:1]
        if kind == "2":  # Engine.IO ping
            self.send_text("3")
        elif kind == "0":  # Engine.IO open: now the namespace
            self.send_text(f"40{self.ns}," + json.dumps(self._auth))
        elif kind == "1":
            raise ProtocolError("closed by the server")
        elif kind == "4":
            self._socketio(text[1:], kernel, app)

    def _socketio(self, text: str, kernel: float, app: float) -> None:
        kind, rest = text[:1], text[1:]
        prefix = self.ns + ","
        if rest.startswith(prefix):
            rest = rest[len(prefix):]
        if kind == "0":
            if not self._accepted.done():
                self._accepted.set_result(True)
        elif kind == "4":
            raise ProtocolError(f"refused: {rest[:200]}")
        elif kind == "1":
            raise ProtocolError("namespace closed by the server")
        elif kind == "2":
            name = rest[2:rest.index('"', 2)] if rest.startswith('["') else None
            if name in self.raw:
                self.handlers[name](rest, kernel, app)
                return
            args = json.loads(rest)
            handler = self.handlers.get(args[0])
            if handler is not None:
                handler(args[1] if len(args) > 1 else None, kernel, app)
