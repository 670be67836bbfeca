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

import contextlib
import logging
import time

from flask import current_app
from flask import request
from flask import session as cookie_session
from flask_socketio import ConnectionRefusedError
from flask_socketio import join_room
from flask_socketio import leave_room

from server.auth import request as auth
from server.auth.credentials import CHANNEL_KEY_PREFIX
from server.auth.scope import Principal
from server.auth.scope import scope as scope_of
from server.extensions import socketio
from server.platform import clock
from server.platform.db import get_db
from server.queries import events as event_queries
from server.realtime import events
from server.realtime import status
from server.realtime.emit import message
from server.realtime.events import NAMESPACE

log = logging.getLogger(__name__)

#: sid -> principal, for the sockets of this process.
_principals: dict[str, Principal] = {}


def _private_rooms(principal: Principal) -> list[str]:
    return [f"user:{principal.user_id}", f"token:{principal.token_id}"]


def _authenticate(data) -> Principal | None:
    token = data.get("token") if isinstance(data, dict) else None
    if isinstance(token, str) and token and not token.startswith(CHANNEL_KEY_PREFIX):
        return auth.principal_for_token(token, kinds=("api",))
    sid = cookie_session.get("sid")
    if sid:
        return auth.principal_for_token(sid, kinds=("session", "wall"))
    return None


def _since(data) -> int | None:
    value = data.get("since") if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


@socketio.on("connect", namespace=NAMESPACE)
def on_connect(data=None):
    """Authenticate; then (once the connection is accepted) catch up and go live."""
    principal = _authenticate(data)
    if principal is None:
        raise ConnectionRefusedError("unauthorized")
    _principals[request.sid] = principal
    for room in _private_rooms(principal):
        join_room(room)
    app = current_app._get_current_object()
    if not _expiry_watch:
        _expiry_watch.append(socketio.start_background_task(_end_expired, app))
    socketio.start_background_task(_catch_up, app, request.sid, principal, _since(data))
    return True


def _catch_up(app, sid: str, principal: Principal, since: int | None) -> None:
    """Send every missed event in scope, in order, join the live rooms, then ``synced``.

    Runs under the publisher's lock, so no live event can slip between the last caught-up
    event and the first live one: the client sees no gap and no duplicate. A gap larger than
    ``LIVE_CATCHUP_MAX`` events is answered with ``reset`` (reload your state, then go on).
    """
    _await_acceptance(sid)
    with app.app_context():
        publisher = app.extensions.get("kendali_publisher")
        lock = publisher.lock if publisher is not None else contextlib.nullcontext()
        scope = scope_of(principal)
        with get_db().session() as session, lock:
            if sid not in _principals:
                return  # gone meanwhile
            if publisher is not None and publisher.last is None:
                publisher.start_at(session)  # before its first tick: start from here
            frontier = publisher.last if publisher is not None \
                    else event_queries.last_seq(session)
            if since is not None and since < frontier:
                _send_missed(app, session, sid, scope, since, frontier)
            for room in scope.default_rooms():
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


_MISSED_ENTRIES, _MISSED_MAX_ROWS = 32, 2000


def _missed(app, session, scope, since: int, frontier: int) -> list[dict] | None:
    """The messages in ``scope`` after ``since`` up to ``frontier``; None when too many.

    Everything up to the publisher's frontier is final (committed, or known rolled back, in
    an append-only log), so clients resuming from the same point (after a restart: nearly
    all of them) share one query: a few short lists per app, cached.
    """
    cache = app.extensions.setdefault("kendali_catch_up", {})
    key = (scope, since, frontier)
    cached = cache.get(key, cache)  # the dict itself: "not cached" (None means too many)
    if cached is not cache:
        return cached
    limit = app.config["LIVE_CATCHUP_MAX"]
    rows = event_queries.list_scoped(session, scope, since, limit + 1, upto=frontier)
    found = None if len(rows) > limit else [message(row) for row in rows]
    if found is None or len(found) <= _MISSED_MAX_ROWS:
        if len(cache) >= _MISSED_ENTRIES:
            cache.clear()
        cache[key] = found
    return found


def _send_missed(app, session, sid, scope, since: int, frontier: int) -> None:
    messages = _missed(app, session, scope, since, frontier)
    if messages is None:
        socketio.emit(events.MSG_RESET, {"reason": "gap too old for catch-up", "seq": frontier},
                      to=sid, namespace=NAMESPACE, ignore_queue=True)
        return
    # The socket is this process's: emit locally (through Redis, every event would be
    # published, read back by every process, and could arrive after a later live event).
    for msg in messages:
        socketio.emit(events.MSG_EVENT, msg, to=sid, namespace=NAMESPACE, ignore_queue=True)


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


@socketio.on("disconnect", namespace=NAMESPACE)
def on_disconnect(*_args):
    _principals.pop(request.sid, None)


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
