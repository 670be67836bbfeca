"""The eventlet websocket transport of ``/live``: shared frames, written straight to idle sockets.

Engine.IO's websocket transport (python-engineio on eventlet) gives each connection a queue
and a writer green thread, and its websocket builds every frame anew: for one event sent to
5,000 clients of a process that is 5,000 UTF-8 encodings and frame headers, 5,000 queue
hand-offs that wake 5,000 writers, and 5,000 timers re-armed by the writers' waits. And a
browser offers ``permessage-deflate``, which eventlet accepts with a compressor per connection
(about 94 KB of zlib state each, and a compression per message per client).

Here instead:

- the text of a packet shared by many clients keeps its frames, built once, plain and
  compressed, for every client (:mod:`server.realtime.wire`);
- ``permessage-deflate`` is accepted only with ``server_no_context_takeover`` (RFC 7692 lets
  a server add it to any offer): each message is compressed on its own, so the compressed
  frame is the same bytes for every client and no connection keeps a compressor;
- :func:`send_now` writes a live event straight to a client's socket when nothing of that
  client is waiting (its queue is empty and its writer is not sending): one ``send`` call, no
  hand-off. Anything else (a partial write's rest is finished by a green thread holding the
  socket's send lock; a full socket buffer; polling clients; an upgrade in progress) goes
  through the queue as before, so the order of a client's messages never changes.
"""

from __future__ import annotations

import _socket

import eventlet
from engineio.async_drivers.eventlet import WebSocketWSGI as _EngineIOWebSocketWSGI
from eventlet.websocket import RFC6455WebSocket

from server.realtime.wire import WBITS
from server.realtime.wire import frame


class WireSocket(RFC6455WebSocket):
    """eventlet's websocket, sending text through :func:`frame` (shared frames, compression
    without a compressor per connection)."""

    deflate = False

    def send(self, message, **kw):
        if kw or not isinstance(message, str):
            return super().send(message, **kw)
        self._send(frame(message, self.deflate))


class WebSocketWSGI(_EngineIOWebSocketWSGI):
    """Engine.IO's eventlet websocket endpoint with :class:`WireSocket`; the Engine.IO socket it
    serves gets the websocket as ``wire`` for :func:`send_now`."""

    def _negotiate_permessage_deflate(self, extensions):
        offers = [config for config in (extensions or {}).get("permessage-deflate", ())
                  if config.get("server_max_window_bits") in (None, str(WBITS))]
        agreed = super()._negotiate_permessage_deflate(
            {"permessage-deflate": offers} if offers else None)
        if agreed is not None:
            agreed["server_no_context_takeover"] = True
        return agreed

    def _handle_hybi_request(self, environ):
        ws = super()._handle_hybi_request(environ)
        ws.__class__ = WireSocket
        ws.deflate = "permessage-deflate" in ws.extensions
        owner = getattr(self.handler, "__self__", None)  # the Engine.IO socket it serves
        if owner is not None:
            owner.wire = ws
        return ws


def install(server) -> None:
    """Serve a python-socketio server's websockets through :class:`WebSocketWSGI` and let its
    client manager write live events with :func:`send_now` (eventlet only)."""
    eio = server.eio
    if eio.async_mode == "eventlet":
        eio._async = {**eio._async, "websocket": WebSocketWSGI}
        server.manager.send_now = send_now


def send_now(sock, packets: list) -> bool:
    """Write ``packets`` to an Engine.IO socket's websocket now, if nothing of that client is
    waiting to be sent. False: not written (the caller queues them)."""
    ws = getattr(sock, "wire", None)
    if (ws is None or not sock.upgraded or sock.upgrading or sock.closed or sock.closing
            or sock.queue.qsize() or ws._sendlock.locked()):
        return False
    fd = getattr(ws.socket, "fd", None)  # the OS socket under eventlet's green one
    if getattr(type(fd), "send", None) is not _RAW_SEND or fd.gettimeout() != 0.0:
        return False  # not a plain non-blocking socket (TLS overrides send): the queue
    if not sock.check_ping_timeout():
        return True  # the client is gone: closed now, nothing to send (as Engine.IO does)
    deflate = ws.deflate
    data = b"".join([frame(p.encode(), deflate) for p in packets])
    try:
        sent = fd.send(data)
    except BlockingIOError:
        return False
    except OSError:
        return False  # the writer meets the same error and closes the connection
    if sent < len(data):
        # The rest goes before anything else of this client: hold the send lock (free: checked
        # above, nothing yielded since) until it is written.
        ws._sendlock.acquire()
        eventlet.spawn_n(_finish, ws, memoryview(data)[sent:])
    return True


def _finish(ws, rest) -> None:
    try:
        ws.socket.sendall(rest)
    except OSError:
        pass  # the connection is going: its reader and writer notice
    finally:
        ws._sendlock.release()


#: ``send`` of a plain socket (under eventlet or gunicorn's eventlet worker alike): one system
#: call that never waits on a non-blocking socket.
_RAW_SEND = _socket.socket.send
