"""Web Push to the field tablets (VAPID, RFC 8292; payloads encrypted aes128gcm, RFC 8291).

A field account's browsers subscribe (their ``PushSubscription`` JSON); a new assignment
queues one delivery per subscription of the responder's field accounts, in the dispatch's own
transaction, and the ``notify.deliver`` job sends them like the webhook's: each on its own,
retried with backoff, a push service's 404 or 410 removing the subscription. A push is a
chance to wake the worker up, not a guarantee: the acknowledgement deadline still runs.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from py_vapid import Vapid
from pywebpush import WebPushException
from pywebpush import webpush
from sqlalchemy.orm import Session

from server.auth.scope import Principal
from server.errors import ApiError
from server.models import DeliveryRow
from server.models import PushSubscriptionRow
from server.platform import clock
from server.platform import crypto
from server.platform.origins import configured_base_url
from server.queries import incidents as incident_queries
from server.queries import push as q
from server.realtime import events

log = logging.getLogger(__name__)
NOTIFIER = "webpush"
MAX_ENDPOINT = 2048
#: The push service's answers that mean "this subscription no longer exists".
GONE = (404, 410)


def _b64url(value, size: int, name: str, fields: dict) -> bytes | None:
    if not isinstance(value, str) or len(value) > 200:
        fields[name] = "required base64url text"
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != size:
        fields[name] = f"base64url of {size} bytes"
        return None
    return raw


def _validate(data: dict, keys_needed: bool = True) -> tuple[str, str, str]:
    """(endpoint, p256dh, auth) of a PushSubscription JSON, or a 400 naming the fields."""
    fields: dict[str, str] = {}
    endpoint = data.get("endpoint")
    schemes = ("https",) + (("http",) if current_app.config["PUSH_ALLOW_HTTP"] else ())
    parts = urlsplit(endpoint) if isinstance(endpoint, str) else None
    if parts is None or len(endpoint) > MAX_ENDPOINT or parts.scheme not in schemes \
            or not parts.hostname:
        fields["endpoint"] = f"required {' or '.join(schemes)} URL of the push service"
    keys = data.get("keys")
    p256dh = None
    if keys_needed and not isinstance(keys, dict):
        fields["keys"] = 'required: {"p256dh", "auth"}'
    elif keys_needed:
        p256dh = _b64url(keys.get("p256dh"), 65, "keys.p256dh", fields)
        _b64url(keys.get("auth"), 16, "keys.auth", fields)
        if p256dh is not None:
            try:  # a point on P-256, or the encryption would fail at every send
                ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), p256dh)
            except ValueError:
                fields["keys.p256dh"] = "not a P-256 public key"
    if fields:
        raise ApiError("invalid push subscription", fields)
    return endpoint, keys.get("p256dh") if keys_needed else "", \
        keys.get("auth") if keys_needed else ""


def subscribe(session: Session, principal: Principal, data: dict) -> tuple[PushSubscriptionRow,
                                                                          bool]:
    """Keep a browser's subscription for this account; (row, created). An endpoint belongs to
    the last account that subscribed it (a shared tablet changing hands)."""
    endpoint, p256dh, auth = _validate(data)
    row = q.by_endpoint(session, endpoint)
    created = row is None
    if created:
        row = PushSubscriptionRow(endpoint=endpoint)
        session.add(row)
    row.user_id, row.p256dh, row.auth = principal.user_id, p256dh, auth
    session.commit()
    return row, created


def unsubscribe(session: Session, principal: Principal, data: dict) -> bool:
    """Forget one of this account's subscriptions; False when it has none at that endpoint."""
    endpoint, _, _ = _validate(data, keys_needed=False)
    row = q.by_endpoint(session, endpoint)
    if row is None or row.user_id != principal.user_id:
        return False
    session.delete(row)
    session.commit()
    return True


def enqueue(session: Session, dispatches: list, incident) -> int:
    """Queue a push per subscription of each notified responder's field accounts."""
    subscriptions = q.for_responders(session, [d.responder_id for d in dispatches])
    if not subscriptions:
        return 0
    area_names = {a.code: a.name for a in incident_queries.incident_areas(session, incident.id)}
    queued = 0
    for d in dispatches:
        for sub_id in subscriptions.get(d.responder_id, []):
            session.add(DeliveryRow(
                dispatch_id=d.id, notifier=NOTIFIER, subscription_id=sub_id,
                payload=_payload(d, incident, area_names.get(d.area_code)),
                status="pending", attempts=0, next_attempt_at=clock.now()))
            queued += 1
    return queued


def enqueue_standby(session: Session, notices: list, warning) -> int:
    """Queue a push per subscription for each new standby notice (the same tablet alert,
    titled with the warning)."""
    subscriptions = q.for_responders(session, [d.responder_id for d in notices])
    names = {code: name for code, _, name in
             incident_queries.areas_named(session, [d.area_code for d in notices])}
    title = " — ".join(t for t in (warning.event, warning.area_desc) if t)
    queued = 0
    for d in notices:
        for sub_id in subscriptions.get(d.responder_id, []):
            session.add(DeliveryRow(
                dispatch_id=d.id, notifier=NOTIFIER, subscription_id=sub_id,
                payload={"type": events.standby_event("notified"), "dispatch_id": d.id,
                         "warning_id": warning.id, "title": title[:200],
                         "severity": warning.severity, "area": d.area_code,
                         "area_name": names.get(d.area_code, d.area_code)[:120],
                         "ack_deadline": d.ack_deadline.isoformat()},
                status="pending", attempts=0, next_attempt_at=clock.now()))
            queued += 1
    return queued


def _payload(d, incident, area_name: str | None) -> dict:
    """What the tablet's service worker shows (kept small: push services cap payloads at
    4 KB, and it is all the worker reads before opening the page)."""
    return {"type": events.dispatch_event("notified"), "dispatch_id": d.id,
            "incident_id": incident.id, "title": incident.title[:200],
            "severity": incident.severity, "area": d.area_code,
            "area_name": (area_name or d.area_code)[:120],
            "ack_deadline": d.ack_deadline.isoformat(),
            "url": f"{configured_base_url(current_app.config)}/field"}


def _vapid() -> Vapid:
    cache = current_app.extensions.setdefault("kendali_keys", {})
    if "VAPID_SIGNER" not in cache:
        cache["VAPID_SIGNER"] = Vapid(private_key=crypto.vapid_key())
    return cache["VAPID_SIGNER"]


def prepare() -> dict:
    """What :func:`send` needs from the app, read once per run (sends may run off the app
    context, in parallel)."""
    config = current_app.config
    return {"signer": _vapid(), "subject": config["VAPID_SUBJECT"],
            "ttl": int(config["DISPATCH_ACK_TIMEOUT_S"])}


def send(ctx: dict, subscription: dict, payload: dict) -> tuple[int | None, str | None]:
    """POST one encrypted push; (status code, error or None). The message lives only as long
    as the acknowledgement deadline (``TTL``), and asks to wake the device (``Urgency``)."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    try:
        res = webpush(subscription, body, vapid_private_key=ctx["signer"],
                      vapid_claims={"sub": ctx["subject"]}, ttl=ctx["ttl"], timeout=(3.05, 5),
                      headers={"Urgency": "high", "Topic": f"dispatch{payload['dispatch_id']}"})
    except WebPushException as exc:
        code = exc.status_code
        return code, f"HTTP {code}" if code else str(exc)[:200]
    except Exception as exc:  # network errors, refused connections: retried later
        return None, f"{type(exc).__name__}: {str(exc)[:200]}"
    return res.status_code, None
