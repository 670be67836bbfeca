"""Outbound notifications beside the in-app one (the responder's Socket.IO room).

Two notifiers: the webhook POSTs JSON with an HMAC-SHA256 signature (``X-Kendali-Signature:
sha256=<hex>`` over the raw body, key ``KENDALI_WEBHOOK_SECRET``) so an SMS or WhatsApp
gateway can verify it; Web Push (:mod:`server.services.push`) wakes the responder's tablets.
Deliveries are rows: the dispatch only enqueues (inside its transaction), and the scheduler's
``notify.deliver`` job sends the due ones side by side, each with its own timeout, and records
each on its own, retrying with backoff, so a failing or hanging gateway or push service never
holds up another notification or the dispatch itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests
from flask import current_app
from sqlalchemy.orm import Session

from server.models import DeliveryRow
from server.models import DispatchRow
from server.models import PushSubscriptionRow
from server.platform import clock
from server.platform.origins import configured_base_url
from server.queries import dispatch as q
from server.realtime import events
from server.services import push

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
#: Sends in flight at once (green threads under eventlet, threads otherwise).
PARALLEL = 8


def enqueue_all(session: Session, dispatches: list[DispatchRow], incident,
                people: dict) -> None:
    """Queue the outbound notifications of new dispatches: a webhook call each (when
    configured) and a push to every subscribed tablet of the responder. A demo sends
    nothing outside: no webhook, no push."""
    if current_app.config.get("DEMO"):
        return
    if current_app.config.get("WEBHOOK_URL"):
        for d in dispatches:
            session.add(DeliveryRow(dispatch_id=d.id, notifier="webhook",
                                    payload=_webhook_payload(d, incident,
                                                             people[d.responder_id]),
                                    status="pending", attempts=0, next_attempt_at=clock.now()))
    push.enqueue(session, dispatches, incident)


def enqueue_standby(session: Session, notices: list[DispatchRow], warning, people: dict
                    ) -> None:
    """Queue the outbound notifications of new standby notices, like a dispatch's (the
    payloads say ``standby.notified`` and name the warning instead of an incident)."""
    if current_app.config.get("DEMO") or not notices:
        return
    if current_app.config.get("WEBHOOK_URL"):
        for d in notices:
            person = people[d.responder_id]
            payload = {"type": events.standby_event("notified"), "dispatch_id": d.id,
                       "warning": {"id": warning.id, "event": warning.event,
                                   "hazard": warning.hazard, "severity": warning.severity,
                                   "ends_at": warning.ends_at.isoformat()},
                       "area": d.area_code,
                       "responder": {"id": person.id, "name": person.name,
                                     "phone": person.phone, "type": person.type},
                       "ack_deadline": d.ack_deadline.isoformat()}
            session.add(DeliveryRow(dispatch_id=d.id, notifier="webhook", payload=payload,
                                    status="pending", attempts=0, next_attempt_at=clock.now()))
    push.enqueue_standby(session, notices, warning)


def _webhook_payload(dispatch, incident, responder) -> dict:
    base = configured_base_url(current_app.config)  # KENDALI_PUBLIC_URL, else host:port
    return {
        "type": "dispatch.notified", "dispatch_id": dispatch.id,
        "incident": {"id": incident.id, "title": incident.title, "hazard": incident.hazard,
                     "severity": incident.severity},
        "area": dispatch.area_code,
        "responder": {"id": responder.id, "name": responder.name, "phone": responder.phone,
                      "type": responder.type},
        "ack_deadline": dispatch.ack_deadline.isoformat(),
        "links": {"incident": f"{base}/api/v1/incidents/{incident.id}",
                  "dispatch": f"{base}/api/v1/incidents/{incident.id}/dispatch"},
    }


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _send_webhook(url: str, secret: str, payload: dict,
                  delivery_id: int) -> tuple[int | None, str | None]:
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    headers = {"Content-Type": "application/json", "X-Kendali-Signature": sign(body, secret),
               "X-Kendali-Delivery": str(delivery_id)}
    try:
        res = requests.post(url, data=body, headers=headers, timeout=(3, 5))
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {str(exc)[:200]}"
    return res.status_code, None if 200 <= res.status_code < 300 else f"HTTP {res.status_code}"


def _task(session: Session, row: DeliveryRow, config, push_ctx):
    """What sending ``row`` takes, read while the app and session are at hand: a callable
    (run in parallel, no database), or a final state when there is nothing to send."""
    if row.notifier == "webhook":
        url, secret = config.get("WEBHOOK_URL"), config.get("WEBHOOK_SECRET") or ""
        if not url:
            return lambda: (None, "no URL")
        payload, rid = row.payload, row.id
        return lambda: _send_webhook(url, secret, payload, rid)
    sub = session.get(PushSubscriptionRow, row.subscription_id) if row.subscription_id else None
    if sub is None:
        return ("gone", "subscription removed")
    dispatch = session.get(DispatchRow, row.dispatch_id)
    if dispatch is None or dispatch.state != "notified":
        return ("expired", f"assignment {dispatch.state if dispatch else 'gone'}")
    info = {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
    payload = row.payload
    return lambda: push.send(push_ctx, info, payload)


def deliver(session: Session) -> int:
    """Scheduler job: send due deliveries side by side, then record each one on its own."""
    config = current_app.config
    due = q.due_deliveries(session, clock.now())
    for row in due:  # lease: another leader (after a failover) will not send them meanwhile
        row.next_attempt_at = clock.now() + timedelta(seconds=60)
    session.commit()
    if not due:
        return 0
    push_ctx = push.prepare() if any(r.notifier == push.NOTIFIER for r in due) else None
    tasks = {row.id: _task(session, row, config, push_ctx) for row in due}
    calls = {rid: t for rid, t in tasks.items() if callable(t)}
    with ThreadPoolExecutor(max_workers=min(PARALLEL, max(1, len(calls)))) as pool:
        futures = {rid: pool.submit(call) for rid, call in calls.items()}
        results = {rid: f.result() for rid, f in futures.items()}
    sent = 0
    for rid, task in tasks.items():
        row = session.get(DeliveryRow, rid)
        if callable(task):
            sent += _record(session, row, *results[rid])
        else:
            row.status, row.last_error = task
        session.commit()
    return sent


def _record(session: Session, row: DeliveryRow, code: int | None, error: str | None) -> int:
    row.attempts += 1
    row.response_code = code
    if error is None:
        row.status, row.delivered_at, row.last_error = "delivered", clock.now(), None
        sub = session.get(PushSubscriptionRow, row.subscription_id or 0)
        if sub is not None:
            sub.last_success_at = clock.now()
        return 1
    row.last_error = error
    if row.notifier == push.NOTIFIER and code in push.GONE:
        # The browser unsubscribed or the subscription expired: forget it (its other queued
        # pushes become "gone" when their turn comes).
        sub = session.get(PushSubscriptionRow, row.subscription_id or 0)
        row.status, row.subscription_id = "gone", None
        if sub is not None:
            session.delete(sub)
    elif row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
    else:
        row.next_attempt_at = clock.now() + timedelta(seconds=min(600, 2 ** row.attempts))
    log.warning("%s delivery %s failed (attempt %s): %s", row.notifier, row.id, row.attempts,
                error)
    return 0
