"""The BMKG feed hangs, returns garbage and revises one quake five times; and a restart during
an escalation with two server processes (bounded, loopback only)."""

import json
import time

import sqlalchemy as sa

from tests.conftest import SHARED
from tests.conftest import start_server
from tests.conftest import stop_server
from tests.faults.support import FailoverStream
from tests.helpers import token_for
from tests.server.test_feed import Hostile

DOMPU = json.loads((SHARED / "data" / "bmkg" / "autogempa" /
                    "autogempa_2021-10-05_dompu.json").read_text())


def _revision(magnitude: float, depth: int) -> bytes:
    doc = json.loads(json.dumps(DOMPU))
    doc["Infogempa"]["gempa"]["Magnitude"] = f"{magnitude:.1f}"
    doc["Infogempa"]["gempa"]["Kedalaman"] = f"{depth} km"
    return json.dumps(doc).encode()


def _wait(predicate, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_hostile_feed_one_quake_final_values_stale_then_recovered(
        database_url, engine, accounts):
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE quakes, feed_state CASCADE"))
    hostile = Hostile()
    server = start_server(database_url, KENDALI_FEED_POLLING="1", KENDALI_BMKG_URL=hostile.url,
                          KENDALI_AUTOGEMPA_INTERVAL="1", KENDALI_GEMPATERKINI_INTERVAL="3600",
                          KENDALI_GEMPADIRASAKAN_INTERVAL="3600", KENDALI_FEED_STALE_AFTER="3",
                          KENDALI_FEED_READ_TIMEOUT="1", KENDALI_FEED_MAX_BACKOFF="2")
    name, pw, _ = accounts("operator")
    wall = FailoverStream([server.url], token_for(server.url, name, pw))
    try:
        assert wall.connect()
        revisions = [(4.5, 20), (4.6, 20), (4.8, 18), (4.7, 19), (4.9, 17)]
        for i, (mag, depth) in enumerate(revisions):
            hostile.set("autogempa.json", body=_revision(mag, depth), headers={"ETag": f'"r{i}"'})
            assert _wait(lambda m=mag: any(e["type"].startswith("quake.")
                                           and e["payload"]["magnitude"] == m
                                           for e in wall.events), 15), f"revision {i}"
        with engine.connect() as conn:
            quakes = conn.execute(sa.text("SELECT magnitude, depth_km, revision FROM quakes")).all()
        assert quakes == [(4.9, 17.0, 5)], "one quake, the final values, five revisions"
        kinds = [e["type"] for e in wall.events if e["type"].startswith("quake.")]
        assert kinds == ["quake.created"] + ["quake.updated"] * 4
        # the feed hangs, then sends garbage: the wall is told it is stale
        hostile.set("autogempa.json", body=_revision(4.9, 17), delay=3)
        time.sleep(2)
        hostile.set("autogempa.json", body=b"<html>502 Bad Gateway</html>")
        assert _wait(lambda: any(e["type"] == "feed.stale" and e["payload"]["feed"] == "autogempa"
                                 for e in wall.events), 20)
        hostile.set("autogempa.json", body=_revision(4.9, 17), headers={"ETag": '"ok"'})
        assert _wait(lambda: any(e["type"] == "feed.recovered"
                                 and e["payload"]["feed"] == "autogempa"
                                 for e in wall.events), 20)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM quakes")).scalar() == 1
    finally:
        wall.close()
        stop_server(server)
        hostile.close()


def test_a_restart_during_an_escalation_with_two_processes_under_load(
        database_url, engine, accounts):
    from server.extensions import db
    from server.services import incidents
    from server.services import responders
    from tests.conftest import make_app

    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE responders, incidents, dispatches, "
                             "notification_deliveries CASCADE"))
    env = {"KENDALI_SCHEDULER": "1", "KENDALI_DISPATCH_ACK_TIMEOUT": "3"}
    a = start_server(database_url, **env)
    assert _wait(lambda: _scheduler_leader(engine), 10), "the first process leads"
    b = start_server(database_url, **env)
    app = make_app(database_url, DISPATCH_ACK_TIMEOUT_S=3)  # the deadline is set at dispatch
    with app.app_context():
        session = db.session()
        for i, kind in enumerate(["tagana", "tksk", "tagana", "tksk", "tagana", "tksk"]):
            responders.create(session, "test", {"type": kind, "name": f"R{i}",
                                                "base": {"lat": -0.90 - 0.002 * i,
                                                         "lon": 119.87}})
        area = {"type": "Polygon", "coordinates": [[[119.85, -0.92], [119.89, -0.92],
                                                    [119.89, -0.88], [119.85, -0.88],
                                                    [119.85, -0.92]]]}
        from server.auth.scope import Principal

        incident = incidents.create_manual(
            session, Principal(kind="user", role="operator", username="op"), "fire", "moderate",
            "Kebakaran uji", area)
        iid = incident.id
        session.close()
    name, pw, _ = accounts("operator")
    token = token_for(b.url, name, pw)
    load = [FailoverStream([b.url, a.url], token) for _ in range(20)]
    try:
        for stream in load:
            stream.connect()
        a.proc.kill()  # the scheduler's leader dies before the deadline
        # 3 s deadline, then the other process's scheduler times out and notifies the next
        assert _wait(lambda: _count(engine, iid, "timed_out") == 2, 40)
        assert _wait(lambda: _count(engine, iid, "notified") == 2, 20)
        time.sleep(4)  # the replacements time out in turn: still exactly once each
        assert _wait(lambda: _count(engine, iid, "timed_out") == 4, 40)
        with engine.connect() as conn:
            notified = conn.execute(sa.text(
                "SELECT count(*), count(DISTINCT payload->>'id') FROM event_log "
                "WHERE type = 'dispatch.notified' AND payload->>'incident_id' = :i"),
                {"i": str(iid)}).one()
            timed = conn.execute(sa.text(
                "SELECT count(*), count(DISTINCT payload->>'id') FROM event_log "
                "WHERE type = 'dispatch.timed_out' AND payload->>'incident_id' = :i"),
                {"i": str(iid)}).one()
        assert notified[0] == notified[1] == 6, "no double notification"
        assert timed[0] == timed[1] >= 4, "each deadline handled once"
    finally:
        for stream in load:
            stream.close()
        stop_server(a)
        stop_server(b)


def _count(engine, iid, state):
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM dispatches WHERE incident_id = :i "
                                    "AND state = :s"), {"i": iid, "s": state}).scalar()


def _scheduler_leader(engine) -> bool:
    from server.jobs.scheduler import SCHEDULER_LOCK

    with engine.connect() as conn:
        return bool(conn.execute(sa.text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND objid = :lo"), {"lo": SCHEDULER_LOCK & 0xFFFFFFFF}).scalar())
