"""The Socket.IO client manager of a server process: shared packets, bounded queues.

python-socketio queues every outgoing packet per client (Engine.IO's queue, drained by one
writer green thread per websocket) with no bound: a client that stops reading (a tablet on a
failing link, a stuck tab) would hold a growing queue for as long as the server keeps
sending. Here, a client whose queue holds more than ``LIVE_SEND_QUEUE`` messages when another
live one arrives is dropped instead: its backlog is discarded, its transport closed (the
Engine.IO close, not a Socket.IO disconnect, so the client reconnects by itself) and it
catches up with ``since`` from the log. Nobody else waits for it: each socket has its own
writer.

Catch-ups go through :meth:`send_paced`: a long backlog is queued a chunk at a time, as
the client reads it, so that it never counts as falling behind.
"""

from __future__ import annotations

import logging
import time

import socketio
from engineio import packet as eio_packet
from socketio import packet as sio_packet

from server.realtime.wire import Shared

log = logging.getLogger(__name__)

#: A catch-up queues this many messages, then waits until the client has read most of them.
CHUNK = 256


def encode(server, namespace: str, event: str, data) -> list:
    """The Engine.IO packets of one Socket.IO event, encoded now (the text is cached in each
    packet), to be shared by every queue that sends it."""
    args = list(data) if isinstance(data, tuple) else [] if data is None else [data]
    encoded = server.packet_class(sio_packet.EVENT, namespace=namespace,
                                  data=[event, *args]).encode()
    packets = [eio_packet.Packet(eio_packet.MESSAGE, p)
               for p in (encoded if isinstance(encoded, list) else [encoded])]
    for p in packets:
        p.encode_cache = Shared(p.encode())  # its websocket frames are built once, too
    return packets


class _SidSet(dict):
    """The list API python-socketio uses for its pending connections, in O(1)."""

    def append(self, sid) -> None:
        self[sid] = None

    def remove(self, sid) -> None:
        del self[sid]


class _Pending(dict):
    def __setitem__(self, namespace, sids) -> None:
        super().__setitem__(namespace, _SidSet.fromkeys(sids))


class _Bounded(socketio.Manager):
    """python-socketio's manager, made for thousands of clients per process.

    Adds :meth:`deliver` and :meth:`send_paced`, and keeps which rooms each client is in:
    the base class finds them on disconnect by testing every room of the namespace (three
    per client here), and keeps pending connections in lists, so that 10,000 clients
    (dis)connecting at once cost seconds of CPU per hundred.
    """

    max_queue = 1000
    stall_s = 30.0
    dropped = 0
    #: Writes packets to an idle client's socket at once (under eventlet,
    #: :func:`server.realtime.transport.send_now`); False: they are queued.
    send_now = staticmethod(lambda sock, packets: False)

    def emit(self, event, data, namespace, room=None, skip_sid=None, callback=None,
             to=None, **kwargs):
        if callback or namespace not in self.rooms:
            return super().emit(event, data, namespace, room=room, skip_sid=skip_sid,
                                callback=callback, to=to, **kwargs)
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        return self.deliver(encode(self.server, namespace, event, data), namespace,
                            to or room, skip)

    @property
    def pending_connect(self):
        return self.__dict__["_pending_connect"]

    @pending_connect.setter
    def pending_connect(self, value) -> None:
        self.__dict__["_pending_connect"] = _Pending(value)

    @property
    def pending_disconnect(self):
        return self.__dict__["_pending_disconnect"]

    @pending_disconnect.setter
    def pending_disconnect(self, value) -> None:
        self.__dict__["_pending_disconnect"] = _Pending(value)

    def _memberships(self) -> dict:
        found = self.__dict__.get("_member")
        if found is None:
            found = self.__dict__["_member"] = {}
        return found

    def basic_enter_room(self, sid, namespace, room, eio_sid=None):
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        self._memberships().setdefault((namespace, sid), set()).add(room)

    def basic_leave_room(self, sid, namespace, room):
        super().basic_leave_room(sid, namespace, room)
        rooms = self._memberships().get((namespace, sid))
        if rooms is not None:
            rooms.discard(room)

    def basic_disconnect(self, sid, namespace, **kwargs):
        for room in self._memberships().pop((namespace, sid), ()):
            super().basic_leave_room(sid, namespace, room)
        self._forget(sid, namespace)

    def _forget(self, sid, namespace) -> None:
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            sids = pending.get(namespace)
            if sids is not None and sid in sids:
                sids.remove(sid)
                if not sids:
                    del pending[namespace]

    def get_rooms(self, sid, namespace):
        return [r for r in self._memberships().get((namespace, sid), ()) if r is not None]

    def deliver(self, packets: list, namespace: str, rooms=None, skip=()) -> int:
        """Send pre-encoded packets to every client in ``rooms`` (None: all): straight to its
        socket when nothing of it is waiting, else queued; drop those too far behind.
        Returns how many clients got them."""
        sent, send_now = 0, self.send_now
        for sid, eio_sid in self.get_participants(namespace, rooms):
            if sid in skip:
                continue
            sock = self._socket(eio_sid)
            if sock is not None and send_now(sock, packets):
                sent += 1
                continue
            if sock is not None and sock.queue.qsize() + len(packets) > self.max_queue:
                self.drop(eio_sid)
                continue
            for p in packets:
                self.server._send_eio_packet(eio_sid, p)
            sent += 1
        return sent

    def send_paced(self, sid: str, namespace: str, messages: list[list]) -> bool:
        """Queue many messages (each a list of packets) for one client as it reads them.

        False when the client went away or read nothing for ``stall_s`` (it is dropped).
        """
        eio_sid = self.eio_sid_from_sid(sid, namespace)
        sock = self._socket(eio_sid)
        chunk = self.chunk
        for i in range(0, len(messages), chunk):
            if sock is not None and not self._drained(sock):
                self.drop(eio_sid)
                return False
            if eio_sid is None or not self.is_connected(sid, namespace):
                return False
            for packets in messages[i:i + chunk]:
                for p in packets:
                    self.server._send_eio_packet(eio_sid, p)
        return True

    def _drained(self, sock) -> bool:
        """Wait until fewer than a chunk is queued, as long as the client makes progress."""
        last, since = sock.queue.qsize(), time.monotonic()
        while sock.queue.qsize() >= self.chunk:
            if sock.closed:
                return True  # gone: the caller notices
            self.server.sleep(0.02)
            now, size = time.monotonic(), sock.queue.qsize()
            if size < last:
                last, since = size, now
            elif now - since > self.stall_s:
                return False
        return True

    @property
    def chunk(self) -> int:
        """Half the bound at most: a live event arriving at the end of a catch-up fits."""
        return max(1, min(CHUNK, self.max_queue // 2))

    def _socket(self, eio_sid):
        eio = getattr(self.server, "eio", None)
        sockets = getattr(eio, "sockets", None)
        return sockets.get(eio_sid) if sockets is not None and eio_sid is not None else None

    def drop(self, eio_sid) -> None:
        """Close a client's transport now, discarding what it has not read yet."""
        sock = self._socket(eio_sid)
        if sock is None or sock.closed or sock.closing:
            return
        type(self).dropped += 1
        log.warning("live: dropping client %s: %d messages unread (it reconnects and "
                    "catches up)", eio_sid, sock.queue.qsize())
        queue, empty = sock.queue, self.server.eio.get_queue_empty_exception()
        try:
            while True:
                queue.get(block=False)
                queue.task_done()
        except empty:
            pass
        sock.close(wait=False, abort=False, reason=self.server.eio.reason.SERVER_DISCONNECT)


class LocalManager(_Bounded):
    """One process, no message queue."""


class RedisManager(socketio.RedisManager, _Bounded):
    """Several processes sharing Redis: messages from other processes (a CLI command's
    emits) arrive through Redis and are delivered here like local ones."""


def make(redis_url: str | None, max_queue: int):
    """The client manager for ``socketio.init_app`` (``client_manager=``)."""
    manager = RedisManager(redis_url, channel="flask-socketio") if redis_url \
        else LocalManager()
    manager.max_queue = max_queue
    return manager
