"""``POST /api/v1/alerts/cap`` (an agency's key), ``GET /api/v1/warnings[/<id>]`` and their
rules: refusals with their reasons (and counted), agency keys push only CAP and only as their
own sender, updates and cancellations follow ``references``, one scope rule.

Messages marked CONSTRUCTED are the recorded Banten nowcast with one element edited."""

import pytest

from server.queries import auth as auth_queries
from tests.server.warnings_support import BANTEN
from tests.server.warnings_support import CAP
from tests.server.warnings_support import JATENG
from tests.server.warnings_support import agency_key
from tests.server.warnings_support import clock  # noqa: F401 - fixture
from tests.server.warnings_support import logged
from tests.server.warnings_support import q
from tests.server.warnings_support import receive
from tests.server.warnings_support import responder
from tests.server.warnings_support import wapp  # noqa: F401 - fixture

BMKG = "cuaca.ekstrem@bmkg.go.id"
BANTEN_ID = "2.49.0.1.360.0.2026.02.16.16.36.004"
RECORDED = BANTEN.read_bytes()
POLYGON_1 = (b"-5.981,105.994 -6.004,106.022 -6.010,106.029 -6.016,106.047 -6.020,106.049 "
             b"-6.030,106.036 -6.041,106.031 -6.039,106.018 -6.046,106.005 -6.021,105.999 "
             b"-6.005,105.983 -6.000,105.983 -5.993,105.981 -5.981,105.994")


def edited(*pairs: tuple[bytes, bytes], doc: bytes = RECORDED) -> bytes:
    for old, new in pairs:
        assert old in doc, old
        doc = doc.replace(old, new, 1)
    return doc


def follow_up(kind: str, suffix: str, refers_to: str = BANTEN_ID,
              sent: str = "2026-02-16T23:30:00+07:00", names: bytes | None = None) -> bytes:
    """CONSTRUCTED: an Update or Cancel of a stored Banten message, as BMKG would send it."""
    pairs = [(b"<identifier>" + BANTEN_ID.encode(),
              b"<identifier>" + BANTEN_ID.encode() + suffix.encode()),
             (b"<sent>2026-02-16T22:50:00+07:00</sent>", f"<sent>{sent}</sent>".encode()),
             (b"<msgType>Alert</msgType>",
              f"<msgType>{kind}</msgType><scope>Public</scope><references>{BMKG},{refers_to},"
              f"2026-02-16T22:50:00+07:00</references>".encode()),
             (b"  <scope>Public</scope>\n", b"")]
    if names is not None:
        pairs.append((b"khususnya di Bojonegara, Cibeber, Cipanas, Citangkil, Ciwandan, Curug "
                      b"Bitung, Gerogol, Jombang, Kasemen, Kramatwatu, Lebakgedong, Muncang, "
                      b"Pontang, Pulo Ampel, Pulomerak, Purwakarta, Sajira, Sobang, Tanara, "
                      b"Tirtayasa", b"khususnya di " + names))
    return edited(*pairs)


def push(client, headers, body):
    return client.post("/api/v1/alerts/cap", data=body, headers=headers)


def bearer(client, accounts, role, **kw):
    name, pw, _ = accounts(role, **kw)
    token = client.post("/api/v1/auth/token", json={"username": name, "password": pw})
    return {"Authorization": f"Bearer {token.json['token']}"}


def test_push_stores_then_a_repeat_answers_200(wapp, engine):  # noqa: F811
    web, key = wapp.test_client(), agency_key(wapp, BMKG)
    first = push(web, key, RECORDED)
    assert first.status_code == 201, first.json
    assert first.json["identifier"] == BANTEN_ID and first.json["created"] is True
    again = push(web, key, RECORDED)
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    assert again.json["created"] is False
    assert q(engine, "SELECT source, origin LIKE 'key:%:agency:' || :s FROM warnings",
             s=BMKG) == [("push", True)]


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY lol "lol">'
                  b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                  b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
                  b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">&lol3;</alert>')
REFUSALS = {
    # name: (body, status, field, words of the reason)
    "external entities (a real hostile sample)": (
        (CAP / "hostile_xxe.cap").read_bytes(), 400, "message", "refused XML construct"),
    "an entity bomb": (BILLION_LAUGHS, 400, "message", "refused XML construct"),
    "over the size limit": (
        edited((b"<status>", b"<!--" + b"x" * 12_000 + b"--><status>")), 413, "message",
        "larger than the 10000 allowed"),
    # CONSTRUCTED: the first polygon cut to three points.
    "a polygon of three points": (
        edited((POLYGON_1, b"-5.981,105.994 -6.004,106.022 -6.010,106.029")), 400,
        "info[0].area[0].polygon[0]", "3 points; a polygon needs at least 4"),
    # CONSTRUCTED: a latitude of 95.
    "a coordinate out of range": (
        edited((b"-6.559,106.416 -6.569", b"-95.559,106.416 -6.569")), 400,
        "info[0].area[0].polygon[1]", "out of range"),
    # CONSTRUCTED: an update of a message nobody has.
    "an unknown references target": (
        follow_up("Update", ".u", refers_to="2.49.0.1.360.0.2026.01.01.00.00.999"), 422,
        "references", "no earlier message of this sender is known"),
    # CONSTRUCTED: expires at 20:00 WIB, before the message was sent (22:50).
    "expires before sent": (
        edited((b"<expires>2026-02-17T02:00:00+07:00", b"<expires>2026-02-16T20:00:00+07:00")),
        400, "info[0].expires", "before sent"),
    "not XML": (b"<html><body>hello</body>", 400, "message", "not well-formed"),
    "not CAP": (b"<rss version='2.0'><channel/></rss>", 400, "alert", "is not a CAP alert"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refusals_name_the_field_and_the_reason_and_are_counted(database_url, engine, clock,  # noqa: F811
                                                               wapp, accounts, case):  # noqa: F811
    from tests.conftest import make_app

    body, status, field, words = REFUSALS[case]
    app = make_app(database_url, CLOCK=clock, CAP_MAX_BYTES=10_000)
    web, key = app.test_client(), agency_key(app, BMKG)
    res = push(web, key, body)
    assert res.status_code == status, res.json
    assert words in res.json["fields"][field], res.json
    assert q(engine, "SELECT count(*) FROM warnings")[0][0] == 0
    assert q(engine, "SELECT source, field FROM warning_rejections") == [("push", field)]
    assert web.get("/healthz").json["warnings"]["rejected"] == 1  # public: the count
    health = web.get("/healthz", headers=bearer(web, accounts, "admin")).json["warnings"]
    assert health["last_rejections"][0]["field"] == field
    assert "origin" in health["last_rejections"][0]  # for admins: where it came from


def test_an_agency_key_pushes_only_cap_and_only_as_its_own_sender(wapp, engine, accounts):  # noqa: F811
    from server.extensions import db
    from server.services import accounts as account_svc

    web = wapp.test_client()
    bpbd = agency_key(wapp, "bpbd.banten")
    refused = push(web, bpbd, RECORDED)  # BMKG's message through another agency's key
    assert refused.status_code == 403 and "sender" in refused.json["fields"]
    assert q(engine, "SELECT count(*) FROM warnings")[0][0] == 0
    auth = {"Authorization": bpbd["Authorization"]}
    for method, path in (("get", "/api/v1/warnings"), ("get", "/api/v1/quakes"),
                         ("get", "/api/v1/incidents"), ("post", "/api/v1/complaints"),
                         ("get", "/api/v1/events"), ("get", "/ogc/collections")):
        res = getattr(web, method)(path, headers=auth, json={} if method == "post" else None)
        assert res.status_code in (401, 403), (path, res.status_code)
    # Nobody else pushes: no credentials, an operator's token, a complaint channel's key.
    assert push(web, {}, RECORDED).status_code == 401
    assert push(web, bearer(web, accounts, "operator"), RECORDED).status_code == 403
    with wapp.app_context():
        _, channel_key = account_svc.create_key(db.session(), "test", "jaga_bansos")
    assert push(web, {"Authorization": f"Bearer {channel_key}"}, RECORDED).status_code == 403
    # A revoked agency key is refused like any other.
    bmkg = agency_key(wapp, BMKG)
    prefix = "_".join(bmkg["Authorization"].removeprefix("Bearer ").split("_")[:3])
    with wapp.app_context():
        session = db.session()
        account_svc.revoke_key(session, "test", auth_queries.key_by_ref(session, prefix))
    assert push(web, bmkg, RECORDED).status_code == 401


def test_an_agency_cannot_update_another_senders_warning(wapp, engine):  # noqa: F811
    web = wapp.test_client()
    assert push(web, agency_key(wapp, BMKG), RECORDED).status_code == 201
    # CONSTRUCTED: BPBD Banten "cancels" BMKG's warning, as itself, referencing it.
    hijack = follow_up("Cancel", ".x").replace(f"<sender>{BMKG}".encode(),
                                               b"<sender>bpbd.banten", 1)
    res = push(web, agency_key(wapp, "bpbd.banten"), hijack)
    assert res.status_code == 422 and "references" in res.json["fields"]
    assert q(engine, "SELECT state FROM warnings") == [("active",)]


def test_updates_and_cancellations_follow_references(wapp, engine, accounts):  # noqa: F811
    web, key = wapp.test_client(), agency_key(wapp, BMKG)
    lebak = responder(wapp, "tksk", "TKSK Lebakgedong", -6.62, 106.40)  # in 36.02.25
    pointed = q(engine, "SELECT district_code FROM responders WHERE id = :r", r=lebak)
    assert pointed == [("36.02.25",)]
    cipanas = q(engine, "SELECT ST_Y(point), ST_X(point) FROM areas WHERE code = '36.02.04'")[0]
    other = responder(wapp, "tksk", "TKSK Cipanas", *cipanas)
    first = push(web, key, RECORDED).json["id"]
    notices = dict(q(engine, "SELECT responder_id, id FROM dispatches"))
    tablet = bearer(web, accounts, "field", responder_id=lebak)
    assert web.post(f"/api/v1/me/assignments/{notices[lebak]}/ack",
                    headers=tablet).status_code == 200

    # The update narrows the warning to Lebakgedong and Sajira: the Lebakgedong notice
    # (acknowledged) carries over, Cipanas is released.
    update = push(web, key, follow_up("Update", ".u", names=b"Lebakgedong, Sajira"))
    assert update.status_code == 201 and update.json["replaces"] == [first]
    new = update.json["id"]
    assert dict(q(engine, "SELECT id, state FROM warnings")) == {first: "updated",
                                                                 new: "active"}
    assert q(engine, "SELECT replaced_by FROM warnings WHERE id = :i", i=first) == [(new,)]
    assert dict(q(engine, "SELECT responder_id, (id, warning_id, state)::text "
                          "FROM dispatches")) == {
        lebak: f"({notices[lebak]},{new},acknowledged)",
        other: f"({notices[other]},{first},cancelled)"}
    updated = logged(engine, "payload->'replaces'", "type = 'warning.updated'")
    assert updated == [([first],)]

    cancel = push(web, key, follow_up("Cancel", ".c", refers_to=BANTEN_ID + ".u",
                                      sent="2026-02-16T23:45:00+07:00"))
    assert cancel.status_code == 201
    assert q(engine, "SELECT state FROM warnings WHERE id = :i", i=new) == [("cancelled",)]
    assert q(engine, "SELECT state FROM dispatches WHERE responder_id = :r",
             r=lebak) == [("done",)]
    assert logged(engine, "(payload->>'id')::int", "type = 'warning.cancelled'") == [(new,)]
    ops = bearer(web, accounts, "operator")
    assert web.get("/api/v1/warnings", headers=ops).json["features"] == []
    gone = web.get(f"/api/v1/warnings/{new}", headers=ops).json["properties"]
    assert gone["state"] == "cancelled" and gone["replaced_by"] == cancel.json["id"]


def test_one_scope_rule_for_warnings(wapp, engine, accounts):  # noqa: F811
    banten, _ = receive(wapp, RECORDED)
    jateng, _ = receive(wapp, JATENG.read_bytes())
    web = wapp.test_client()

    def listed(headers):
        res = web.get("/api/v1/warnings", headers=headers)
        assert res.status_code == 200
        return {f["id"]: [d["code"] for d in f["properties"]["districts"]]
                for f in res.json["features"]}

    national = listed(bearer(web, accounts, "operator"))
    assert set(national) == {banten, jateng} and len(national[banten]) == 19
    banten_office = bearer(web, accounts, "regional", region="36")
    assert set(listed(banten_office)) == {banten}
    lebak_office = bearer(web, accounts, "regional", region="36.02")
    mine = listed(lebak_office)[banten]
    assert mine and all(code.startswith("36.02.") for code in mine)  # only its own areas
    assert len(mine) < len(national[banten])
    one = web.get(f"/api/v1/warnings/{banten}", headers=lebak_office).json
    assert all(d["code"].startswith("36.02.") for d in one["properties"]["districts"])
    jateng_office = bearer(web, accounts, "regional", region="33")
    assert set(listed(jateng_office)) == {jateng}
    assert web.get(f"/api/v1/warnings/{banten}", headers=jateng_office).status_code == 404
    assert listed(bearer(web, accounts, "regional", region="72")) == {}
    feature = web.get(f"/api/v1/warnings/{banten}", headers=banten_office).json
    props = feature["properties"]
    assert feature["geometry"]["type"] == "MultiPolygon"
    for name in ("hazard", "event", "severity", "effective", "expires", "sender",
                 "identifier", "districts"):
        assert name in props
    assert props["districts"][0].keys() >= {"code", "name", "kind", "by"}
    assert (props["hazard"], props["severity"], props["sender"]) == ("flood", "moderate", BMKG)


def test_kendali_keys_create_agency(wapp, engine):  # noqa: F811
    runner = wapp.test_cli_runner()
    made = runner.invoke(args=["keys", "create", "--agency", "bpbd.jateng", "--name", "BPBD"])
    assert made.exit_code == 0, made.output
    head, key = made.output.strip().splitlines()
    assert head.startswith("key ") and "agency bpbd.jateng" in head
    assert key.startswith("kdl_agency_")
    listed = runner.invoke(args=["keys", "list"]).output
    assert "agency:bpbd.jateng" in listed and key not in listed  # only the prefix is shown
    assert runner.invoke(args=["keys", "create"]).exit_code != 0
    both = runner.invoke(args=["keys", "create", "--channel", "ditjen", "--agency", "x"])
    assert both.exit_code != 0 and "exactly one" in both.output
    spaced = runner.invoke(args=["keys", "create", "--agency", "two words"])
    assert spaced.exit_code != 0 and "agency" in spaced.output
    # The key works, as that sender only.
    web = wapp.test_client()
    res = push(web, {"Authorization": f"Bearer {key}"}, RECORDED)
    assert res.status_code == 403 and res.json["fields"]["sender"]
