"""The demo roster, and a recorded quake dispatching it (issues 4 and 5 together)."""

from datetime import UTC
from datetime import datetime

import pytest
import sqlalchemy as sa

from geo.bmkg import parse_feed
from geo.demo import allocate
from geo.demo import split_roster
from tests.conftest import SHARED
from tests.conftest import make_app


def test_allocate_and_split():
    assert allocate(10, [1, 1, 2]) == [3, 2, 5] or sum(allocate(10, [1, 1, 2])) == 10
    assert sum(allocate(7, [0.3, 0.3, 0.4])) == 7
    assert split_roster(40000, 7285) == (24000, 16000)
    assert split_roster(8000, 7285) == (4800, 3200)
    assert split_roster(3000, 7285) == (1800, 1200)  # Tagana at a moderate count too


@pytest.fixture(scope="module")
def roster(app, engine):
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE responders, incidents, dispatches CASCADE"))
    res = app.test_cli_runner().invoke(args=["demo", "responders", "--count", "13000"])
    assert res.exit_code == 0, res.output
    return res.output


def q(engine, sql, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def test_demo_roster_has_a_tksk_in_every_district_and_tagana_near_seats(roster, engine):
    assert "demo roster:" in roster
    districts = q(engine, "SELECT count(DISTINCT district_code) FROM responders "
                          "WHERE type = 'tksk'")[0][0]
    assert districts == q(engine, "SELECT count(*) FROM areas WHERE depth = 3")[0][0]
    (tagana,), = q(engine, "SELECT count(*) FROM responders WHERE type = 'tagana'")
    assert tagana > 1000
    # Tagana follow regency population: Jawa Barat (32) has far more than Papua Pegunungan (95)
    by_prov = dict(q(engine, "SELECT province_code, count(*) FROM responders "
                             "WHERE type = 'tagana' GROUP BY 1"))
    assert by_prov.get("32", 0) > 10 * by_prov.get("95", 0)


def test_a_recorded_quake_dispatches_the_demo_roster_in_every_affected_regency(
        roster, database_url, engine):
    from server.extensions import db
    from server.services import quakes

    # The server's clock 40 minutes after the recorded mainshock: a fresh quake to it.
    now = datetime(2021, 12, 14, 4, 0, tzinfo=UTC)
    app = make_app(database_url, CLOCK=lambda: now)
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE quakes, incidents, dispatches CASCADE"))
    payload = (SHARED / "data" / "bmkg" / "gempaterkini" / "gempaterkini_2021-12-14.json")
    with app.app_context():
        session = db.session()
        quakes.ingest(session, parse_feed(payload.read_bytes()).sightings)
        session.close()
    (iid, severity), = q(engine, "SELECT i.id, i.severity FROM incidents i JOIN quakes k "
                                 "ON k.id = i.quake_id WHERE k.magnitude = 7.4")
    assert q(engine, "SELECT count(*) FROM incidents")[0][0] == 1, "aftershocks join it"
    assert severity == "extreme"
    areas = q(engine, "SELECT a.code, count(d.id) FROM incident_areas a LEFT JOIN dispatches d "
                      "ON d.incident_id = a.incident_id AND d.area_code = a.code "
                      "WHERE a.incident_id = :i GROUP BY a.code", i=iid)
    assert len(areas) >= 5
    assert all(n >= 2 for _, n in areas), areas
    affected = {c for (c,) in q(engine, "SELECT a.code FROM quake_areas a JOIN incidents i "
                                        "ON i.quake_id = a.quake_id WHERE i.id = :i AND "
                                        "a.level = 'regency'", i=iid)}
    assert affected <= {c for c, _ in areas}  # the mainshock's, and its aftershocks' if any
