"""Web Push: the server's VAPID public key (the browser's ``applicationServerKey``) and a
field account's subscriptions (the browser's ``PushSubscription`` JSON, as it is)."""

from __future__ import annotations

from flask import Blueprint
from flask import jsonify

from server.auth import request as auth
from server.errors import NotFound
from server.platform import crypto
from server.platform.db import get_session
from server.services import push
from server.web.body import json_object
from server.web.openapi import INT
from server.web.openapi import STR
from server.web.openapi import body
from server.web.openapi import obj
from server.web.openapi import ok
from server.web.openapi import op

bp = Blueprint("api_push", __name__, url_prefix="/api/v1")


@bp.get("/push/vapid-public-key")
def vapid_public_key():
    """Public: it is what every browser needs to subscribe, and proves nothing by itself."""
    return jsonify({"public_key": crypto.vapid_public_key()})


@bp.post("/me/push-subscriptions")
@auth.require("field")
def subscribe():
    """Keep this browser's subscription: 201, or 200 when it was already known."""
    row, created = push.subscribe(get_session(), auth.current_principal(), json_object())
    return jsonify({"id": row.id, "endpoint": row.endpoint}), 201 if created else 200


@bp.delete("/me/push-subscriptions")
@auth.require("field")
def unsubscribe():
    """Forget this browser's subscription (``{"endpoint"}`` suffices): 204, or 404."""
    if not push.unsubscribe(get_session(), auth.current_principal(), json_object()):
        raise NotFound("no such subscription", {"endpoint": "not subscribed by this account"})
    return "", 204


# -- OpenAPI (collected by server/web/api_openapi.py) -------------------------------------
SUBSCRIPTION = obj(("endpoint", "keys"), endpoint=STR, expirationTime={
    "type": "number", "nullable": True}, keys=obj(("p256dh", "auth"), p256dh=STR, auth=STR))
OPENAPI = {
    "/api/v1/push/vapid-public-key": {"get": op(
        "The VAPID public key (applicationServerKey)", "field",
        ok(obj(("public_key",), public_key=STR)), public=True)},
    "/api/v1/me/push-subscriptions": {
        "post": op("Subscribe this browser to Web Push (field tablets)", "field",
                   {**ok(obj(("id", "endpoint"), id=INT, endpoint=STR), 201),
                    **ok(obj(("id", "endpoint"), id=INT, endpoint=STR))},
                   request=body(SUBSCRIPTION)),
        "delete": op("Unsubscribe this browser", "field",
                     {"204": {"description": "Forgotten"}},
                     request=body(obj(("endpoint",), endpoint=STR)))},
}
