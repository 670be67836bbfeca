"""``/api/v1/channels``: what complaint channel systems call with their keys."""

from __future__ import annotations

from flask import Blueprint
from flask import jsonify

from server.auth import request as auth
from server.auth.scope import CHANNELS
from server.auth.scope import Forbidden
from server.auth.scope import Principal
from server.auth.scope import Unauthorized
from server.errors import NotFound
from server.models import ApiKeyRow
from server.platform import clock
from server.platform.db import get_session
from server.web.openapi import STR
from server.web.openapi import obj
from server.web.openapi import ok
from server.web.openapi import op
from server.web.openapi import path_param

bp = Blueprint("api_channels", __name__, url_prefix="/api/v1/channels")


def require_channel(channel: str) -> Principal:
    """The request must carry a live key of ``channel``: a key submits only to its own."""
    principal = auth.current_principal()
    if principal.kind != "channel":
        raise Unauthorized("a channel key is required")
    if principal.channel != channel:
        raise Forbidden("this key belongs to another channel", {"channel": "not yours"})
    return principal


@bp.post("/<channel>/heartbeat")
def heartbeat(channel: str):
    """A channel system says it is alive; the command room sees when each channel last spoke."""
    if channel not in CHANNELS:
        raise NotFound("no such channel")
    principal = require_channel(channel)
    session = get_session()
    row = session.get(ApiKeyRow, principal.key_id)
    row.last_used_at = clock.now()
    session.commit()
    return jsonify({"channel": channel, "key": row.prefix, "at": row.last_used_at.isoformat()})


# -- OpenAPI (collected by server/web/api_openapi.py) -------------------------------------
OPENAPI = {
    "/api/v1/channels/{channel}/heartbeat": {"post": op(
        "A channel system says it is alive (channel key)", "complaints",
        ok(obj(("channel", "key", "at"), channel=STR, key=STR, at=STR)),
        [path_param("channel", STR)])},
}
