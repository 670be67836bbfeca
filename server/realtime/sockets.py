"""The ``/live`` Socket.IO namespace: authenticate at connect, join only rooms in scope.

A client connects with ``auth={"token": …}`` (a bearer token from ``/api/v1/auth/token``) or
with its browser session cookie; anything else is refused. It is placed in its scope's rooms
and may ask to join others (``join`` with ``{"room": …}``) only where its scope allows. Each
socket is also in private rooms for its account and token, so that disabling the account or
revoking the token disconnects it at once, in whichever process it lives (the revocation is
a ``NOTIFY`` every process hears). A socket also ends when its credential expires (checked
every second by one task per process), as the next HTTP request with it would be refused.
"""

from __future__ import annotations

import logging
import time

from flask import request
from flask_socketio import ConnectionRefusedError
from flask_socketio import join_room
from flask_socketio import leave_room
from itsdangerous import BadSignature
from werkzeug.http import parse_cookie

from server.auth.credentials import CHANNEL_KEY_PREFIX
from server.auth.scope import Principal
from server.auth.scope import scope as scope_of
from server.extensions import socketio
from server.platform import clock
from server.platform.db import get_db
from server.queries import events as event_queries
from server.realtime import events
from server.realtime import status
from server.realtime.admission import for_app
from server.realtime.emit import Viewer
from server.realtime.emit import encode
from server.realtime.emit import message
from server.realtime.events import NAMESPACE
from server.realtime.publisher import Publisher

log = logging.getLogger(__name__)

#: sid -> principal, for the sockets of this process.
_principals: dict[str, Principal] = {}


def live_clients() -> int:
    """Live clients accepted by this process (``/healthz``)."""
    return len(_principals)


def _private_rooms(principal: Principal) -> list[str]:
    return [f"user:{principal.user_id}", f"token:{principal.token_id}"]


def _authenticate(app, environ, data) -> Principal | None:
    admission = for_app(app)
    token = data.get("token") if isinstance(data, dict) else None
    if isinstance(token, str) and token and not token.startswith(CHANNEL_KEY_PREFIX):
        return admission.principal(token, ("api",))
    sid = _cookie_sid(app, environ)
    if isinstance(sid, str) and sid:
        return admission.principal(sid, ("session", "wall"))
    return None


def _cookie_sid(app, environ) -> str | None:
    """The ``sid`` of the browser's session cookie, read as Flask reads it (signed, not older
    than the session lifetime), without a request context."""
    value = parse_cookie(environ).get(app.config["SESSION_COOKIE_NAME"])
    if not value:
        return None
    serializer = app.extensions.get("kendali_cookie_serializer")
    if serializer is None:  # building one derives the key: once per app, not per socket
        serializer = app.session_interface.get_signing_serializer(app)
        app.extensions["kendali_cookie_serializer"] = serializer
    try:
        data = serializer.loads(value, max_age=int(app.permanent_session_lifetime
                                                   .total_seconds()))
    except BadSignature:
        return None
    return data.get("sid") if isinstance(data, dict) else None


def _since(data) -> int | None:
    value = data.get("since") if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def install(app) -> None:
    """Handle ``/live`` connects and disconnects on this app's Socket.IO server.

    Plain python-socketio handlers, not Flask-SocketIO's: those push a Flask request context
    around every call (the session cookie decoded with a freshly derived key, the rate
    limiter's hooks, teardown), which cost more than the rest of a connection together.
    """
    socketio.server.on("connect", lambda sid, environ, auth=None: _on_connect(
        app, sid, environ, auth), namespace=NAMESPACE)
    socketio.server.on("disconnect", lambda sid, *_reason: _principals.pop(sid, None),
                       namespace=NAMESPACE)


def _on_connect(app, sid: str, environ, data) -> bool:
    """Authenticate; then (once the connection is accepted) catch up and go live."""
    try:
        principal = _authenticate(app, environ, data)
    except Exception:  # the database is away: refuse now, the client retries with backoff
        log.exception("live: cannot check a connection's credentials")
        raise ConnectionRefusedError("unavailable") from None
    if principal is None:
        raise ConnectionRefusedError("unauthorized")
    _principals[sid] = principal
    for room in _private_rooms(principal):
        socketio.server.enter_room(sid, room, namespace=NAMESPACE)
    if not _expiry_watch:
        _expiry_watch.append(socketio.start_background_task(_end_expired, app))
    socketio.start_background_task(_catch_up, app, sid, principal, _since(data))
    return True


def _catch_up(app, sid: str, principal: Principal, since: int | None) -> None:
    """Send every missed event in scope, in order, join the live rooms, then ``synced``.

    First, without holding anything, the bulk of what was missed up to the publisher's
    position, queued as the client reads it. Then, under the publisher's lock (so that no
    live event slips between the last caught-up event and the first live one: no gap, no
    duplicate), the few released meanwhile, the rooms and ``synced``. A gap of more than
    ``LIVE_CATCHUP_MAX`` events is answered with ``reset`` (reload your state, then go on).
    """
    _await_acceptance(sid)
    with app.app_context(), get_db().session() as session:
        publisher = app.extensions.get("kendali_publisher")
        if publisher is None:  # no loops in this process (tests): a publisher of its own
            publisher = app.extensions["kendali_publisher"] = Publisher()
        scope = scope_of(principal)
        rooms = scope.default_rooms()
        viewer = Viewer.of(rooms)
        if since is not None:
            with publisher.lock:
                if publisher.last is None:
                    publisher.start_at(session)  # before its first tick: start from here
                upto = publisher.last
            if since < upto and not _send_missed(app, session, publisher, sid, scope, viewer,
                                                 since, upto, paced=True):
                return
            since = max(since, upto)
        with publisher.lock:
            if sid not in _principals:
                return  # gone meanwhile
            if publisher.last is None:
                publisher.start_at(session)
            frontier = publisher.last
            if since is not None and since < frontier:
                _send_missed(app, session, publisher, sid, scope, viewer, since, frontier)
            for room in rooms:
                socketio.server.enter_room(sid, room, namespace=NAMESPACE)
            socketio.emit(events.MSG_SYNCED, {"seq": frontier, **status.snapshot()}, to=sid,
                          namespace=NAMESPACE, ignore_queue=True)


def _await_acceptance(sid: str, timeout_s: float = 5.0) -> None:
    """Wait until the connect handler has returned and the acceptance has been sent.

    Until then the socket is only "pre-connected": anything emitted to it would reach the
    client before its ``connect`` and be lost. The handler may still be doing I/O after it
    started this task (its request's teardown ends a database transaction), so one yield is
    not enough.
    """
    manager = socketio.server.manager
    deadline = time.monotonic() + timeout_s
    socketio.sleep(0)
    while manager.is_pre_connected(sid, NAMESPACE) and time.monotonic() < deadline:
        socketio.sleep(0.005)


def _missed(app, session, publisher, scope, viewer, since: int, upto: int) -> list | None:
    """The encoded messages in scope after ``since`` up to ``upto``; None when too many.

    From the publisher's window of recent events (filled from the log once when a restart
    left it empty), by position and the client's rooms; a client further behind than the
    window is answered from the log by its scope, as before.
    """
    limit = app.config["LIVE_CATCHUP_MAX"]
    entries = publisher.window.load(session, since, upto)
    if entries is not None:
        found = [e.packets for e in entries if viewer.sees(e.audience)]
        return None if len(found) > limit else found
    rows = event_queries.list_scoped(session, scope, since, limit + 1, upto=upto)
    session.commit()
    return None if len(rows) > limit else [encode(events.MSG_EVENT, message(r)) for r in rows]


def _send_missed(app, session, publisher, sid, scope, viewer, since: int, upto: int,
                 paced: bool = False) -> bool:
    """Queue what ``sid`` missed (or ``reset``); False when the client went away."""
    found = _missed(app, session, publisher, scope, viewer, since, upto)
    manager = socketio.server.manager
    if found is None:
        socketio.emit(events.MSG_RESET, {"reason": "gap too old for catch-up", "seq": upto},
                      to=sid, namespace=NAMESPACE, ignore_queue=True)
        return True
    # The socket is this process's: queued locally (through Redis, every event would be
    # published, read back by every process, and could arrive after a later live event).
    if paced:
        return manager.send_paced(sid, NAMESPACE, found)
    eio_sid = manager.eio_sid_from_sid(sid, NAMESPACE)
    for packets in found:
        for p in packets:
            socketio.server._send_eio_packet(eio_sid, p)
    return True


#: The task ending expired sockets, once started (one per process).
_expiry_watch: list = []
EXPIRY_CHECK_S = 1.0


def _end_expired(app) -> None:
    """Forever: disconnect this process's sockets whose token or session has expired."""
    while True:
        socketio.sleep(EXPIRY_CHECK_S)
        try:
            with app.app_context():
                now = clock.now()
            for sid, principal in list(_principals.items()):
                if principal.expires_at is not None and principal.expires_at <= now:
                    log.info("disconnecting socket %s (credential expired)", sid)
                    _principals.pop(sid, None)
                    socketio.server.disconnect(sid, namespace=NAMESPACE, ignore_queue=True)
        except Exception:  # noqa: BLE001 - logged; the watch goes on
            log.exception("ending expired sockets failed")


@socketio.on("join", namespace=NAMESPACE)
def on_join(data):
    """Join a province, regency or responder room; answers ``{"ok": …}`` or ``{"error": …}``."""
    principal = _principals.get(request.sid)
    room = data.get("room") if isinstance(data, dict) else None
    if principal is None or not isinstance(room, str):
        return {"error": "bad request"}
    if not scope_of(principal).may_join(room):
        return {"error": "forbidden", "room": room}
    join_room(room)
    return {"ok": True, "room": room}


@socketio.on("leave", namespace=NAMESPACE)
def on_leave(data):
    room = data.get("room") if isinstance(data, dict) else None
    if isinstance(room, str) and not room.startswith(("user:", "token:")):
        leave_room(room)
    return {"ok": True}


def disconnect_revoked(payload: str) -> None:
    """Drop this process's sockets of a disabled account or revoked token (``user:5``)."""
    if not payload.startswith(("user:", "token:")):
        return
    sids = [sid for sid, _ in socketio.server.manager.get_participants(NAMESPACE, payload)]
    for sid in sids:
        log.info("disconnecting socket %s (%s revoked)", sid, payload)
        socketio.server.disconnect(sid, namespace=NAMESPACE, ignore_queue=True)
