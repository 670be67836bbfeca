"""Dispatch: two per area with the type preference, escalation, unstaffed areas, restarts,
acknowledgements, webhooks and the tablet API (injectable clock; never real waiting)."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from tests.conftest import make_app
from tests.server.dispatch_support import PALU
from tests.server.dispatch_support import clock  # noqa: F401 - fixture
from tests.server.dispatch_support import dapp  # noqa: F401 - fixture
from tests.server.dispatch_support import incident
from tests.server.dispatch_support import q
from tests.server.dispatch_support import responder
from tests.server.dispatch_support import run_jobs
from tests.server.dispatch_support import states
from tests.server.dispatch_support import token as _token


def test_two_per_area_preferring_one_tagana_and_one_tksk(dapp, engine):
    near_tagana = responder(dapp, "tagana", "Agus", -0.90, 119.87)
    second_tagana = responder(dapp, "tagana", "Budi", -0.905, 119.87)
    far_tksk = responder(dapp, "tksk", "Siti", -0.95, 119.90)
    iid = incident(dapp)
    assert states(engine, iid) == {(near_tagana, "notified"), (far_tksk, "notified")}
    assert second_tagana not in {r for r, _ in states(engine, iid)}
    events = q(engine, "SELECT type, responder_ids FROM event_log WHERE type LIKE 'dispatch.%' "
                       "AND payload->>'incident_id' = :i", i=str(iid))
    assert sorted(r[0] for _, r in events) == sorted([near_tagana, far_tksk])
    assert q(engine, "SELECT count(*) FROM audit_log WHERE object_type = 'dispatch'")[0][0] >= 2


def test_nobody_goes_to_two_areas_while_others_are_free(dapp, engine):
    # Two regencies side by side (Palu, Sigi) and responders near their border.
    both = {"type": "Polygon", "coordinates": [[[119.80, -1.05], [120.00, -1.05],
                                                [120.00, -0.85], [119.80, -0.85],
                                                [119.80, -1.05]]]}
    ids = [responder(dapp, kind, f"R{i}", -0.95 + 0.01 * i, 119.9)
           for i, kind in enumerate(["tagana", "tksk", "tagana", "tksk"])]
    iid = incident(dapp, both)
    rows = q(engine, "SELECT area_code, responder_id FROM dispatches WHERE incident_id = :i",
             i=iid)
    areas = {a for a, _ in rows}
    assert len(areas) == 2
    assert len({r for _, r in rows}) == 4, "four people, four different assignments"
    assert set(ids) == {r for _, r in rows}


def test_escalation_on_timeout_and_on_decline_then_unstaffed(dapp, engine, clock):
    a = responder(dapp, "tagana", "A", -0.90, 119.87)
    b = responder(dapp, "tksk", "B", -0.90, 119.88)
    c = responder(dapp, "tagana", "C", -0.91, 119.88)
    d = responder(dapp, "tksk", "D", -0.92, 119.88)
    iid = incident(dapp)
    assert {r for r, s in states(engine, iid) if s == "notified"} == {a, b}
    clock.advance(200)
    run_jobs(dapp)
    assert {r for r, s in states(engine, iid) if s == "notified"} == {a, b}, "not yet"
    clock.advance(101)  # past the 5-minute deadline
    run_jobs(dapp)
    st = dict(states(engine, iid))
    assert st[a] == "timed_out" and st[b] == "timed_out"
    assert st[c] == "notified" and st[d] == "notified"
    from server.extensions import db
    from server.services import dispatch

    with dapp.app_context():
        session = db.session()
        did = q(engine, "SELECT id FROM dispatches WHERE responder_id = :r", r=c)[0][0]
        dispatch.transition(session, "test", did, "declined", "sakit")
        session.close()
    # C declined: nobody left to ask, D still pending: not unstaffed yet
    assert q(engine, "SELECT unstaffed_at FROM incident_areas WHERE incident_id = :i",
             i=iid)[0][0] is None
    clock.advance(301)
    run_jobs(dapp)
    unstaffed = q(engine, "SELECT payload FROM event_log WHERE type = 'area.unstaffed' "
                          "AND payload->>'incident_id' = :i", i=str(iid))
    assert len(unstaffed) == 1 and unstaffed[0][0]["acknowledged"] == 0
    run_jobs(dapp)
    assert len(q(engine, "SELECT 1 FROM event_log WHERE type = 'area.unstaffed' "
                         "AND payload->>'incident_id' = :i", i=str(iid))) == 1


def test_a_restart_during_an_escalation_resumes_it_exactly(dapp, engine, clock, database_url):
    a = responder(dapp, "tagana", "A", -0.90, 119.87)
    b = responder(dapp, "tksk", "B", -0.90, 119.88)
    c = responder(dapp, "tagana", "C", -0.91, 119.88)
    iid = incident(dapp)
    from server.extensions import db
    from server.services import dispatch

    with dapp.app_context():
        session = db.session()
        did = q(engine, "SELECT id FROM dispatches WHERE responder_id = :r", r=b)[0][0]
        dispatch.transition(session, "test", did, "acknowledged")
        session.close()
    clock.advance(400)
    # "restart": a brand-new app (new process state), same database, clock past the deadline
    restarted = make_app(database_url, CLOCK=clock)
    run_jobs(restarted)
    run_jobs(restarted)
    again = make_app(database_url, CLOCK=clock)
    run_jobs(again)
    st = q(engine, "SELECT responder_id, state FROM dispatches WHERE incident_id = :i "
                   "ORDER BY id", i=iid)
    assert dict(st) == {a: "timed_out", b: "acknowledged", c: "notified"} and len(st) == 3
    notified = q(engine, "SELECT count(*) FROM event_log WHERE type = 'dispatch.notified' "
                         "AND payload->>'incident_id' = :i", i=str(iid))[0][0]
    assert notified == 3, "no double notification"


class Gateway:
    """A webhook receiver that fails for one responder."""

    def __init__(self, fail_for):
        self.received = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                payload = json.loads(body)
                gateway.received.append((payload, self.headers["X-Kendali-Signature"], body))
                status = 500 if payload["responder"]["id"] == fail_for else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms"


def test_a_failing_webhook_does_not_stop_other_notifications(database_url, engine, clock):
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE responders, incidents, dispatches CASCADE"))
    plain = make_app(database_url, CLOCK=clock)
    a = responder(plain, "tagana", "A", -0.90, 119.87)
    b = responder(plain, "tksk", "B", -0.90, 119.88)
    gateway = Gateway(fail_for=a)
    app = make_app(database_url, CLOCK=clock, WEBHOOK_URL=gateway.url, WEBHOOK_SECRET="s3cret")
    try:
        iid = incident(app)
        run_jobs(app)
        rows = dict(q(engine, "SELECT d.responder_id, n.status FROM notification_deliveries n "
                              "JOIN dispatches d ON d.id = n.dispatch_id"))
        assert rows == {a: "pending", b: "delivered"}
        payload, signature, body = next(r for r in gateway.received
                                         if r[0]["responder"]["id"] == b)
        expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        assert signature == expected and payload["incident"]["id"] == iid
        (attempts, error, nxt), = q(engine, "SELECT n.attempts, n.last_error, n.next_attempt_at "
                                            "FROM notification_deliveries n JOIN dispatches d "
                                            "ON d.id = n.dispatch_id WHERE d.responder_id = :r",
                                    r=a)
        assert attempts == 1 and "500" in error and nxt > clock.now
        assert set(dict(states(engine, iid)).values()) == {"notified"}  # dispatch unaffected
    finally:
        gateway.server.shutdown()
        gateway.server.server_close()


def test_tablet_acks_are_idempotent_and_late_acks_are_refused(dapp, engine, clock, accounts):
    a = responder(dapp, "tagana", "A", -0.90, 119.87)
    b = responder(dapp, "tksk", "B", -0.90, 119.88)
    other = responder(dapp, "tagana", "C", -0.80, 119.87)
    iid = incident(dapp)
    name_a, pw_a, _ = accounts("field", responder_id=a)
    name_b, pw_b, _ = accounts("field", responder_id=b)
    client = dapp.test_client()
    ha, hb = _token(client, name_a, pw_a), _token(client, name_b, pw_b)
    resp = client.get("/api/v1/me/assignments", headers=ha)
    assert resp.status_code == 200, resp.json
    mine = resp.json["assignments"]
    assert mine, (resp.json, client.get("/api/v1/auth/me", headers=ha).json, states(engine, iid))
    assert len(mine) == 1 and mine[0]["incident_id"] == iid and mine[0]["state"] == "notified"
    assert "distance_km" in mine[0] and "bearing_deg" in mine[0]
    did_a = mine[0]["id"]
    did_b = client.get("/api/v1/me/assignments", headers=hb).json["assignments"][0]["id"]
    # a field account sees only its own: another's assignment does not exist for it
    assert client.post(f"/api/v1/me/assignments/{did_b}/ack", headers=ha).status_code == 404
    first = client.post(f"/api/v1/me/assignments/{did_a}/ack", headers=ha)
    again = client.post(f"/api/v1/me/assignments/{did_a}/ack", headers=ha)
    assert first.status_code == again.status_code == 200
    assert again.json["state"] == "acknowledged"
    acks = q(engine, "SELECT count(*) FROM event_log WHERE type = 'dispatch.acknowledged' "
                     "AND payload->>'id' = :d", d=str(did_a))[0][0]
    assert acks == 1
    assert client.post(f"/api/v1/me/assignments/{did_a}/status", headers=ha,
                       json={"status": "en_route"}).json["state"] == "en_route"
    bad = client.post(f"/api/v1/me/assignments/{did_a}/status", headers=ha,
                      json={"status": "flying"})
    assert bad.status_code == 400 and "status" in bad.json["fields"]
    clock.advance(301)
    run_jobs(dapp)
    late = client.post(f"/api/v1/me/assignments/{did_b}/ack", headers=hb)
    assert late.status_code == 409 and late.json["fields"] == {"state": "timed_out"}
    assert "timed_out" in late.json["error"]
    assert other in {r for r, s in states(engine, iid) if s == "notified"}


def test_position_updates_are_validated_throttled_and_kept(dapp, engine, clock, accounts):
    a = responder(dapp, "tagana", "A", -0.90, 119.87)
    name, pw, _ = accounts("field", responder_id=a)
    client = dapp.test_client()
    h = _token(client, name, pw)
    ok = client.post("/api/v1/me/position", headers=h,
                     json={"lat": -0.89, "lon": 119.86, "accuracy_m": 12})
    assert ok.status_code == 201 and ok.json == {"stored": True}
    soon = client.post("/api/v1/me/position", headers=h,
                       json={"lat": -0.88, "lon": 119.86, "accuracy_m": 12})
    assert soon.status_code == 200 and soon.json == {"stored": False}
    clock.advance(6)
    assert client.post("/api/v1/me/position", headers=h,
                       json={"lat": -0.88, "lon": 119.86, "accuracy_m": 9}).status_code == 201
    future = (clock.now + timedelta(hours=1)).isoformat()
    bad = client.post("/api/v1/me/position", headers=h,
                      json={"lat": 91, "lon": "x", "accuracy_m": -1, "at": future})
    assert bad.status_code == 400
    assert set(bad.json["fields"]) == {"lat", "lon", "accuracy_m", "at"}
    assert q(engine, "SELECT count(*) FROM responder_positions WHERE responder_id = :r",
             r=a)[0][0] == 2
    loc = q(engine, "SELECT ST_Y(loc::geometry) FROM responders WHERE id = :r", r=a)[0][0]
    assert loc == pytest.approx(-0.88)


def test_manual_incident_validation_and_dispatch_listing(dapp, engine, accounts):
    responder(dapp, "tagana", "A", -0.90, 119.87)
    op, pw, _ = accounts("operator")
    reg, rpw, _ = accounts("regional", "73")
    client = dapp.test_client()
    h, hr = _token(client, op, pw), _token(client, reg, rpw)
    bad = client.post("/api/v1/incidents", headers=h,
                      json={"hazard": "meteor", "severity": "huge", "title": "",
                            "area": {"type": "Point", "coordinates": [1, 2]}})
    assert bad.status_code == 400
    assert set(bad.json["fields"]) == {"hazard", "severity", "title", "area"}
    sea = {"type": "Polygon", "coordinates": [[[90, 0], [91, 0], [91, 1], [90, 1], [90, 0]]]}
    res = client.post("/api/v1/incidents", headers=h,
                      json={"hazard": "flood", "severity": "moderate", "title": "x", "area": sea})
    assert res.status_code == 400 and "area" in res.json["fields"]
    res = client.post("/api/v1/incidents", headers=h,
                      json={"hazard": "flood", "severity": "moderate", "title": "Banjir Palu",
                            "area": PALU})
    assert res.status_code == 201
    iid = res.json["id"]
    # audited once, as the operator who drew it (with the role)
    assert q(engine, "SELECT actor_role FROM audit_log WHERE action = 'incident.create' "
                     "AND object_id = :i", i=str(iid)) == [("operator",)]
    listing = client.get(f"/api/v1/incidents/{iid}/dispatch", headers=h).json
    assert listing["areas"][0]["code"] == "72.71"
    assert listing["areas"][0]["dispatches"][0]["responder"]["name"] == "A"
    # a regional account of another province does not see it
    assert client.get(f"/api/v1/incidents/{iid}/dispatch", headers=hr).status_code == 404
    assert client.post("/api/v1/incidents", headers=hr, json={}).status_code == 403


def test_responder_import_reports_bad_rows_and_keeps_the_good(dapp, engine, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("type,name,phone,lat,lon\n"
                    "tagana,Agus,0811,-0.9,119.87\n"
                    "dukun,Budi,0812,-0.9,119.87\n"
                    "tksk,Citra,0813,abc,119.87\n"
                    "tksk,Dewi,0814,0,90\n"
                    "tksk,Eka,0815,-6.2,106.8\n")
    res = dapp.test_cli_runner().invoke(args=["responders", "import", str(path)])
    assert res.exit_code == 0, res.output
    assert "imported 2 responders, 3 rows with errors" in res.output
    assert "line 3: type" in res.output and "line 4" in res.output and "line 5" in res.output
    rows = q(engine, "SELECT name, district_code FROM responders ORDER BY name")
    assert [r[0] for r in rows] == ["Agus", "Eka"]
    assert rows[0][1].startswith("72.71") and rows[1][1].startswith("31.")
