"""``/api/v1/auth``: bearer tokens for tablets, scripts and API clients."""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import jsonify

from server.auth import request as auth
from server.auth.scope import Unauthorized
from server.auth.scope import scope as scope_of
from server.errors import ApiError
from server.extensions import limiter
from server.extensions import login_key
from server.platform.db import get_session
from server.services import accounts
from server.services import logins
from server.web.body import json_object
from server.web.body import string_field
from server.web.openapi import AUTH
from server.web.openapi import N_INT
from server.web.openapi import N_STR
from server.web.openapi import OBJ
from server.web.openapi import STR
from server.web.openapi import arr
from server.web.openapi import body
from server.web.openapi import obj
from server.web.openapi import ok
from server.web.openapi import op

bp = Blueprint("api_auth", __name__, url_prefix="/api/v1/auth")


#: Per address and name, and (not overriding the defaults) the anonymous budget per address.
login_limit = limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=login_key,
                            override_defaults=False)


@bp.post("/token")
@login_limit
def create_token():
    """Exchange a username and password for a bearer token."""
    data = json_object()
    fields: dict[str, str] = {}
    username = string_field(data, "username", fields, max_len=64)
    password = string_field(data, "password", fields, max_len=1024)
    if fields:
        raise ApiError("invalid credentials body", fields)
    result = logins.login(get_session(), username, password, kind="api")
    return jsonify(
        {
            "token": result.token,
            "expires_at": result.row.expires_at.isoformat(),
            "role": result.user.role,
            "region": result.user.region_code,
        }
    ), 201


@bp.delete("/token")
def revoke_token():
    """Revoke the bearer token this request carries."""
    principal = auth.current_principal()
    if principal.kind != "user" or principal.via != "bearer":
        raise Unauthorized("a bearer token is required")
    accounts.revoke_token(get_session(), principal, principal.token_id)
    return "", 204


@bp.get("/me")
def me():
    """Who the request is authenticated as, and its scope."""
    principal = auth.current_principal()
    if not principal.authenticated:
        raise Unauthorized("authentication required")
    scope = scope_of(principal)
    return jsonify(
        {
            "kind": principal.kind,
            "role": principal.role,
            "username": principal.username,
            "region": principal.region,
            "responder_id": principal.responder_id,
            "channel": principal.channel,
            "scope": {
                "national": scope.national,
                "region": scope.region,
                "responder_id": scope.responder_id,
            },
            "rooms": scope.default_rooms(),
        }
    )


# -- OpenAPI (collected by server/web/api_openapi.py) -------------------------------------
OPENAPI = {
    "/api/v1/auth/token": {
        "post": op("Exchange a username and password for a bearer token", AUTH,
                   ok(obj(("token", "expires_at", "role"), token=STR, expires_at=STR, role=STR,
                          region=N_STR), 201),
                   request=body(obj(("username", "password"), username=STR, password=STR)),
                   public=True),
        "delete": op("Revoke the bearer token in use", AUTH, ok(None, 204, description="gone")),
    },
    "/api/v1/auth/me": {"get": op("The principal, its scope and rooms", AUTH, ok(obj(
        ("kind", "role", "scope", "rooms"), kind=STR, role=N_STR, username=N_STR,
        region=N_STR, responder_id=N_INT, channel=N_STR, scope=OBJ, rooms=arr(STR))))},
}
