"""The incident loop on real recorded BMKG lists: only fresh quakes page people, aftershocks
join their mainshock, incidents close and release their people, one area per person.

The recorded feeds are old: each test sets the *server's* clock (the app's injectable
``CLOCK``) to the moment it plays; the feed files are never re-timed.
"""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa

from geo.bmkg import parse_feed
from geo.quake import aftershock_window
from tests.conftest import SHARED
from tests.helpers import FLORES_NOW
from tests.helpers import app_at
from tests.server.dispatch_support import clock  # noqa: F401 - fixture
from tests.server.dispatch_support import dapp  # noqa: F401 - fixture
from tests.server.dispatch_support import q

BMKG = SHARED / "data" / "bmkg"
FLORES = BMKG / "gempaterkini" / "gempaterkini_2021-12-14.json"
JULY_2023 = BMKG / "gempaterkini" / "gempaterkini_2023-07-12.json"


@pytest.fixture(scope="module")
def roster(app, engine):
    """The demo roster (TKSK in every district, Tagana near the seats), as a deployment has."""
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE responders, incidents, dispatches, quakes CASCADE"))
    res = app.test_cli_runner().invoke(args=["demo", "responders", "--count", "9000"])
    assert res.exit_code == 0, res.output


@pytest.fixture
def clean(engine, roster):
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE incidents, dispatches, quakes, notification_deliveries "
                             "CASCADE"))
        conn.execute(sa.text("UPDATE responders SET availability = 'on_duty'"))


def ingest(app, path, keep=None):
    from server.extensions import db
    from server.services import quakes

    sightings = [s for s in parse_feed(path.read_bytes(), source_hint=path.name.split("_")[0])
                 .sightings if keep is None or keep(s)]
    with app.app_context(), db.session() as session:
        return quakes.ingest(session, sightings)


def notified_since(engine, seq):
    return q(engine, "SELECT count(*) FROM event_log WHERE type = 'dispatch.notified' "
                     "AND seq > :s", s=seq)[0][0]


def last_seq(engine):
    return q(engine, "SELECT coalesce(max(seq), 0) FROM event_log")[0][0]


def test_old_quakes_are_stored_and_counted_but_page_nobody(app, engine, clean):
    """Today's clock: the 2021 and 2023 lists are the past. Stored, listed, backfilled."""
    start = last_seq(engine)
    ingest(app, FLORES)
    ingest(app, JULY_2023)
    assert q(engine, "SELECT count(*) FROM incidents")[0][0] == 0
    assert notified_since(engine, start) == 0
    total, backfilled = q(engine, "SELECT count(*), count(*) FILTER (WHERE backfilled) "
                                  "FROM quakes")[0]
    assert total >= 25 and backfilled == total
    health = app.test_client().get("/healthz").json
    assert health["quakes"] == {"total": total, "backfilled": backfilled}
    created = q(engine, "SELECT payload FROM event_log WHERE type = 'quake.created' "
                        "AND seq > :s", s=start)
    assert created and all(p["fresh"] is False and p["backfilled"] for (p,) in created)


def test_the_flores_sequence_is_one_incident_with_its_aftershocks(database_url, engine, clean):
    """The clock of that morning: the M7.4 and its M5.6, M5.5 and M5.0 aftershocks are fresh,
    the list's older quakes (Dec 4-13) are not."""
    start = last_seq(engine)
    ingest(app_at(database_url, FLORES_NOW), FLORES)
    incidents = q(engine, "SELECT i.id, i.severity, k.magnitude FROM incidents i "
                          "JOIN quakes k ON k.id = i.quake_id")
    assert len(incidents) == 1, incidents
    (iid, severity, mainshock), = incidents
    assert mainshock == 7.4 and severity == "extreme"
    sequence = q(engine, "SELECT k.magnitude, s.role FROM incident_quakes s JOIN quakes k "
                         "ON k.id = s.quake_id WHERE s.incident_id = :i ORDER BY k.origin_time",
                 i=iid)
    assert sequence == [(7.4, "mainshock"), (5.6, "aftershock"), (5.5, "aftershock"),
                        (5.0, "aftershock")]
    old = q(engine, "SELECT count(*) FROM quakes WHERE backfilled")[0][0]
    assert old == 8  # Dec 4 ... Dec 13: stored, never paged
    # No area paged twice, nobody in two areas, every notification for this one incident.
    pairs = q(engine, "SELECT area_code, responder_id FROM dispatches WHERE incident_id = :i",
              i=iid)
    assert len(pairs) == len(set(pairs))
    areas_of = {}
    for code, rid in pairs:
        areas_of.setdefault(rid, set()).add(code)
    assert all(len(codes) == 1 for codes in areas_of.values())
    assert notified_since(engine, start) == len(pairs) > 0
    assert q(engine, "SELECT count(DISTINCT incident_id) FROM dispatches")[0][0] == 1


def test_a_larger_quake_becomes_the_mainshock_and_the_severity_only_rises(database_url,
                                                                           engine, clean):
    app = app_at(database_url, FLORES_NOW)
    ingest(app, FLORES, keep=lambda s: s.magnitude == 5.6)  # the M5.6 first
    first = q(engine, "SELECT id, severity, quake_id FROM incidents")
    ingest(app, FLORES, keep=lambda s: s.magnitude >= 7)  # then the M7.4
    after = q(engine, "SELECT id, severity, title FROM incidents")
    if first:  # the M5.6 reached MMI V on land: it opened the incident the M7.4 then took over
        assert len(after) == 1 and after[0][0] == first[0][0]
        assert after[0][1] == "extreme" and "M7.4" in after[0][2]
        roles = dict(q(engine, "SELECT k.magnitude, s.role FROM incident_quakes s JOIN quakes k "
                               "ON k.id = s.quake_id"))
        assert roles == {5.6: "foreshock", 7.4: "mainshock"}
    else:
        assert len(after) == 1 and "M7.4" in after[0][2]
    ingest(app, FLORES, keep=lambda s: s.magnitude in (5.5, 5.0))
    assert q(engine, "SELECT severity FROM incidents")[0][0] == "extreme"


def test_gardner_knopoff_windows():
    km, days = aftershock_window(7.4)
    assert 79 < km < 80 and 940 < days < 950
    km, days = aftershock_window(5.0)
    assert 39.5 < km < 40.5 and 143 < days < 145


def _op_client(app, accounts, role="operator", region=None):
    name, pw, _ = accounts(role, region)
    client = app.test_client()
    res = client.post("/api/v1/auth/token", json={"username": name, "password": pw})
    return client, {"Authorization": f"Bearer {res.json['token']}"}


def test_close_releases_everyone_and_reopen_staffs_again(database_url, engine, clean,
                                                         accounts):
    app = app_at(database_url, FLORES_NOW)
    ingest(app, FLORES, keep=lambda s: s.magnitude >= 7)
    (iid,), = q(engine, "SELECT id FROM incidents")
    (did, rid), = q(engine, "SELECT id, responder_id FROM dispatches WHERE incident_id = :i "
                            "ORDER BY id LIMIT 1", i=iid)
    from server.extensions import db
    from server.services import dispatch

    with app.app_context(), db.session() as session:
        dispatch.transition(session, "test", did, "acknowledged")
    assert q(engine, "SELECT availability FROM responders WHERE id = :r", r=rid)[0][0] == "busy"
    client, h = _op_client(app, accounts)
    start = last_seq(engine)
    res = client.post(f"/api/v1/incidents/{iid}/close", headers=h, json={"note": "selesai"})
    assert res.status_code == 200, res.json
    assert res.json["status"] == "closed" and res.json["close_note"] == "selesai"
    assert q(engine, "SELECT count(*) FROM dispatches WHERE incident_id = :i AND state IN "
                     "('notified', 'acknowledged', 'en_route', 'on_site')", i=iid)[0][0] == 0
    assert q(engine, "SELECT availability FROM responders WHERE id = :r", r=rid)[0][0] \
        == "on_duty", "availability given back"
    closed = q(engine, "SELECT payload FROM event_log WHERE type = 'incident.closed' "
                       "AND seq > :s", s=start)
    assert len(closed) == 1 and closed[0][0]["reason"] == "closed"
    assert q(engine, "SELECT count(*) FROM audit_log WHERE action = 'incident.close' "
                     "AND object_id = :i", i=str(iid))[0][0] == 1
    again = client.post(f"/api/v1/incidents/{iid}/close", headers=h)
    assert again.status_code == 409 and again.json["fields"] == {"state": "closed"}
    # nothing to escalate any more: the scheduler finds no pending notification
    reopened = client.post(f"/api/v1/incidents/{iid}/reopen", headers=h, json={})
    assert reopened.status_code == 200 and reopened.json["status"] == "active"
    assert q(engine, "SELECT count(*) FROM dispatches WHERE incident_id = :i AND "
                     "state = 'notified'", i=iid)[0][0] > 0, "its areas are staffed again"
    assert client.post(f"/api/v1/incidents/{iid}/reopen", headers=h).status_code == 409


def test_standing_one_area_down_and_the_regional_rules(database_url, engine, clean, accounts):
    app = app_at(database_url, FLORES_NOW)
    ingest(app, FLORES, keep=lambda s: s.magnitude >= 7)
    (iid,), = q(engine, "SELECT id FROM incidents")
    codes = [c for (c,) in q(engine, "SELECT code FROM incident_areas WHERE incident_id = :i "
                                     "ORDER BY priority DESC", i=iid)]
    client, h = _op_client(app, accounts)
    assert client.post(f"/api/v1/incidents/{iid}/areas/99.99/close",
                       headers=h).status_code == 404
    code = codes[0]
    res = client.post(f"/api/v1/incidents/{iid}/areas/{code}/close", headers=h,
                      json={"note": "aman"})
    assert res.status_code == 200 and res.json["code"] == code
    assert q(engine, "SELECT count(*) FROM dispatches WHERE incident_id = :i AND area_code = :c "
                     "AND state = 'notified'", i=iid, c=code)[0][0] == 0
    assert q(engine, "SELECT count(*) FROM dispatches WHERE incident_id = :i AND area_code <> :c "
                     "AND state = 'notified'", i=iid, c=code)[0][0] > 0, "the rest goes on"
    assert client.post(f"/api/v1/incidents/{iid}/areas/{code}/close",
                       headers=h).status_code == 409
    # An office of one province: the Flores incident reaches outside it.
    province = codes[0][:2]
    rc, rh = _op_client(app, accounts, "regional", province)
    if any(not c.startswith(province) for c in codes):
        res = rc.post(f"/api/v1/incidents/{iid}/close", headers=rh)
        assert res.status_code == 403 and "incident" in res.json["fields"]
    # ... and an office of another province does not see it at all.
    other, oh = _op_client(app, accounts, "regional", "11")
    assert other.post(f"/api/v1/incidents/{iid}/close", headers=oh).status_code == 404
    assert q(engine, "SELECT status FROM incidents WHERE id = :i", i=iid)[0][0] == "active"


def test_a_quiet_quake_incident_closes_itself(database_url, engine, clean):
    from server.jobs import scheduler

    ingest(app_at(database_url, FLORES_NOW), FLORES, keep=lambda s: s.magnitude >= 7)
    (iid,), = q(engine, "SELECT id FROM incidents")
    later = FLORES_NOW + timedelta(hours=80)
    scheduler.run_once(app_at(database_url, later))  # notifications time out; refills run out
    assert q(engine, "SELECT status FROM incidents WHERE id = :i", i=iid)[0][0] == "active"
    with engine.begin() as conn:  # nobody left out there
        conn.execute(sa.text("UPDATE dispatches SET state = 'declined' WHERE state = 'notified'"))
    quiet = later + timedelta(hours=73)
    scheduler.run_once(app_at(database_url, quiet))
    status, note = q(engine, "SELECT status, close_note FROM incidents WHERE id = :i", i=iid)[0]
    assert status == "closed" and "72" in note
    (payload,), = q(engine, "SELECT payload FROM event_log WHERE type = 'incident.closed' "
                            "ORDER BY seq DESC LIMIT 1")
    assert payload["reason"] == "quiet"


def test_the_incidents_command(database_url, engine, clean):
    app = app_at(database_url, FLORES_NOW)
    ingest(app, FLORES, keep=lambda s: s.magnitude >= 7)
    (iid,), = q(engine, "SELECT id FROM incidents")
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["incidents", "list"])
    assert listed.exit_code == 0 and f"{iid:>6}  active" in listed.output
    closed = runner.invoke(args=["incidents", "close", str(iid), "--note", "uji"])
    assert closed.exit_code == 0, closed.output
    again = runner.invoke(args=["incidents", "close", str(iid)])
    assert again.exit_code == 1 and "already closed" in again.output
    assert runner.invoke(args=["incidents", "reopen", str(iid)]).exit_code == 0
    assert q(engine, "SELECT actor FROM audit_log WHERE action = 'incident.close' AND "
                     "object_id = :i", i=str(iid))[0][0].startswith("cli:")


def test_assignments_go_to_the_anchor_nearest_the_epicentre(database_url, engine, clean,
                                                            accounts):
    app = app_at(database_url, FLORES_NOW)
    ingest(app, FLORES, keep=lambda s: s.magnitude >= 7)
    (rid, code, lat, lon), = q(engine, """
        SELECT d.responder_id, d.area_code, ST_Y(ia.anchor), ST_X(ia.anchor)
          FROM dispatches d JOIN incident_areas ia
            ON ia.incident_id = d.incident_id AND ia.code = d.area_code
         ORDER BY ia.priority DESC, d.id LIMIT 1""")
    name, pw, _ = accounts("field", responder_id=rid)
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": name, "password": pw}).json
    mine = client.get("/api/v1/me/assignments",
                      headers={"Authorization": f"Bearer {token['token']}"}).json
    (item,) = [a for a in mine["assignments"] if a["area"] == code]
    assert item["target"] == {"lat": pytest.approx(lat), "lon": pytest.approx(lon)}
    assert item["outline_kind"] == "area" and item["outline"]["type"] == "MultiPolygon"
    # the anchor is nearer the epicentre than the area's own point
    (to_anchor, to_point), = q(engine, """
        SELECT ST_Distance(k.geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)
                           ::geography), ST_Distance(k.geom::geography, a.point::geography)
          FROM quakes k, areas a WHERE k.magnitude = 7.4 AND a.code = :c""",
                               lat=lat, lon=lon, c=code)
    assert to_anchor <= to_point


def test_a_drawn_square_sends_people_inside_it(dapp, engine, accounts):
    from tests.server.dispatch_support import incident
    from tests.server.dispatch_support import responder
    from tests.server.dispatch_support import token

    # A 6 x 6 km flood around a worker's base in Kabupaten Sigi, far from the regency's centre.
    lat, lon = -1.30, 119.95
    d = 0.027
    square = {"type": "Polygon", "coordinates": [[[lon - d, lat - d], [lon + d, lat - d],
                                                  [lon + d, lat + d], [lon - d, lat + d],
                                                  [lon - d, lat - d]]]}
    rid = responder(dapp, "tksk", "Dekat", lat + 0.01, lon)
    iid = incident(dapp, square)
    name, pw, _ = accounts("field", responder_id=rid)
    client = dapp.test_client()
    mine = client.get("/api/v1/me/assignments", headers=token(client, name, pw)).json
    (item,) = [a for a in mine["assignments"] if a["incident_id"] == iid]
    t = item["target"]
    assert abs(t["lat"] - lat) <= d and abs(t["lon"] - lon) <= d, "inside the drawn square"
    assert item["outline_kind"] == "incident" and item["distance_km"] < 5


def test_one_area_per_person_with_a_moderate_roster(app, database_url, engine):
    """An M7.4 near Donggala with a 3,000-person roster: nobody is notified for two areas of
    the incident; areas that cannot be staffed say why."""
    from geo.quake import Sighting
    from server.extensions import db
    from server.services import quakes

    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE responders, incidents, dispatches, quakes CASCADE"))
    res = app.test_cli_runner().invoke(args=["demo", "responders", "--count", "3000"])
    assert res.exit_code == 0, res.output
    now = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
    donggala = Sighting(source="autogempa", origin_time=now - timedelta(minutes=5),
                        lat=-0.18, lon=119.85, depth_km=10.0, magnitude=7.4,
                        region_text="Donggala (uji)")
    with app_at(database_url, now).app_context(), db.session() as session:
        quakes.ingest(session, [donggala])
    (iid,), = q(engine, "SELECT id FROM incidents")
    per_person = q(engine, "SELECT responder_id, count(DISTINCT area_code) FROM dispatches "
                           "WHERE incident_id = :i GROUP BY 1", i=iid)
    assert per_person and max(n for _, n in per_person) == 1
    areas = q(engine, "SELECT a.code, a.needed, a.unstaffed_reason, count(d.id) "
                      "FROM incident_areas a LEFT JOIN dispatches d "
                      "ON d.incident_id = a.incident_id AND d.area_code = a.code "
                      "WHERE a.incident_id = :i GROUP BY 1, 2, 3", i=iid)
    assert len(areas) > 20
    for code, needed, reason, n in areas:
        assert n >= needed or (reason and "no other free responder within" in reason), code
