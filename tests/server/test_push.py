"""Web Push to the field tablets, against a push service on loopback that checks the VAPID
signature and decrypts the payload (tests/pushservice.py): subscriptions, a push per
subscription on a new assignment, retries, a gone subscription removed, a hanging push
service holding nobody up, and the escalation deadline still running."""

import base64
import os
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from server.jobs import scheduler
from server.platform import crypto
from tests.conftest import make_app
from tests.server.field_support import PALU  # noqa: F401
from tests.server.field_support import clock  # noqa: F401
from tests.server.field_support import dispatch_of
from tests.server.field_support import fapp  # noqa: F401
from tests.server.field_support import incident
from tests.server.field_support import push_service  # noqa: F401
from tests.server.field_support import q
from tests.server.field_support import responder
from tests.server.field_support import token

pytestmark = pytest.mark.db


def test_the_vapid_key_is_made_once_and_served(database_url, tmp_path):
    app = make_app(database_url, DATA_DIR=str(tmp_path))
    key = app.test_client().get("/api/v1/push/vapid-public-key").json["public_key"]
    raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert len(raw) == 65 and raw[0] == 4  # an uncompressed P-256 point
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    pem = tmp_path / crypto.VAPID_FILE
    assert oct(os.stat(pem).st_mode & 0o777) == "0o600"
    again = make_app(database_url, DATA_DIR=str(tmp_path)).test_client()
    assert again.get("/api/v1/push/vapid-public-key").json["public_key"] == key
    bad = make_app(database_url, DATA_DIR=str(tmp_path), VAPID_PRIVATE_KEY="not-a-key")
    with bad.app_context(), pytest.raises(crypto.KeyConfigError):
        crypto.vapid_key()


def test_subscriptions_are_validated_and_per_account(fapp, accounts, push_service):
    a = responder(fapp, "tagana", "A", -0.90, 119.87)
    name, pw, _ = accounts("field", responder_id=a)
    op_name, op_pw, _ = accounts("operator")
    client = fapp.test_client()
    h, hop = token(client, name, pw), token(client, op_name, op_pw)
    sub = push_service.subscription("a")
    url = "/api/v1/me/push-subscriptions"
    first = client.post(url, headers=h, json=sub)
    assert first.status_code == 201 and first.json["endpoint"] == sub["endpoint"]
    again = client.post(url, headers=h, json=sub)
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    assert client.post(url, headers=hop, json=sub).status_code == 403
    bad = client.post(url, headers=h, json={"endpoint": "ftp://x/y", "keys": {
        "p256dh": "AAAA", "auth": base64.urlsafe_b64encode(b"x" * 15).decode()}})
    assert bad.status_code == 400
    assert set(bad.json["fields"]) == {"endpoint", "keys.p256dh", "keys.auth"}
    off_curve = base64.urlsafe_b64encode(b"\x04" + b"\x01" * 64).decode().rstrip("=")
    bad = client.post(url, headers=h, json={**sub, "keys": {**sub["keys"], "p256dh": off_curve}})
    assert bad.status_code == 400 and bad.json["fields"] == {"keys.p256dh":
                                                             "not a P-256 public key"}
    assert client.post(url, headers=h, json=[1]).status_code == 400
    strict = make_app(fapp.config["DATABASE_URL"])  # http endpoints are for tests only
    res = strict.test_client().post(url, headers=h, json=sub)
    assert res.status_code == 400 and "https" in res.json["fields"]["endpoint"]
    gone = client.delete(url, headers=h, json={"endpoint": sub["endpoint"]})
    assert gone.status_code == 204
    assert client.delete(url, headers=h, json={"endpoint": sub["endpoint"]}).status_code == 404


def _subscribed(fapp, accounts, push_service, names):
    """Responders near Palu, each with a field account and one subscription per name."""
    client = fapp.test_client()
    people = {}
    for i, (kind, subs) in enumerate(names):
        rid = responder(fapp, kind, f"R{i}", -0.90, 119.87 + 0.01 * i)
        user, pw, _ = accounts("field", responder_id=rid)
        h = token(client, user, pw)
        for sub in subs:
            res = client.post("/api/v1/me/push-subscriptions", headers=h,
                              json=push_service.subscription(sub))
            assert res.status_code == 201, res.json
        people[rid] = h
    return people


def test_a_new_assignment_pushes_to_every_subscription(fapp, engine, accounts, push_service,
                                                       clock):
    people = _subscribed(fapp, accounts, push_service, [("tagana", ["a1", "a2"]),
                                                        ("tksk", ["b1"])])
    a, b = list(people)
    started = time.monotonic()
    iid = incident(fapp, title="Banjir <b>Palu</b>")
    queued = q(engine, "SELECT notifier, status FROM notification_deliveries")
    assert sorted(queued) == [("webpush", "pending")] * 3
    scheduler.run_once(fapp)
    assert push_service.wait_for(3, timeout=10), push_service.rejected
    print(f"\nBENCH incident_to_push_job_s {time.monotonic() - started:.2f}")
    assert not push_service.rejected
    key = fapp.test_client().get("/api/v1/push/vapid-public-key").json["public_key"]
    for name, rid in (("a1", a), ("a2", a), ("b1", b)):
        (msg,) = push_service.received(name)
        assert msg.vapid_key == key  # signed with the key the browsers subscribed with
        assert msg.payload["type"] == "dispatch.notified"
        assert msg.payload["dispatch_id"] == dispatch_of(engine, iid, rid)
        assert msg.payload["title"] == "Banjir <b>Palu</b>"  # data, the worker shows text
        assert msg.payload["area_name"] == "Kota Palu"
        assert msg.headers["urgency"] == "high" and int(msg.headers["ttl"]) == 300
    rows = q(engine, "SELECT status, attempts, response_code FROM notification_deliveries")
    assert sorted(rows) == [("delivered", 1, 201)] * 3
    assert q(engine, "SELECT count(*) FROM push_subscriptions "
                     "WHERE last_success_at IS NOT NULL")[0][0] == 3


def test_failures_retry_gone_subscriptions_are_removed_and_nobody_waits(
        fapp, engine, accounts, push_service, clock):
    _subscribed(fapp, accounts, push_service, [("tagana", ["ok", "flaky", "gone", "slow"])])
    push_service.answer.update({"flaky": 503, "gone": 410})
    push_service.hang["slow"] = 6  # longer than the read timeout (5 s)
    incident(fapp)
    started = time.monotonic()
    scheduler.run_once(fapp)
    elapsed = time.monotonic() - started
    assert push_service.received("ok")[0].at - started < 3, "the hanging one held it up"
    assert elapsed < 9  # the sends ran side by side: one timeout, not the sum
    by_endpoint = dict(q(engine, "SELECT s.endpoint, n.status FROM notification_deliveries n "
                                 "LEFT JOIN push_subscriptions s ON s.id = n.subscription_id"))
    assert by_endpoint[push_service.subscription("ok")["endpoint"]] == "delivered"
    assert by_endpoint[push_service.subscription("flaky")["endpoint"]] == "pending"
    assert by_endpoint[push_service.subscription("slow")["endpoint"]] == "pending"
    assert by_endpoint[None] == "gone"  # the 410: its subscription is removed
    endpoints = {e for (e,) in q(engine, "SELECT endpoint FROM push_subscriptions")}
    assert push_service.subscription("gone")["endpoint"] not in endpoints
    (attempts, error, nxt), = q(engine, "SELECT n.attempts, n.last_error, n.next_attempt_at "
                                        "FROM notification_deliveries n JOIN push_subscriptions "
                                        "s ON s.id = n.subscription_id WHERE s.endpoint = :e",
                                e=push_service.subscription("flaky")["endpoint"])
    assert attempts == 1 and "503" in error and nxt > clock.now
    push_service.answer.pop("flaky")
    push_service.hang.pop("slow")
    clock.advance(3)  # the backoff of a first failure: 2 s
    scheduler.run_once(fapp)
    assert len(push_service.received("flaky")) == 1
    assert push_service.requests["gone"] == 1, "a gone subscription is never tried again"


def test_the_escalation_still_runs_and_late_pushes_expire(fapp, engine, accounts,
                                                          push_service, clock):
    people = _subscribed(fapp, accounts, push_service, [("tagana", ["late"]),
                                                        ("tksk", ["acked"])])
    a, b = list(people)
    push_service.answer["late"] = 500
    iid = incident(fapp)
    scheduler.run_once(fapp)
    assert push_service.wait_for(1, timeout=10)
    # b acknowledges; a never answers: the push was a chance, the deadline still decides
    did_b = dispatch_of(engine, iid, b)
    client = fapp.test_client()
    assert client.post(f"/api/v1/me/assignments/{did_b}/ack",
                       headers=people[b]).status_code == 200
    clock.advance(301)
    scheduler.run_once(fapp)
    assert q(engine, "SELECT state FROM dispatches WHERE id = :d",
             d=dispatch_of(engine, iid, a))[0][0] == "timed_out"
    (status, error), = q(engine, "SELECT status, last_error FROM notification_deliveries n "
                                 "JOIN dispatches d ON d.id = n.dispatch_id "
                                 "WHERE d.responder_id = :r", r=a)
    assert status == "expired" and "timed_out" in error
