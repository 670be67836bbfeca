"""Quake ingestion: association, revisions, impact, felt overrides, tsunami marks, API."""

import json

import pytest
import sqlalchemy as sa

from geo.bmkg import parse_feed
from tests.conftest import SHARED

BMKG = SHARED / "data" / "bmkg"


@pytest.fixture
def clean(engine):
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE quakes CASCADE"))
    yield


def ingest(app, path, **kw):
    from server.extensions import db
    from server.services import quakes as svc

    parsed = parse_feed(path.read_bytes(), **kw)
    with app.app_context():
        session = db.session()
        try:
            return svc.ingest(session, parsed.sightings)
        finally:
            session.close()


def rows(engine, sql, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def test_flores_revisions_become_one_quake_with_tsunami_areas(app, engine, clean):
    before = rows(engine, "SELECT coalesce(max(seq), 0) FROM event_log")[0][0]
    result = ingest(app, BMKG / "gempaterkini" / "gempaterkini_2021-12-14.json")
    assert len(result.created) == 12  # 15 items, 13 distinct, the M7.5 is a revision
    flores = rows(
        engine,
        "SELECT id, magnitude, lat, lon, tsunami, revision, max_mmi FROM quakes "
        "WHERE origin_time BETWEEN '2021-12-14 03:20:00Z' AND '2021-12-14 03:21Z'",
    )
    assert len(flores) == 1
    qid, mag, lat, lon, tsunami, revision, max_mmi = flores[0]
    assert (mag, lat, lon, tsunami) == (7.4, -7.59, 122.24, True)  # newest solution wins
    assert revision == 2 and max_mmi >= 8.0
    history = rows(
        engine,
        "SELECT values->>'magnitude', times_seen, changed FROM quake_sightings "
        "WHERE quake_id = :q ORDER BY id",
        q=qid,
    )
    assert history == [
        ("7.5", 1, []),
        ("7.4", 3, ["origin_time", "position", "depth", "magnitude"]),
    ]
    marked = rows(
        engine,
        "SELECT code, tsunami_level FROM quake_areas WHERE quake_id = :q "
        "AND tsunami_level IS NOT NULL ORDER BY code",
        q=qid,
    )
    codes = {c for c, _ in marked}
    assert {"53.07", "53.08", "73.01"} <= codes  # Sikka, Ende? (NTT) and Kepulauan Selayar
    assert all(level == "POTENSI" for _, level in marked)
    events = rows(
        engine,
        "SELECT type, regions, payload FROM event_log WHERE seq > :s "
        "AND type LIKE 'quake.%' ORDER BY seq",
        s=before,
    )
    created = [e for e in events if e[2]["id"] == qid]
    assert [e[0] for e in created] == ["quake.created"]
    assert "53" in created[0][1] and "53.07" in created[0][1]
    assert created[0][2]["affected"]["tsunami_regencies"] == len(marked)


def test_the_same_payload_again_changes_nothing(app, engine, clean):
    path = BMKG / "gempaterkini" / "gempaterkini_2021-12-14.json"
    ingest(app, path)
    before = rows(engine, "SELECT max(seq) FROM event_log")[0][0]
    again = ingest(app, path)
    assert again.created == [] and again.updated == []
    assert rows(engine, "SELECT max(seq) FROM event_log")[0][0] == before
    assert rows(engine, "SELECT count(*) FROM quakes")[0][0] == 12


def test_a_magnitude_revision_recomputes_the_impact(app, engine, clean, tmp_path):
    src = json.loads((BMKG / "autogempa" / "autogempa_2021-10-05_dompu.json").read_text())
    ingest(app, BMKG / "autogempa" / "autogempa_2021-10-05_dompu.json")
    ((qid, first_mmi),) = rows(engine, "SELECT id, max_mmi FROM quakes")
    src["Infogempa"]["gempa"]["Magnitude"] = "4.9"  # within the 0.5 association window
    (tmp_path / "rev.json").write_text(json.dumps(src))
    result = ingest(app, tmp_path / "rev.json")
    assert result.updated == [qid]
    ((mag, mmi, rev),) = rows(engine, "SELECT magnitude, max_mmi, revision FROM quakes")
    assert (mag, rev) == (4.9, 2) and mmi > first_mmi
    kinds = rows(
        engine, "SELECT type FROM event_log WHERE payload->>'id' = :q ORDER BY seq", q=str(qid)
    )
    assert [k for (k,) in kinds][-2:] == ["quake.created", "quake.updated"]


def test_felt_reports_override_predictions(app, engine, clean):
    ingest(app, BMKG / "gempadirasakan" / "gempadirasakan_2025-12-24.json")
    observed = rows(
        engine,
        "SELECT a.name, a.observed_mmi, a.predicted_mmi FROM quake_areas a "
        "WHERE a.observed_mmi IS NOT NULL",
    )
    assert len(observed) >= 10
    names = {n for n, _, _ in observed}
    assert any("Manado" in n for n in names) and any("Bitung" in n for n in names)
    for _, obs, _pred in observed:
        assert 1 <= obs <= 12


def test_inatews_warning_marks_the_named_coast(app, engine, clean):
    ingest(app, BMKG / "inatews_json" / "inatews_2023-04-25_tsunami_pd1_mentawai.json")
    marked = rows(
        engine, "SELECT code, name, tsunami_level FROM quake_areas WHERE tsunami_level IS NOT NULL"
    )
    assert marked == [("12.14", "Kabupaten Nias Selatan", "WASPADA")]


def test_area_intensity_uses_the_nearest_point_not_the_centroid(app):
    from server.extensions import db
    from server.services import impact

    with app.app_context():
        session = db.session()
        # near Sumedang (the 2024 swarm), made stronger so that areas are affected
        result = impact.compute(session, -6.85, 107.97, 6.0, 5.5)
        session.close()
    home = result.areas["32.11"]  # Kabupaten Sumedang contains the epicentre
    assert home["distance_km"] == 0 and home["predicted_mmi"] == pytest.approx(result.max_mmi)
    # Kabupaten Garut's centroid is far south, but its northern edge is close: its intensity
    # comes from that edge, so it is much stronger than at its centroid (~70 km away)
    garut = result.areas["32.05"]
    assert garut["distance_km"] < 25
    from geo.intensity import mmi_at

    assert garut["predicted_mmi"] > mmi_at(5.5, 6.0, 70.0) + 0.5


def test_quake_api_geojson_filters_and_scope(app, client, engine, clean, accounts):
    ingest(app, BMKG / "gempaterkini" / "gempaterkini_2021-12-14.json")
    op, oppw, _ = accounts("operator")
    ntt, nttpw, _ = accounts("regional", "53")
    aceh, acehpw, _ = accounts("regional", "11")

    def headers(name, pw):
        tok = client.post("/api/v1/auth/token", json={"username": name, "password": pw})
        return {"Authorization": f"Bearer {tok.json['token']}"}

    h_op, h_ntt, h_aceh = headers(op, oppw), headers(ntt, nttpw), headers(aceh, acehpw)
    allq = client.get("/api/v1/quakes", headers=h_op).json
    assert allq["type"] == "FeatureCollection" and len(allq["features"]) == 12
    big = client.get(
        "/api/v1/quakes?min_magnitude=7&start=2021-12-14T00:00:00Z", headers=h_op
    ).json["features"]
    assert len(big) == 1 and big[0]["properties"]["magnitude"] == 7.4
    qid = big[0]["id"]
    boxed = client.get("/api/v1/quakes?bbox=121,-8,123,-7", headers=h_op).json["features"]
    assert qid in [f["id"] for f in boxed]
    detail = client.get(f"/api/v1/quakes/{qid}", headers=h_op).json
    props = detail["properties"]
    assert props["contours"]["features"][0]["properties"]["mmi"] == 2.0
    assert props["exposure"] and props["areas"] and len(props["revisions"]) == 2
    # a regional account of NTT sees it (its regencies shook), only its own areas
    ntt_detail = client.get(f"/api/v1/quakes/{qid}", headers=h_ntt).json["properties"]
    assert ntt_detail["areas"] and all(a["code"].startswith("53") for a in ntt_detail["areas"])
    # Aceh did not feel it: 404, and absent from its list
    assert client.get(f"/api/v1/quakes/{qid}", headers=h_aceh).status_code == 404
    aceh_list = client.get("/api/v1/quakes", headers=h_aceh).json["features"]
    assert qid not in [f["id"] for f in aceh_list]
    bad = client.get("/api/v1/quakes?bbox=1,2,3&start=yesterday&min_magnitude=x", headers=h_op)
    assert bad.status_code == 400
    assert set(bad.json["fields"]) == {"bbox", "start", "min_magnitude"}
    # the same argument rules as every list: no NaN or infinite magnitude, no inverted box
    odd = client.get("/api/v1/quakes?min_magnitude=nan&bbox=123,-7,121,-8", headers=h_op)
    assert odd.status_code == 400
    assert odd.json["fields"] == {"min_magnitude": "out of range",
                                  "bbox": "minLon,minLat,maxLon,maxLat"}
    # a time without a zone is UTC
    naive = client.get("/api/v1/quakes?min_magnitude=7&start=2021-12-14T00:00:00", headers=h_op)
    assert [f["id"] for f in naive.json["features"]] == [qid]


def test_impact_cli_prints_json_without_storing(app, engine, clean):
    res = app.test_cli_runner().invoke(
        # off the south coast of Java
        args=["impact", "--lat", "-7.9", "--lon", "108.3", "--depth", "10", "--mag", "7.0"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert set(out) >= {"max_mmi", "areas", "exposure", "contours"}
    regencies = [a for a in out["areas"] if a["level"] == "regency"]
    assert len(regencies) >= 50 and out["max_mmi"] >= 7.5
    assert {"code", "name", "level", "max_mmi", "population"} <= set(out["areas"][0])
    assert out["contours"][0]["geometry"]["type"] == "Polygon"
    assert rows(engine, "SELECT count(*) FROM quakes")[0][0] == 0
    bad = app.test_cli_runner().invoke(
        args=["impact", "--lat", "95", "--lon", "0", "--depth", "10", "--mag", "5"]
    )
    assert bad.exit_code != 0 and "--lat/--lon" in bad.output
