"""The ``/live`` Socket.IO namespace: authenticate at connect, join only rooms in scope.

A client connects with ``auth={"token": …}`` (a bearer token from ``/api/v1/auth/token``) or
with its browser session cookie; anything else is refused. It is placed in its scope's rooms
and may ask to join others (``join`` with ``{"room": …}``) only where its scope allows. Each
socket is also in private rooms for its account and token, so that disabling the account or
revoking the token disconnects it at once, in whichever process it lives (the revocation is
a ``NOTIFY`` every process hears).
"""

from __future__ import annotations

import logging

from flask import request
from flask import session as cookie_session
from flask_socketio import ConnectionRefusedError
from flask_socketio import join_room
from flask_socketio import leave_room

from server import auth
from server.events import NAMESPACE
from server.extensions import socketio

log = logging.getLogger(__name__)

#: sid -> principal, for the sockets of this process.
_principals: dict[str, auth.Principal] = {}


def _private_rooms(principal: auth.Principal) -> list[str]:
    return [f"user:{principal.user_id}", f"token:{principal.token_id}"]


def _authenticate(data) -> auth.Principal | None:
    token = data.get("token") if isinstance(data, dict) else None
    if isinstance(token, str) and token and not token.startswith(auth.CHANNEL_KEY_PREFIX):
        return auth.principal_for_token(token, kinds=("api",))
    sid = cookie_session.get("sid")
    if sid:
        return auth.principal_for_token(sid, kinds=("session", "wall"))
    return None


@socketio.on("connect", namespace=NAMESPACE)
def on_connect(data=None):
    principal = _authenticate(data)
    if principal is None:
        raise ConnectionRefusedError("unauthorized")
    _principals[request.sid] = principal
    scope = auth.scope(principal)
    for room in scope.default_rooms() + _private_rooms(principal):
        join_room(room)
    return True


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
    if not auth.scope(principal).may_join(room):
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
