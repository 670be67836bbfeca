"""Felt reports condition the stored impact (issue 19): the recorded Pacitan M6.0 of
2023-06-07 17:04:55 UTC, 117 km offshore, first without its felt list, then with InaTEWS's
first list (11 places, "V Kota Yogyakarta"), then the archive's later revision (12 places,
"IV-V Kota Yogyakarta", "III Kendal").

The server clock stands 10 minutes after the quake (``app_at``), so it is fresh: it opens an
incident, and its revisions extend it. The feed files are never re-timed.
"""

import dataclasses
from datetime import timedelta

import pytest
import sqlalchemy as sa

from geo.bmkg import hint_from_name
from geo.bmkg import parse_feed
from geo.intensity import mmi_at
from geo.intensity import radius_km_for
from geo.quake import FeltReport
from tests.conftest import SHARED
from tests.helpers import app_at

BMKG = SHARED / "data" / "bmkg"
INATEWS = BMKG / "inatews_json" / "inatews_2023-06-08_felt_pacitan_m6.json"
ARCHIVE = BMKG / "felt_archive" / "bmkg_felt_archive_2023-01-27_to_2026-08-31.json"
BANTUL, YOGYAKARTA = "34.02", "34.71"  # Bantul is not in either list; Kota Yogyakarta is


def _sighting(path):
    found = [s for s in parse_feed(path.read_bytes(), source_hint=hint_from_name(path.name))
             .sightings if s.bmkg_id == "20230608000455"]
    assert len(found) == 1
    return found[0]


@pytest.fixture(scope="module")
def pacitan():
    """(InaTEWS sighting, archive sighting) of the quake."""
    return _sighting(INATEWS), _sighting(ARCHIVE)


@pytest.fixture(scope="module")
def capp(database_url, engine, pacitan):
    """An app 10 minutes after the quake, with the demo roster to dispatch."""
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE responders, incidents, dispatches, quakes CASCADE"))
    app = app_at(database_url, pacitan[0].origin_time + timedelta(minutes=10))
    res = app.test_cli_runner().invoke(args=["demo", "responders", "--count", "3000"])
    assert res.exit_code == 0, res.output
    return app


@pytest.fixture
def clean(engine, capp):
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE incidents, dispatches, quakes, notification_deliveries "
                             "CASCADE"))
        conn.execute(sa.text("UPDATE responders SET availability = 'on_duty'"))


def ingest(app, *sightings):
    from server.extensions import db
    from server.services import quakes

    with app.app_context(), db.session() as session:
        return quakes.ingest(session, list(sightings))


def q(engine, sql, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def seq(engine):
    return q(engine, "SELECT coalesce(max(seq), 0) FROM event_log")[0][0]


def events(engine, since, kind):
    return [p for (p,) in q(engine, "SELECT payload FROM event_log WHERE seq > :s AND type = :t "
                                    "ORDER BY seq", s=since, t=kind)]


def snapshot(engine):
    """Everything the impact stored: contours, areas, exposure, the quake's summary."""
    return (
        q(engine, "SELECT mmi, radius_km, ST_AsText(geom) FROM quake_contours ORDER BY mmi"),
        q(engine, "SELECT code, level, distance_km, predicted_mmi, observed_mmi, mmi, population, "
                  "tsunami_level FROM quake_areas ORDER BY code"),
        q(engine, "SELECT mmi, population FROM quake_exposure ORDER BY mmi"),
        q(engine, "SELECT max_mmi, observations FROM quakes"),
    )


def spread(engine, level):
    """(min, max) geodesic distance (km) from the epicentre to the contour's vertices."""
    return q(engine, """
        SELECT min(d), max(d) FROM (
            SELECT ST_Distance((ST_DumpPoints(c.geom)).geom::geography, k.geom::geography) / 1000
                   AS d
              FROM quake_contours c JOIN quakes k ON k.id = c.quake_id WHERE c.mmi = :m) s
        """, m=level)[0]


def below_marks(engine, iid):
    return {c for (c,) in q(engine, "SELECT code FROM incident_areas WHERE incident_id = :i "
                                    "AND below_at IS NOT NULL", i=iid)}


def test_without_observations_the_map_is_the_model(capp, engine, clean, pacitan):
    inatews, _ = pacitan
    start = seq(engine)
    ingest(capp, dataclasses.replace(inatews, felt=()))
    m, depth = inatews.magnitude, inatews.depth_km
    contours = q(engine, "SELECT mmi, radius_km FROM quake_contours ORDER BY mmi")
    assert [level for level, _ in contours] == [2.0 + 0.5 * i for i in range(10)]
    for level, radius in contours:
        assert radius == pytest.approx(radius_km_for(m, depth, level), abs=0.01)
        low, high = spread(engine, level)  # a geodesic circle
        assert radius * 0.99 < low <= high < radius * 1.01
    for _code, _lv, km, predicted, observed, mmi, *_ in snapshot(engine)[1]:
        assert predicted == mmi == round(mmi_at(m, depth, km), 2) and observed is None
    (created,) = events(engine, start, "quake.created")
    assert created["conditioned"] is False and created["observations"] == 0
    # A felt list none of whose places can be placed is no observation: nothing moves.
    before = snapshot(engine)
    unknown = (FeltReport("Xanadu Raya", 3.0, 3.0), FeltReport("Atlantis", 4.0, 4.0))
    result = ingest(capp, dataclasses.replace(inatews, felt=unknown))
    assert result.updated and snapshot(engine) == before
    (updated,) = events(engine, start, "quake.updated")
    assert updated["conditioned"] is False and updated["areas_added"] == []


def test_a_felt_list_moves_the_whole_map_and_extends_the_incident(capp, engine, clean, pacitan):
    inatews, _ = pacitan
    m, depth = inatews.magnitude, inatews.depth_km
    ingest(capp, dataclasses.replace(inatews, felt=()))
    (iid, _), = q(engine, "SELECT id, severity FROM incidents")  # M6.0: VI+ at sea, fresh
    model_areas = {r[0]: r for r in snapshot(engine)[1]}
    assert BANTUL not in model_areas  # IV reaches 96 km, Bantul's coast lies 130 km away
    start = seq(engine)
    ingest(capp, inatews)
    (max_mmi, observations), = q(engine, "SELECT max_mmi, observations FROM quakes")
    assert 9 <= observations <= 11
    # Contours: drawn from the grid, no longer circles, the IV region reaching Yogyakarta.
    low, high = spread(engine, 4.0)
    assert high > radius_km_for(m, depth, 4.0) + 30 and high / low > 1.3
    assert q(engine, "SELECT bool_and(ST_IsValid(geom)) FROM quake_contours")[0][0]
    # Areas beyond the reports move: Bantul is named by neither list, and is now affected.
    areas = {r[0]: r for r in snapshot(engine)[1]}
    code, _lv, km, predicted, observed, mmi, *_ = areas[BANTUL]
    assert observed is None and predicted == mmi >= 4.0 > mmi_at(m, depth, km)
    assert areas[YOGYAKARTA][4] == 5.0  # observed V shows on its area
    # The event says what changed.
    (updated,) = events(engine, start, "quake.updated")
    assert updated["conditioned"] is True and updated["observations"] == observations
    assert BANTUL in updated["areas_added"] and updated["areas_below"] == []
    assert updated["districts_added"] > 10 and updated["districts_below"] == 0  # codes: regencies
    assert all(code.count(".") == 1 for code in updated["areas_added"])
    assert updated["max_mmi"] == max_mmi and updated["event_term"] > 0
    # The open incident grows by the newly affected regencies, dispatched; nothing else moves.
    (change,) = events(engine, start, "incident.updated")
    assert change["id"] == iid and "areas" in change["changes"]
    assert BANTUL in change["added_areas"] and change["below_areas"] == []
    paged = {c for (c,) in q(engine, "SELECT DISTINCT area_code FROM dispatches "
                                     "WHERE incident_id = :i", i=iid)}
    assert BANTUL in paged and paged <= set(change["added_areas"])
    assert q(engine, "SELECT count(*) FROM incidents")[0][0] == 1


def test_one_list_at_a_time_and_areas_that_fall_below_are_marked(capp, engine, clean, pacitan):
    inatews, archive = pacitan
    ingest(capp, dataclasses.replace(inatews, felt=()))
    ingest(capp, inatews)
    (iid,), = q(engine, "SELECT id FROM incidents")
    dispatched = q(engine, "SELECT count(*) FROM dispatches WHERE incident_id = :i "
                           "AND state = 'notified'", i=iid)[0][0]
    assert dispatched > 0
    # BMKG's later revision of the list (Yogyakarta IV-V instead of V) replaces InaTEWS's.
    start = seq(engine)
    ingest(capp, archive)
    (observations,), = q(engine, "SELECT observations FROM quakes")
    assert 10 <= observations <= 12  # one list: not the 23 places of both
    marked = below_marks(engine, iid)
    (updated,) = events(engine, start, "quake.updated")
    if marked:  # regencies the first list's V had lifted past IV
        (change,) = events(engine, start, "incident.updated")
        assert set(change["below_areas"]) == marked <= set(updated["areas_below"])
    # A revision that says the quake was hardly felt: the estimate falls back.
    weak = tuple(FeltReport(r.place, 2.0, 2.0) for r in archive.felt)
    start = seq(engine)
    ingest(capp, dataclasses.replace(archive, felt=weak))
    below = below_marks(engine, iid)
    assert BANTUL in below  # not named: no longer reached
    assert YOGYAKARTA not in below  # named by the list: still part of the impact
    # Marked, not withdrawn: everyone paged is still paged.
    assert q(engine, "SELECT count(*) FROM dispatches WHERE incident_id = :i "
                     "AND state = 'notified'", i=iid)[0][0] == dispatched
    (change,) = events(engine, start, "incident.updated")
    assert "below" in change["changes"] and set(change["below_areas"]) == below - marked
    (updated,) = events(engine, start, "quake.updated")
    assert BANTUL in updated["areas_below"]
    regions = q(engine, "SELECT regions FROM event_log WHERE seq > :s AND type = "
                        "'quake.updated'", s=start)[0][0]
    assert BANTUL in regions  # Bantul's room hears that its fill is gone
    # BMKG's list again (reordered: a new revision, not a repeat): reached again, unmarked.
    start = seq(engine)
    ingest(capp, dataclasses.replace(archive, felt=tuple(reversed(archive.felt))))
    assert below_marks(engine, iid) == marked
    (change,) = events(engine, start, "incident.updated")
    assert set(change["reached_again_areas"]) == below - marked and change["added_areas"] == []


def test_the_incident_api_shows_the_mark(capp, engine, clean, pacitan, accounts):
    inatews, archive = pacitan
    ingest(capp, dataclasses.replace(inatews, felt=()))
    ingest(capp, archive)
    ingest(capp, dataclasses.replace(archive, felt=(FeltReport("Pacitan", 2.0, 2.0),)))
    (iid,), = q(engine, "SELECT id FROM incidents")
    name, pw, _ = accounts("operator")
    client = capp.test_client()
    token = client.post("/api/v1/auth/token", json={"username": name, "password": pw}).json
    res = client.get(f"/api/v1/incidents/{iid}/dispatch",
                     headers={"Authorization": f"Bearer {token['token']}"})
    assert res.status_code == 200
    marks = {a["code"]: a["below_at"] for a in res.json["areas"]}
    assert marks[BANTUL] is not None
    assert "35.01" in marks and marks["35.01"] is None  # Pacitan, named: still reached


def test_impact_cli_conditions_on_a_felt_list(capp):
    base = ["impact", "--lat", "-9.15", "--lon", "110.69", "--depth", "10", "--mag", "6.0"]
    runner = capp.test_cli_runner()
    import json

    plain = json.loads(runner.invoke(args=base).output)
    felt = runner.invoke(args=[*base, "--felt", "V Kota Yogyakarta, IV Ponorogo, III Semarang"])
    assert felt.exit_code == 0, felt.output
    out = json.loads(felt.output)
    assert plain["observations"] == 0 and out["observations"] == 3
    assert out["event_term"] > 0 and len(out["areas"]) > len(plain["areas"])
    assert {a["code"]: a["observed_mmi"] for a in out["areas"]}[YOGYAKARTA] == 5.0
    assert out["contours"][0]["geometry"]["type"] == "MultiPolygon"
    bad = runner.invoke(args=[*base, "--felt", "somewhere"])
    assert bad.exit_code == 2 and "--felt" in bad.output
