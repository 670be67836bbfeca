"""What a warning sets off: an incident dispatched as for quakes (joining the open one of the
same hazard and area, closing when its warnings end and nobody is out), standby notices that
never count as staffing, tsunami coasts, and nothing for a warning of the past.

Messages marked CONSTRUCTED are the recorded Banten nowcast with one element edited."""

import sqlalchemy as sa

from server.jobs import scheduler
from tests.server.warnings_support import BANTEN
from tests.server.warnings_support import clock  # noqa: F401 - fixture
from tests.server.warnings_support import logged
from tests.server.warnings_support import q
from tests.server.warnings_support import receive
from tests.server.warnings_support import responder
from tests.server.warnings_support import wapp  # noqa: F401 - fixture

RECORDED = BANTEN.read_bytes()
# CONSTRUCTED: the recorded message with severity Extreme (and, for the second, another id).
EXTREME = RECORDED.replace(b"<severity>Moderate", b"<severity>Extreme")
EXTREME_AGAIN = EXTREME.replace(b".16.36.004</identifier>", b".16.36.099</identifier>")
BANTEN_REGENCIES = ["36.02", "36.04", "36.72", "36.73"]  # Lebak, Serang, Cilegon, Kota Serang


def roster(app, engine, codes=BANTEN_REGENCIES):
    """A Tagana and a TKSK at each area's point (a regency's or a district's)."""
    out = {}
    for code in codes:
        lat, lon = q(engine, "SELECT ST_Y(point), ST_X(point) FROM areas WHERE code = :c",
                     c=code)[0]
        out[code] = [responder(app, kind, f"{kind} {code}", lat, lon)
                     for kind in ("tagana", "tksk")]
    return out


def incidents(engine):
    return q(engine, "SELECT id, hazard, severity, status, created_by, geom IS NOT NULL "
                     "FROM incidents ORDER BY id")


def test_an_extreme_warning_opens_an_incident_dispatched_as_for_quakes(wapp, engine):  # noqa: F811
    roster(wapp, engine)
    wid, _ = receive(wapp, EXTREME)
    (iid, hazard, severity, status, by, outlined), = incidents(engine)
    assert (hazard, severity, status, by, outlined) == ("flood", "extreme", "active",
                                                        "system:cap", True)
    areas = [c for (c,) in q(engine, "SELECT code FROM incident_areas WHERE incident_id = :i "
                                     "ORDER BY code", i=iid)]
    assert areas == BANTEN_REGENCIES  # where it is happening, per regency
    sent = q(engine, "SELECT kind, count(*) FROM dispatches GROUP BY kind")
    assert sent == [("dispatch", 8)]  # two per area; nobody on standby for the same places
    assert q(engine, "SELECT incident_id, warning_id FROM incident_warnings") == [(iid, wid)]
    # The same hazard over the same regencies joins the open incident: nobody paged again.
    wid2, _ = receive(wapp, EXTREME_AGAIN)
    assert len(incidents(engine)) == 1
    assert sorted(q(engine, "SELECT warning_id FROM incident_warnings")) == [(wid,), (wid2,)]
    assert q(engine, "SELECT count(*) FROM dispatches")[0][0] == 8


def test_standby_never_counts_as_staffing_and_holds_nobody(wapp, engine):  # noqa: F811
    people = roster(wapp, engine, ["36.02.25"])  # at home in Lebakgedong, under a polygon
    receive(wapp, RECORDED)  # moderate: standby (the tests' table)
    standby = q(engine, "SELECT responder_id, state FROM dispatches WHERE kind = 'standby'")
    assert sorted(r for r, _ in standby) == people["36.02.25"]
    with engine.begin() as conn:  # both acknowledge their standby
        conn.execute(sa.text("UPDATE dispatches SET state = 'acknowledged'"))
    receive(wapp, EXTREME_AGAIN)  # now an incident over Lebak (and the others)
    (iid, *_), = incidents(engine)
    sent = q(engine, "SELECT responder_id, state FROM dispatches WHERE kind = 'dispatch' "
                     "AND area_code = '36.02'")
    # Those standing by are the ones sent: standing by holds nobody, and the area waits for
    # two acknowledgements of the dispatch itself, not of the standby.
    assert sorted(r for r, _ in sent) == people["36.02.25"]
    assert {s for _, s in sent} == {"notified"}
    assert q(engine, "SELECT unstaffed_at IS NULL FROM incident_areas WHERE incident_id = :i "
                     "AND code = '36.02'", i=iid) == [(True,)]


def test_the_incident_closes_when_its_warnings_end_and_nobody_is_out(wapp, engine, clock):  # noqa: F811
    roster(wapp, engine)
    receive(wapp, EXTREME)
    (iid, *_), = incidents(engine)
    one = q(engine, "SELECT id FROM dispatches WHERE area_code = '36.02' ORDER BY id")[0][0]
    with engine.begin() as conn:  # one responder is out on the ground
        conn.execute(sa.text("UPDATE dispatches SET state = 'on_site' WHERE id = :d"),
                     {"d": one})
    clock.advance(hours=3)  # 02:20 WIB: the warning ended at 02:00
    scheduler.run_once(wapp)
    assert incidents(engine)[0][3] == "active"  # someone is out: it stays open
    from server.extensions import db
    from server.services import dispatch

    with wapp.app_context():
        dispatch.transition(db.session(), "test", one, "done")
    scheduler.run_once(wapp)
    assert incidents(engine)[0][3] == "closed"
    closed = logged(engine, "payload->>'reason'",
                    "type = 'incident.closed' AND (payload->>'id')::int = :i", i=iid)
    assert closed == [("warning_ended",)]
    assert q(engine, "SELECT count(*) FROM dispatches WHERE state IN ('notified', "
                     "'acknowledged', 'en_route', 'on_site')")[0][0] == 0


def test_a_warning_of_the_past_is_stored_and_sets_nothing_off(wapp, engine, clock):  # noqa: F811
    roster(wapp, engine, ["36.02"])
    clock.advance(days=1)
    seq = q(engine, "SELECT coalesce(max(seq), 0) FROM event_log")[0][0]
    receive(wapp, EXTREME)
    assert q(engine, "SELECT state FROM warnings") == [("expired",)]
    assert incidents(engine) == [] and q(engine, "SELECT count(*) FROM dispatches")[0][0] == 0
    assert q(engine, "SELECT count(*) FROM event_log WHERE seq > :s", s=seq)[0][0] == 0


def _tsunami() -> bytes:
    # CONSTRUCTED: InaTEWS-style zones (no real InaTEWS CAP message and no real AWAS/SIAGA
    # zone exist: tests/fixtures/cap/SOURCES.md) on the recorded Banten envelope.
    areas = ("<area><areaDesc>PANDEGLANG BAGIAN SELATAN</areaDesc><geocode><valueName>"
             "province</valueName><value>BANTEN</value></geocode><geocode><valueName>level"
             "</valueName><value>AWAS</value></geocode></area>"
             "<area><areaDesc>LEBAK</areaDesc><geocode><valueName>province</valueName>"
             "<value>BANTEN</value></geocode><geocode><valueName>level</valueName>"
             "<value>SIAGA</value></geocode></area>"
             "<area><areaDesc>SERANG</areaDesc><geocode><valueName>province</valueName>"
             "<value>BANTEN</value></geocode><geocode><valueName>level</valueName>"
             "<value>WASPADA</value></geocode></area>")
    doc = RECORDED.decode()
    doc = doc[:doc.index("<area>")] + areas + doc[doc.index("</area>") + len("</area>"):]
    doc = doc.replace("<event>Hujan Lebat dan Petir</event>", "<event>Tsunami</event>")
    doc = doc.replace("<category>Met</category>", "<category>Geo</category>")
    doc = doc.replace("<headline>Hujan Lebat disertai Petir di Banten</headline>",
                      "<headline>Peringatan Dini Tsunami: AWAS</headline>")
    start = doc.index("<description>") + len("<description>")
    text = "Peringatan dini tsunami untuk pantai Banten. Segera menjauhi pantai."
    return (doc[:start] + text + doc[doc.index("</description>"):]).encode()


def test_a_tsunami_warning_opens_an_incident_over_its_awas_and_siaga_coasts(wapp, engine):  # noqa: F811
    people = roster(wapp, engine, ["36.01", "36.02", "36.04"])
    wid, _ = receive(wapp, _tsunami())
    assert q(engine, "SELECT hazard, severity, level, action FROM warnings") == [
        ("tsunami", "extreme", "AWAS", "incident")]
    areas = dict(q(engine, "SELECT code, kind FROM warning_districts"))
    assert areas == {"36.01": "terjadi", "36.02": "terjadi", "36.04": "terjadi"}
    (iid, hazard, severity, *_), = incidents(engine)
    assert (hazard, severity) == ("tsunami", "extreme")
    assert [c for (c,) in q(engine, "SELECT code FROM incident_areas ORDER BY code")] == [
        "36.01", "36.02"]  # Serang is WASPADA: its people stand by
    standby = q(engine, "SELECT responder_id FROM dispatches WHERE kind = 'standby'")
    assert sorted(r for (r,) in standby) == people["36.04"]
