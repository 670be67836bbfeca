"""An operator's own dispatch decisions: calling someone again really notifies them, a
reassignment never leaves an area without a live dispatch, scope and distance apply to manual
dispatch, and bad input is a 4xx naming the field (issue 15, items 1, 2 and 5)."""

import sqlalchemy as sa

from tests.server.dispatch_support import clock  # noqa: F401 - fixture
from tests.server.dispatch_support import dapp  # noqa: F401 - fixture
from tests.server.dispatch_support import incident
from tests.server.dispatch_support import q
from tests.server.dispatch_support import responder
from tests.server.dispatch_support import run_jobs
from tests.server.dispatch_support import token


def _notified_events(engine, did):
    return q(engine, "SELECT count(*) FROM event_log WHERE type = 'dispatch.notified' "
                     "AND payload->>'id' = :d", d=str(did))[0][0]


def test_calling_again_after_a_timeout_notifies_with_a_new_deadline(dapp, engine, clock,
                                                                   accounts):
    a = responder(dapp, "tagana", "A", -0.90, 119.87)
    b = responder(dapp, "tksk", "B", -0.90, 119.88)
    iid = incident(dapp)
    op, pw, _ = accounts("operator")
    client = dapp.test_client()
    h = token(client, op, pw)
    clock.advance(301)
    run_jobs(dapp)  # both time out; nobody else to ask
    assert {s for _, s in q(engine, "SELECT responder_id, state FROM dispatches")} \
        == {"timed_out"}
    res = client.post(f"/api/v1/incidents/{iid}/dispatch", headers=h,
                      json={"area": "72.71", "responder_id": a})
    assert res.status_code == 201, res.json
    assert res.json["state"] == "notified" and res.json["responder_id"] == a
    assert res.json["ack_deadline"] > clock.now.isoformat()
    assert _notified_events(engine, res.json["id"]) == 1, "a real notification, an event"
    again = client.post(f"/api/v1/incidents/{iid}/dispatch", headers=h,
                        json={"area": "72.71", "responder_id": a})
    assert again.status_code == 409 and "notified" in again.json["fields"]["responder_id"]
    # Reassigning the live dispatch to B, who timed out earlier: B is notified again and
    # the area is never left without a live dispatch.
    live = client.post(f"/api/v1/dispatches/{res.json['id']}/reassign", headers=h,
                       json={"responder_id": b})
    assert live.status_code == 201 and live.json["state"] == "notified"
    assert _notified_events(engine, live.json["id"]) == 1
    rows = dict(q(engine, "SELECT id, state FROM dispatches WHERE incident_id = :i", i=iid))
    assert rows[res.json["id"]] == "cancelled" and rows[live.json["id"]] == "notified"


def test_a_failed_reassignment_changes_nothing(dapp, engine, accounts):
    a = responder(dapp, "tagana", "A", -0.90, 119.87)
    far = responder(dapp, "tksk", "Far", -6.2, 106.8)  # Jakarta, ~1,600 km from Palu
    iid = incident(dapp)
    (did,), = q(engine, "SELECT id FROM dispatches WHERE responder_id = :r", r=a)
    op, pw, _ = accounts("operator")
    client = dapp.test_client()
    h = token(client, op, pw)
    res = client.post(f"/api/v1/dispatches/{did}/reassign", headers=h,
                      json={"responder_id": far})
    assert res.status_code == 400 and "limit is 150 km" in res.json["fields"]["responder_id"]
    assert q(engine, "SELECT state FROM dispatches WHERE id = :d", d=did)[0][0] == "notified"
    for bad in ({"responder_id": True}, {"responder_id": "7"}, {}):
        res = client.post(f"/api/v1/dispatches/{did}/reassign", headers=h, json=bad)
        assert res.status_code == 400 and "responder_id" in res.json["fields"], bad
    res = client.post(f"/api/v1/incidents/{iid}/dispatch", headers=h,
                      json={"area": "72.71", "responder_id": True})
    assert res.status_code == 400 and "responder_id" in res.json["fields"]
    # an operator may go beyond the limit, saying so
    beyond = client.post(f"/api/v1/dispatches/{did}/reassign", headers=h,
                         json={"responder_id": far, "beyond_limit": True})
    assert beyond.status_code == 201 and beyond.json["responder_id"] == far
    # reassigning a dispatch that has ended: 409 naming its state (was a 500)
    res = client.post(f"/api/v1/dispatches/{did}/reassign", headers=h, json={"responder_id": a})
    assert res.status_code == 409 and res.json["fields"] == {"state": "cancelled"}


def test_a_regional_office_dispatches_only_its_own_responders(dapp, engine, accounts):
    palu = responder(dapp, "tagana", "Palu", -0.90, 119.87)
    responder(dapp, "tksk", "Palu2", -0.91, 119.87)
    jakarta = responder(dapp, "tksk", "Jakarta", -6.2, 106.8)
    donggala = responder(dapp, "tksk", "Donggala", -0.70, 119.80)  # 72.03, same province
    iid = incident(dapp)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE dispatches SET state = 'declined'"))
    reg, pw, _ = accounts("regional", "72")
    client = dapp.test_client()
    h = token(client, reg, pw)
    unknown = client.post(f"/api/v1/incidents/{iid}/dispatch", headers=h,
                          json={"area": "72.71", "responder_id": 10**9})
    outside = client.post(f"/api/v1/incidents/{iid}/dispatch", headers=h,
                          json={"area": "72.71", "responder_id": jakarta})
    assert unknown.status_code == outside.status_code == 400
    assert unknown.json == outside.json, "an out-of-scope id looks like an unknown one"
    assert "Jakarta" not in outside.get_data(as_text=True)
    flagged = client.post(f"/api/v1/incidents/{iid}/dispatch", headers=h,
                          json={"area": "72.71", "responder_id": jakarta, "beyond_limit": True})
    assert flagged.status_code == 400, "never outside scope, flag or not"
    ok = client.post(f"/api/v1/incidents/{iid}/dispatch", headers=h,
                     json={"area": "72.71", "responder_id": donggala})
    assert ok.status_code == 201, ok.json
    (did,), = q(engine, "SELECT id FROM dispatches WHERE responder_id = :r AND state = "
                        "'notified'", r=donggala)
    moved = client.post(f"/api/v1/dispatches/{did}/reassign", headers=h,
                        json={"responder_id": jakarta})
    assert moved.status_code == 400 and moved.json == outside.json
    assert palu  # the incident's own first responder


def test_closing_stops_escalation(dapp, engine, clock, accounts):
    responder(dapp, "tagana", "A", -0.90, 119.87)
    responder(dapp, "tksk", "B", -0.90, 119.88)
    spare = responder(dapp, "tagana", "C", -0.91, 119.88)
    iid = incident(dapp)
    op, pw, _ = accounts("operator")
    client = dapp.test_client()
    res = client.post(f"/api/v1/incidents/{iid}/close", headers=token(client, op, pw))
    assert res.status_code == 200
    clock.advance(400)
    run_jobs(dapp)
    assert spare not in {r for (r,) in q(engine, "SELECT responder_id FROM dispatches")}
    assert {s for (s,) in q(engine, "SELECT state FROM dispatches")} == {"cancelled"}
