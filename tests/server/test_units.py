"""Work units and forwarding: the registry, the contract of issue 16, the one scope rule
(HTTP, events, exports, OGC, sockets' rooms) and the migration of free-text assignments."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from server.auth.scope import Principal
from server.auth.scope import scope
from server.platform import migrate
from tests.server.complaints_support import *  # noqa: F403 - the fixtures
from tests.server.complaints_support import BANDUNG
from tests.server.complaints_support import PALU
from tests.server.complaints_support import complaint
from tests.server.complaints_support import rows

pytestmark = pytest.mark.usefixtures("clean_complaints")
URL = "/api/v1/complaints"


@pytest.fixture
def member(app, client):
    """Factory: bearer headers of a new account of ``role`` in work unit ``unit``."""
    from server.extensions import db
    from server.services import accounts

    def make(unit: int, role: str = "regional", region: str | None = None) -> dict:
        name, password = f"unit-{uuid.uuid4().hex[:8]}", "pw-" + uuid.uuid4().hex
        with app.app_context():
            session = db.session()
            accounts.create_user(session, "test", name, role, region, password, unit_id=unit)
            session.close()
        res = client.post("/api/v1/auth/token", json={"username": name, "password": password})
        assert res.status_code == 201, res.json
        return {"Authorization": f"Bearer {res.json['token']}"}

    return make


def _submit(client, key, point=PALU, **kw) -> int:
    res = client.post(URL, json=complaint(point, **kw), headers=key)
    assert res.status_code == 201, res.json
    return res.json["id"]


def test_the_registry_is_seeded_listed_by_everyone_and_grown_by_admins(
    client, staff, wall_client
):
    op, admin, field = staff("operator"), staff("admin"), staff("field")
    listed = client.get("/api/v1/units?region=72.71", headers=op)
    assert listed.status_code == 200
    names = {u["name"]: u for u in listed.json["units"]}
    assert names["Dinas Sosial Kota Palu"]["region"] == {"code": "72.71", "name": "Kota Palu"}
    assert names["Dinas Sosial Kota Palu"]["kind"] == "regency_office"
    assert names["Dinas Sosial Provinsi Sulawesi Tengah"]["kind"] == "provincial_office"
    assert names["Inspektorat Jenderal"]["region"] is None  # national units may take it too
    assert not any("Bandung" in n for n in names)  # another province's offices do not
    for headers in (staff("regional", "72"), field):
        assert client.get("/api/v1/units", headers=headers).status_code == 200
    assert wall_client.get("/api/v1/units").status_code == 200
    assert client.get("/api/v1/units").status_code == 401

    body = {"name": f"Posko Bencana {uuid.uuid4().hex[:6]}", "kind": "other", "region": "72"}
    assert client.post("/api/v1/units", json=body, headers=op).status_code == 403
    made = client.post("/api/v1/units", json=body, headers=admin)
    assert made.status_code == 201 and made.json["region"]["code"] == "72"
    again = client.post("/api/v1/units", json={**body, "name": body["name"].upper()},
                        headers=admin)
    assert again.status_code == 409 and set(again.json["fields"]) == {"name"}
    bad = client.post("/api/v1/units", json={"name": "X", "region": "99.99", "kind": "bogus"},
                      headers=admin)
    assert bad.status_code == 400 and set(bad.json["fields"]) == {"region", "kind"}
    assert client.get(f"/api/v1/units/{made.json['id']}", headers=field).json == made.json


def test_a_forwarded_complaint_reaches_the_unit_outside_its_region(
    client, channel_key, staff, member, unit_id, engine
):
    """The contract: PATCH diteruskan + assigned_to <unit id>; the unit's member then gets
    it at /complaints/<id> and in ?unit=<id>, though it lies in another province."""
    op = staff("operator")
    key = channel_key()
    palu = _submit(client, key, PALU)
    bandung_office = unit_id("Dinas Sosial Kota Bandung")
    in_bandung = member(bandung_office)  # its region comes from the unit: 32.73
    plain_bandung = staff("regional", "32.73")  # same region, not in the unit
    assert client.get(f"{URL}/{palu}", headers=in_bandung).status_code == 404

    assert client.patch(f"{URL}/{palu}", json={"status": "diverifikasi"},
                        headers=op).status_code == 200
    unknown = client.patch(f"{URL}/{palu}", json={"status": "diteruskan",
                                                  "assigned_to": 987654321}, headers=op)
    assert unknown.status_code == 400 and set(unknown.json["fields"]) == {"assigned_to"}
    text = client.patch(f"{URL}/{palu}", json={"status": "diteruskan",
                                               "assigned_to": "Dinsos Bandung"}, headers=op)
    assert text.status_code == 400 and set(text.json["fields"]) == {"assigned_to"}
    forwarded = client.patch(f"{URL}/{palu}", json={"status": "diteruskan",
                                                    "assigned_to": bandung_office}, headers=op)
    assert forwarded.status_code == 200, forwarded.json
    assert forwarded.json["properties"]["assigned_unit"]["name"] == "Dinas Sosial Kota Bandung"

    got = client.get(f"{URL}/{palu}", headers=in_bandung)
    assert got.status_code == 200 and got.json["properties"]["area"]["province"]["code"] == "72"
    by_unit = client.get(f"{URL}?unit={bandung_office}", headers=in_bandung)
    assert [f["id"] for f in by_unit.json["features"]] == [palu] and by_unit.json["total"] == 1
    assert palu in [f["id"] for f in client.get(URL, headers=in_bandung).json["features"]]
    assert client.get(f"{URL}/{palu}", headers=plain_bandung).status_code == 404
    assert palu not in [f["id"] for f in client.get(URL, headers=plain_bandung).json["features"]]
    assert client.get(f"{URL}?unit=987654321", headers=op).json["fields"] == {
        "unit": "no unit 987654321"}
    # the unit acts on what it received; the timeline names who did it, and from which unit
    acted = client.patch(f"{URL}/{palu}", json={"status": "ditindaklanjuti", "note": "ok"},
                         headers=in_bandung)
    assert acted.status_code == 200
    last = acted.json["properties"]["timeline"][-1]
    assert last["actor_name"].endswith("(Dinas Sosial Kota Bandung)")

    # the same rule for the event log (catch-up), exports and OGC
    units_of = rows(engine, "SELECT unit_ids FROM event_log WHERE type = 'complaint.updated' "
                            "AND (payload->>'id')::bigint = :i ORDER BY seq", i=palu)
    assert units_of[-1][0] == [bandung_office]
    seen = client.get("/api/v1/events?since=0&limit=1000&type=complaint.updated",
                      headers=in_bandung).json["events"]
    assert palu in [e["payload"]["id"] for e in seen]
    export = client.get("/api/v1/exports/complaints.geojson", headers=in_bandung)
    assert export.status_code == 200 and palu in [f["id"] for f in export.get_json()["features"]]
    ogc = client.get(f"/ogc/collections/complaints/items?assigned_to={bandung_office}",
                     headers=in_bandung)
    assert [f["id"] for f in ogc.json["features"]] == [palu]
    assert ogc.json["features"][0]["properties"]["assigned_unit"] == "Dinas Sosial Kota Bandung"
    # forwarded elsewhere, it leaves the unit's view
    away = unit_id("Inspektorat Jenderal")
    assert client.patch(f"{URL}/{palu}", json={"assigned_to": away},
                        headers=op).status_code == 200
    assert client.get(f"{URL}/{palu}", headers=in_bandung).status_code == 404


def test_a_unit_without_a_region_sees_only_what_is_forwarded_to_it(
    client, channel_key, staff, member, unit_id
):
    op = staff("operator")
    inspectorate = unit_id("Inspektorat Jenderal")
    auditor = member(inspectorate)
    key = channel_key()
    kept, sent = _submit(client, key, PALU), _submit(client, key, BANDUNG)
    for cid, body in ((sent, {"status": "diverifikasi"}),
                      (sent, {"status": "diteruskan", "assigned_to": inspectorate})):
        assert client.patch(f"{URL}/{cid}", json=body, headers=op).status_code == 200
    listed = client.get(URL, headers=auditor).json
    assert [f["id"] for f in listed["features"]] == [sent] and listed["total"] == 1
    assert client.get(f"{URL}/{kept}", headers=auditor).status_code == 404
    summary = client.get(f"{URL}/summary", headers=auditor).json
    assert summary["total"]["total"] == 0  # counters are by area: the region's only


def test_scopes_and_rooms_of_a_unit():
    p = Principal(kind="user", role="regional", region="32.73", unit_id=7)
    sc = scope(p)
    assert sc.default_rooms() == ["regency:32.73", "unit:7"]
    assert sc.may_join("unit:7") and not sc.may_join("unit:8")
    assert scope(Principal(kind="user", role="operator", unit_id=7)).default_rooms() == [
        "national"]

    from server.models import EventRow
    from server.realtime.emit import rooms_for

    row = EventRow(type="complaint.updated", regions=["72", "72.71"], responder_ids=[],
                   unit_ids=[7], payload={})
    assert "unit:7" in rooms_for(row) and "province:72" in rooms_for(row)


def test_cli_creates_units_and_accounts_of_a_unit(app, engine):
    runner = app.test_cli_runner()
    name = f"Balai Uji {uuid.uuid4().hex[:6]}"
    made = runner.invoke(args=["units", "create", "--name", name, "--region", "72.71"])
    assert made.exit_code == 0, made.output
    uid = int(made.output.split()[2])
    assert "for region 72.71" in made.output
    bad = runner.invoke(args=["units", "create", "--name", "Y", "--region", "00"])
    assert bad.exit_code != 0 and "region" in bad.output
    user = f"balai-{uuid.uuid4().hex[:6]}"
    res = runner.invoke(args=["users", "create", "--username", user, "--role", "regional",
                              "--unit", str(uid)])
    assert res.exit_code == 0, res.output
    assert f"region 72.71 in unit {uid}" in res.output  # the unit's region
    assert rows(engine, "SELECT unit_id, region_code FROM users WHERE username = :u",
                u=user) == [(uid, "72.71")]
    nope = runner.invoke(args=["users", "create", "--username", user + "x", "--role",
                               "operator", "--unit", "987654321"])
    assert nope.exit_code != 0 and "unit" in nope.output
    listed = runner.invoke(args=["units", "list", "--q", name])
    assert name in listed.output


def test_free_text_assignments_become_units(make_database):
    """Migration 0010: today's free-text ``assigned_to`` values become units (one per
    distinct text, case and spaces ignored) and the complaints point at them; downgrading
    gives the texts back."""
    engine = sa.create_engine(make_database("kendali_units"))
    migrate.upgrade(engine, "0007")
    insert = sa.text(
        "INSERT INTO complaints (channel, external_id, content_hash, received_at, category, "
        "assigned_to) VALUES ('ditjen', :e, :e, now(), 'PKH', :a)")
    with engine.begin() as conn:
        for n, text in enumerate(["Dinsos Kota Palu", " dinsos kota palu ", "Inspektorat",
                                  None, "  "]):
            conn.execute(insert, {"e": f"m{n}", "a": text})
    migrate.upgrade(engine, "0012")
    with engine.connect() as conn:
        units = conn.execute(sa.text("SELECT id, name, kind FROM units ORDER BY id")).all()
        assigned = dict(conn.execute(sa.text(
            "SELECT external_id, assigned_to FROM complaints")).all())
    by_name = {name: uid for uid, name, _ in units}
    assert sorted(by_name) == ["Dinsos Kota Palu", "Inspektorat"]
    assert {kind for _, _, kind in units} == {"other"}
    assert assigned == {"m0": by_name["Dinsos Kota Palu"], "m1": by_name["Dinsos Kota Palu"],
                        "m2": by_name["Inspektorat"], "m3": None, "m4": None}
    migrate.downgrade(engine, "0007")
    with engine.connect() as conn:
        back = dict(conn.execute(sa.text(
            "SELECT external_id, assigned_to FROM complaints")).all())
    assert back == {"m0": "Dinsos Kota Palu", "m1": "Dinsos Kota Palu", "m2": "Inspektorat",
                    "m3": None, "m4": None}
    engine.dispose()


def test_a_units_member_receives_its_forwarded_complaint_live(live, accounts, channel_key,
                                                            unit_id):
    """Sockets follow the same rule: the member of the unit a Palu complaint is forwarded to,
    in Bandung, receives its ``complaint.updated`` live; a Bandung office outside the unit does
    not (real server, real Socket.IO clients)."""
    import requests

    from tests.helpers import bearer
    from tests.helpers import token_for
    from tests.helpers import wait_for
    from tests.server.test_live_auth import Listener

    bandung = unit_id("Dinas Sosial Kota Bandung")
    member, mpw, _ = accounts("regional", None, None, unit_id=bandung)
    outsider, opw, _ = accounts("regional", "32.73")
    op, oppw, _ = accounts("operator")
    inside = Listener(live.url, token_for(live.url, member, mpw)).connect()
    outside = Listener(live.url, token_for(live.url, outsider, opw)).connect()
    try:
        assert inside.join(f"unit:{bandung}") == {"ok": True, "room": f"unit:{bandung}"}
        assert outside.join(f"unit:{bandung}")["error"] == "forbidden"
        res = requests.post(f"{live.url}{URL}", json=complaint(PALU), headers=channel_key(),
                            timeout=10)
        cid = res.json()["id"]
        headers = bearer(token_for(live.url, op, oppw))
        for body in ({"status": "diverifikasi"},
                     {"status": "diteruskan", "assigned_to": bandung}):
            assert requests.patch(f"{live.url}{URL}/{cid}", json=body, headers=headers,
                                  timeout=10).status_code == 200

        def got(listener):
            return [e["payload"]["status"] for e in listener.events
                    if e["type"] == "complaint.updated" and e["payload"]["id"] == cid]

        assert wait_for(lambda: got(inside) == ["diteruskan"], timeout=10), inside.events
        assert got(outside) == []
    finally:
        inside.close()
        outside.close()
