"""The CAP poller on BMKG's recorded nowcasts, served over real HTTP on loopback: stored
warnings with their districts, standby notices for their responders, clean removal on
expiry; a broken message or index never stops it.

The recorded messages are from 2026-02-16: the app's clock is set to that night
(:data:`NOWCAST_NOW`); the files are served as recorded, the RSS with its links pointing at
the loopback server (the one change)."""

import pytest

from server.jobs import cap_feed
from server.jobs import scheduler
from tests.conftest import make_app
from tests.server.warnings_support import BANTEN
from tests.server.warnings_support import NOWCAST_NOW
from tests.server.warnings_support import STANDBY_TABLE
from tests.server.warnings_support import clock  # noqa: F401 - fixture
from tests.server.warnings_support import feed_server  # noqa: F401 - fixture
from tests.server.warnings_support import logged
from tests.server.warnings_support import q
from tests.server.warnings_support import responder
from tests.server.warnings_support import wapp  # noqa: F401 - fixture

BANTEN_ID = "2.49.0.1.360.0.2026.02.16.16.36.004"
JATENG_ID = "2.49.0.1.360.0.2026.02.16.16.45.005"


def poller_app(database_url, clock, feed_server, **extra):  # noqa: F811
    return make_app(database_url, CLOCK=clock, WARNING_ACTIONS=STANDBY_TABLE,
                    CAP_SOURCES=[feed_server.base + "rss.xml"], FEED_TIMEOUT=(0.5, 1.0),
                    FEED_STALE_AFTER_S=0.0, **extra)


def poll(app):
    from server.extensions import db

    with app.app_context():
        poller = cap_feed.CapPoller(app, db.session, rng=lambda: 0.5)
        return poller, poller.poll(app.config["CAP_SOURCES"][0], app.config["CAP_INTERVAL"])


def point(engine, code):
    lat, lon = q(engine, "SELECT ST_Y(point), ST_X(point) FROM areas WHERE code = :c", c=code)[0]
    return lat, lon


def feed_state(engine):
    return q(engine, "SELECT name, records_accepted, records_rejected, payloads_rejected, "
                     "consecutive_failures, stale, last_error FROM feed_state")


def test_recorded_nowcasts_become_warnings_with_districts_and_standby(
        database_url, engine, wapp, clock, feed_server):  # noqa: F811
    feed_server.serve_recorded_feed()
    app = poller_app(database_url, clock, feed_server)
    # Responders at home in Lebakgedong (Banten, under a polygon and named), Kajen (named in
    # the Jawa Tengah text), one off duty in Kramatwatu (named), one in Palu (not affected).
    lebak = responder(app, "tksk", "TKSK Lebakgedong", *point(engine, "36.02.25"))
    kajen = responder(app, "tagana", "Tagana Kajen", *point(engine, "33.26.08"))
    responder(app, "tksk", "TKSK Kramatwatu", *point(engine, "36.04.05"),
              availability="off_duty")
    responder(app, "tksk", "TKSK Palu", -0.9, 119.87)

    _, delay = poll(app)

    assert delay == app.config["CAP_INTERVAL"]
    stored = dict(q(engine, "SELECT identifier, state FROM warnings"))
    assert stored == {BANTEN_ID: "active", JATENG_ID: "active"}
    # The Sumatera Utara item has no file (as recorded): refused with its reason, counted.
    name, accepted, rejected, payloads, failures, stale, _ = feed_state(engine)[0]
    assert (name, accepted, rejected, payloads, failures, stale) == (
        "cap:127.0.0.1", 2, 1, 0, 0, False)
    assert q(engine, "SELECT field, reason FROM warning_rejections") == [("fetch", "HTTP 404")]
    banten = dict(q(engine, "SELECT d.code, d.by FROM warning_districts d JOIN warnings w "
                            "ON w.id = d.warning_id WHERE w.identifier = :i", i=BANTEN_ID))
    assert len(banten) == 19  # 20 names, Cibeber left unresolved (Cilegon or Lebak)
    assert banten["36.02.25"] == "both" and banten["36.72.08"] == "both"
    assert banten["36.04.05"] == "name"
    standby = q(engine, "SELECT responder_id, area_code, state, kind, incident_id "
                        "FROM dispatches ORDER BY responder_id")
    assert standby == [(lebak, "36.02.25", "notified", "standby", None),
                       (kajen, "33.26.08", "notified", "standby", None)]
    types = [t for (t,) in logged(engine, "type", "type LIKE 'warning.%' "
                                                           "OR type LIKE 'standby.%'")]
    assert sorted(types) == sorted(["warning.created"] * 2 + ["standby.notified"] * 2)


def test_a_second_poll_reads_nothing_again(database_url, engine, wapp, clock,
                                           feed_server):  # noqa: F811
    feed_server.serve_recorded_feed()
    app = poller_app(database_url, clock, feed_server)
    poller, _ = poll(app)
    first = list(feed_server.requests)
    with app.app_context():
        poller.poll(app.config["CAP_SOURCES"][0], 60.0)
    again = feed_server.requests[len(first):]
    assert sorted(first) == sorted(["/alerts/nowcast/id/rss.xml",
                                    "/alerts/nowcast/id/CBT20260216004_alert.xml",
                                    "/alerts/nowcast/id/CJG20260216005_alert.xml",
                                    "/alerts/nowcast/id/CSU20260216005_alert.xml"])
    assert again == ["/alerts/nowcast/id/rss.xml"]  # answered 304: nothing re-read
    assert q(engine, "SELECT count(*) FROM warnings")[0][0] == 2
    assert feed_state(engine)[0][1:3] == (2, 1)  # the refusal is not counted twice


def test_expired_warnings_leave_cleanly(database_url, engine, wapp, clock, feed_server,
                                        client, accounts):  # noqa: F811
    feed_server.serve_recorded_feed()
    app = poller_app(database_url, clock, feed_server)
    lebak = responder(app, "tksk", "TKSK Lebakgedong", *point(engine, "36.02.25"))
    kajen = responder(app, "tagana", "Tagana Kajen", *point(engine, "33.26.08"))
    poll(app)
    name, pw, _ = accounts("operator")
    web = app.test_client()
    token = web.post("/api/v1/auth/token", json={"username": name, "password": pw}).json["token"]
    auth = {"Authorization": f"Bearer {token}"}
    listed = web.get("/api/v1/warnings", headers=auth).json["features"]
    assert {f["properties"]["identifier"] for f in listed} == {BANTEN_ID, JATENG_ID}
    lebak_notice = q(engine, "SELECT id FROM dispatches WHERE responder_id = :r", r=lebak)[0][0]
    field_user, field_pw, _ = accounts("field", responder_id=lebak)
    tablet = web.post("/api/v1/auth/token", json={"username": field_user, "password": field_pw})
    tablet_auth = {"Authorization": f"Bearer {tablet.json['token']}"}
    assert web.post(f"/api/v1/me/assignments/{lebak_notice}/ack",
                    headers=tablet_auth).status_code == 200
    assert q(engine, "SELECT availability FROM responders WHERE id = :r",
             r=lebak) == [("on_duty",)]  # standing by is not being busy

    clock.advance(hours=1, minutes=45)  # 01:05 WIB: Jawa Tengah's warning (until 01:00) ends
    scheduler.run_once(app)
    listed = web.get("/api/v1/warnings", headers=auth).json["features"]
    assert [f["properties"]["identifier"] for f in listed] == [BANTEN_ID]
    assert q(engine, "SELECT state FROM warnings WHERE identifier = :i",
             i=JATENG_ID) == [("expired",)]
    assert dict(q(engine, "SELECT responder_id, state FROM dispatches")) == {
        lebak: "acknowledged", kajen: "cancelled"}

    clock.advance(hours=1)  # 02:05 WIB: Banten's too
    scheduler.run_once(app)
    assert web.get("/api/v1/warnings", headers=auth).json["features"] == []
    assert dict(q(engine, "SELECT responder_id, state FROM dispatches")) == {
        lebak: "done", kajen: "cancelled"}
    expired = logged(engine, "count(*)", "type = 'warning.expired'")
    assert expired[0][0] == 2
    # The list and the tablet agree: nothing left to acknowledge.
    standby = web.get("/api/v1/me/assignments", headers=tablet_auth).json["standby"]
    assert [(s["state"], s["warning"]["state"]) for s in standby] == [("done", "expired")]


HOSTILE_INDEX = {
    "html error page": (200, b"<html><body>502 Bad Gateway</body></html>"),
    "truncated RSS": (200, b"<?xml version='1.0'?><rss><channel><item><link>http"),
    "empty body": (200, b""),
    "server error": (500, b"Internal Server Error"),
    "an entity bomb": (200, b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">'
                            b'<!ENTITY b "&a;&a;&a;&a;">]><rss>&b;</rss>'),
}


@pytest.mark.parametrize("case", list(HOSTILE_INDEX))
def test_a_broken_index_is_a_failing_source_and_the_poller_goes_on(
        database_url, engine, wapp, clock, feed_server, case):  # noqa: F811
    status, body = HOSTILE_INDEX[case]
    feed_server.serve("rss.xml", body, status)
    app = poller_app(database_url, clock, feed_server, CAP_INTERVAL=60.0)
    _, delay = poll(app)
    name, accepted, rejected, payloads, failures, stale, error = feed_state(engine)[0]
    assert failures == 1 and stale and error  # stale after 0 s in this test
    assert payloads == (0 if status != 200 else 1)
    assert 60.0 * 0.8 <= delay <= 180.0  # back-off from the interval, capped at 3 intervals
    assert q(engine, "SELECT count(*) FROM warnings")[0][0] == 0
    assert logged(engine, "count(*)", "type = 'feed.stale' AND payload->>'feed' = :n",
                  n=name)[0][0] >= 1
    feed_server.serve_recorded_feed()  # the source comes back
    poll(app)
    assert feed_state(engine)[0][4:6] == (0, False)
    assert q(engine, "SELECT count(*) FROM warnings")[0][0] == 2


def test_a_broken_message_is_refused_and_the_rest_of_the_index_is_read(
        database_url, engine, wapp, clock, feed_server):  # noqa: F811
    feed_server.serve_recorded_feed()
    # CONSTRUCTED: the recorded Banten message with its first polygon cut to three points.
    broken = BANTEN.read_bytes().replace(
        b"-5.981,105.994 -6.004,106.022 -6.010,106.029 -6.016,106.047 -6.020,106.049 -6.030,"
        b"106.036 -6.041,106.031 -6.039,106.018 -6.046,106.005 -6.021,105.999 -6.005,105.983 "
        b"-6.000,105.983 -5.993,105.981 -5.981,105.994", b"-5.981,105.994 -6.004,106.022 "
        b"-6.010,106.029")
    feed_server.serve("CBT20260216004_alert.xml", broken)
    app = poller_app(database_url, clock, feed_server)
    poll(app)
    assert q(engine, "SELECT identifier FROM warnings") == [(JATENG_ID,)]
    assert ("info[0].area[0].polygon[0]", "3 points; a polygon needs at least 4") in q(
        engine, "SELECT field, reason FROM warning_rejections")
    assert feed_state(engine)[0][1:3] == (1, 2)


def test_recorded_clock_sanity():
    assert NOWCAST_NOW.isoformat() == "2026-02-16T16:20:00+00:00"
