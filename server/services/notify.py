"""Outbound notifications beside the in-app one (the responder's Socket.IO room).

Notifiers are pluggable; the webhook notifier POSTs JSON with an HMAC-SHA256 signature
(``X-Kendali-Signature: sha256=<hex>`` over the raw body, key ``KENDALI_WEBHOOK_SECRET``) so
an SMS or WhatsApp gateway can verify it. Deliveries are rows: the dispatch only enqueues
(inside its transaction), and the scheduler's ``notify.deliver`` job sends each one on its
own, retrying with backoff, so a failing gateway never blocks another notification or the
dispatch itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import timedelta

import requests
from flask import current_app
from sqlalchemy.orm import Session

from server.models import DeliveryRow
from server.platform import clock
from server.queries import dispatch as q

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


def enqueue(session: Session, dispatch, incident, responder) -> None:
    """Queue the outbound notifications of a new dispatch (none without a webhook URL)."""
    if not current_app.config.get("WEBHOOK_URL"):
        return
    payload = {
        "type": "dispatch.notified", "dispatch_id": dispatch.id,
        "incident": {"id": incident.id, "title": incident.title, "hazard": incident.hazard,
                     "severity": incident.severity},
        "area": dispatch.area_code,
        "responder": {"id": responder.id, "name": responder.name, "phone": responder.phone,
                      "type": responder.type},
        "ack_deadline": dispatch.ack_deadline.isoformat(),
    }
    session.add(DeliveryRow(dispatch_id=dispatch.id, notifier="webhook", payload=payload,
                            status="pending", attempts=0, next_attempt_at=clock.now()))


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _send(url: str, secret: str, payload: dict, delivery_id: int) -> tuple[int | None, str | None]:
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    headers = {"Content-Type": "application/json", "X-Kendali-Signature": sign(body, secret),
               "X-Kendali-Delivery": str(delivery_id)}
    try:
        res = requests.post(url, data=body, headers=headers, timeout=(3, 5))
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {str(exc)[:200]}"
    return res.status_code, None if 200 <= res.status_code < 300 else f"HTTP {res.status_code}"


def deliver(session: Session) -> int:
    """Scheduler job: send due deliveries, each in its own short transaction."""
    config = current_app.config
    url, secret = config.get("WEBHOOK_URL"), config.get("WEBHOOK_SECRET") or ""
    due = q.due_deliveries(session, clock.now())
    ids = [d.id for d in due]
    for row in due:  # lease: another leader (after a failover) will not send them meanwhile
        row.next_attempt_at = clock.now() + timedelta(seconds=60)
    session.commit()
    sent = 0
    for delivery_id in ids:
        row = session.get(DeliveryRow, delivery_id)
        code, error = _send(url, secret, row.payload, row.id) if url else (None, "no URL")
        row.attempts += 1
        row.response_code = code
        if error is None:
            row.status, row.delivered_at, row.last_error = "delivered", clock.now(), None
            sent += 1
        else:
            row.last_error = error
            if row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"
            else:
                row.next_attempt_at = clock.now() + timedelta(seconds=min(600, 2 ** row.attempts))
            log.warning("webhook delivery %s failed (attempt %s): %s", row.id, row.attempts,
                        error)
        session.commit()
    return sent
