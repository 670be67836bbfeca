"""Reports from the ground: stored once per client id with their photo (location stripped
unless shared), every bad input a 4xx naming the field with nothing written, photos only for
those who may see the incident's area, totals per area; and the tablet's on/off-duty switch."""

import io
import json
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

from tests.conftest import make_app
from tests.server.field_support import clock  # noqa: F401
from tests.server.field_support import dispatch_of
from tests.server.field_support import fapp  # noqa: F401
from tests.server.field_support import has_gps
from tests.server.field_support import incident
from tests.server.field_support import jpeg
from tests.server.field_support import q
from tests.server.field_support import responder
from tests.server.field_support import token

pytestmark = pytest.mark.db
URL = "/api/v1/me/reports"


@pytest.fixture
def palu(fapp, engine, accounts):
    """Two responders near Palu, both notified for a flood there, with field accounts."""
    a = responder(fapp, "tagana", "Agus", -0.90, 119.87)
    b = responder(fapp, "tksk", "Siti", -0.90, 119.88)
    iid = incident(fapp)
    client = fapp.test_client()
    heads = {}
    for rid in (a, b):
        name, pw, _ = accounts("field", responder_id=rid)
        heads[rid] = token(client, name, pw)
    return {"client": client, "incident": iid, "a": a, "b": b, "ha": heads[a], "hb": heads[b],
            "da": dispatch_of(engine, iid, a), "db": dispatch_of(engine, iid, b)}


def report(assignment, **extra):
    body = {"assignment_id": assignment, "client_id": str(uuid.uuid4()),
            "text": "Air setinggi lutut di Kelurahan Lere; 12 rumah rusak.",
            "counts": {"affected": 120, "injured": 3, "dead": 0, "displaced": 40,
                       "houses_damaged": 12},
            "needs": ["shelter", "water"], "position": {"lat": -0.8987, "lon": 119.8707}}
    body.update(extra)
    return body


def send(client, headers, body, photo=None, raw_report=None):
    data = {"report": raw_report if raw_report is not None else json.dumps(body)}
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), "foto.jpg", "image/jpeg")
    return client.post(URL, headers=headers, data=data, content_type="multipart/form-data")


def fetch(client, url, headers=None):
    """GET, read and close (a photo is streamed from its file: close it, or it leaks)."""
    with client.get(url, headers=headers) as res:
        return SimpleNamespace(status_code=res.status_code, data=res.get_data(),
                               mimetype=res.mimetype)


def files(app) -> list[Path]:
    root = Path(app.config["REPORT_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_report_with_a_photo_is_stored_once(fapp, engine, palu):
    c, body = palu["client"], report(palu["da"])
    first = send(c, palu["ha"], body, jpeg())
    assert first.status_code == 201, first.json
    rid = first.json["id"]
    assert first.json["counts"]["houses_damaged"] == 12 and first.json["needs"] == ["shelter",
                                                                                    "water"]
    assert first.json["area"] == "72.71" and first.json["incident_id"] == palu["incident"]
    assert first.json["position"] == {"lat": pytest.approx(-0.8987), "lon": pytest.approx(119.8707)}
    again = send(c, palu["ha"], {**body, "text": "changed"}, jpeg())
    assert again.status_code == 200 and again.json["id"] == rid and again.json["text"] == \
        body["text"]
    assert q(engine, "SELECT count(*) FROM field_reports")[0][0] == 1
    assert len(files(fapp)) == 2, "one photo and one thumbnail, not two of each"
    events = q(engine, "SELECT regions, responder_ids, payload FROM event_log "
                       "WHERE type = 'report.created' AND (payload->>'id')::bigint = :r", r=rid)
    (regions, responders, payload), = events
    assert {"72", "72.71"} <= set(regions) and responders == [palu["a"]]
    assert payload["photo"]["thumbnail_url"] == f"/api/v1/reports/{rid}/thumbnail"
    assert "photo_path" not in json.dumps(payload)
    photo = fetch(c, f"/api/v1/reports/{rid}/photo", headers=palu["ha"])
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert not has_gps(photo.data) and b"KameraUji" not in photo.data  # nothing identifying
    thumb = Image.open(io.BytesIO(fetch(c, f"/api/v1/reports/{rid}/thumbnail",
                                        headers=palu["ha"]).data))
    assert thumb.format == "JPEG" and max(thumb.size) == 320
    activity = q(engine, "SELECT last_activity_at FROM incidents WHERE id = :i",
                 i=palu["incident"])[0][0]
    assert activity == fapp.config["CLOCK"]()


def test_a_shared_photo_location_is_kept_and_text_only_reports_work(fapp, palu):
    c = palu["client"]
    kept = send(c, palu["ha"], report(palu["da"], share_photo_location=True), jpeg())
    assert kept.status_code == 201 and kept.json["photo"]["location_kept"] is True
    assert has_gps(fetch(c, kept.json["photo"]["url"], headers=palu["ha"]).data)
    plain = send(c, palu["ha"], {"assignment_id": palu["da"], "client_id": "abc12345",
                                 "text": "Aman."})
    assert plain.status_code == 201 and plain.json["photo"] is None
    assert plain.json["counts"] == dict.fromkeys(
        ("affected", "injured", "dead", "displaced", "houses_damaged"))
    assert c.get(f"/api/v1/reports/{plain.json['id']}/photo",
                 headers=palu["ha"]).status_code == 404


@pytest.mark.parametrize(("body", "fields"), [
    ({"counts": {"affected": -1, "dead": 1.5, "injured": True, "cats": 2}},
     {"counts.affected", "counts.dead", "counts.injured", "counts.cats"}),
    ({"needs": ["water", "unicorns"]}, {"needs"}),
    ({"position": {"lat": 91, "lon": 10}}, {"position"}),
    ({"position": {"lat": "x"}}, {"position.lat", "position.lon"}),
    ({"text": 5, "client_id": "x"}, {"text", "client_id"}),
    ({"text": "x" * 4001}, {"text"}),
    ({"at": "2999-01-01T00:00:00+07:00"}, {"at"}),
    ({"at": "2026-01-01T00:00:00"}, {"at"}),
    ({"assignment_id": "1"}, {"assignment_id"}),
    ({"share_photo_location": "yes", "extra": 1}, {"share_photo_location", "extra"}),
])
def test_bad_reports_name_their_fields_and_write_nothing(fapp, engine, palu, body, fields):
    res = send(palu["client"], palu["ha"], report(palu["da"], **body), jpeg())
    assert res.status_code == 400, res.json
    assert set(res.json["fields"]) == fields
    assert q(engine, "SELECT count(*) FROM field_reports")[0][0] == 0
    assert files(fapp) == []


def test_bad_parts_and_photos_and_other_peoples_assignments(fapp, engine, palu, database_url,
                                                           clock, tmp_path):
    c, ha = palu["client"], palu["ha"]
    res = c.post(URL, headers=ha, json=report(palu["da"]))
    assert res.status_code == 415 and set(res.json["fields"]) == {"report"}
    res = c.post(URL, headers=ha, data={"photo": (io.BytesIO(jpeg()), "f.jpg")},
                 content_type="multipart/form-data")
    assert res.status_code == 400 and set(res.json["fields"]) == {"report"}
    res = send(c, ha, None, raw_report="{not json")
    assert res.status_code == 400 and res.json["fields"] == {"report": "malformed JSON"}
    res = send(c, ha, report(palu["db"]), jpeg())  # Siti's assignment, sent by Agus
    assert res.status_code == 400
    assert res.json["fields"] == {"assignment_id": "not one of your assignments"}
    res = send(c, ha, report(palu["da"]), b"%PDF-1.7\n" + b"0" * 5000)
    assert res.status_code == 415 and set(res.json["fields"]) == {"photo"}
    res = send(c, ha, report(palu["da"]), jpeg()[:2000])  # truncated on the way
    assert res.status_code == 415 and set(res.json["fields"]) == {"photo"}
    small = make_app(database_url, CLOCK=clock, REPORT_DIR=str(tmp_path / "small"),
                     REPORT_PHOTO_MAX_BYTES=65536).test_client()
    big = jpeg((500, 400), noise=True)
    assert len(big) > 65536
    res = send(small, ha, report(palu["da"]), big)
    assert res.status_code == 413 and set(res.json["fields"]) == {"photo"}
    # refused by its length, before it is read (raw bytes: the test client would spool a
    # large multipart body to a temporary file it never closes)
    huge = small.post(URL, headers=ha, data=b"-" * (65536 + 300 * 1024),
                      content_type="multipart/form-data; boundary=zz")
    assert huge.status_code == 413 and set(huge.json["fields"]) == {"photo"}
    assert q(engine, "SELECT count(*) FROM field_reports")[0][0] == 0
    assert files(fapp) == [] and not list((tmp_path / "small").rglob("*.*"))


def test_photos_and_reports_only_for_those_in_scope(fapp, palu, accounts):
    c = palu["client"]
    rid = send(c, palu["ha"], report(palu["da"]), jpeg()).json["id"]
    send(c, palu["hb"], report(palu["db"], counts={"affected": 30, "displaced": 5},
                               needs=["water", "food"]))
    later = report(palu["da"], counts={"affected": 150, "houses_damaged": 20}, needs=["water"],
                   at=(fapp.config["CLOCK"]() + timedelta(seconds=30)).isoformat())
    assert send(c, palu["ha"], later).status_code == 201  # Agus updates his assessment
    heads = {}
    for role, region in (("operator", None), ("wall", None), ("regional", "72"),
                         ("regional", "72.71"), ("regional", "73"), ("admin", None)):
        name, pw, _ = accounts(role, region)
        if role != "wall":
            heads[(role, region)] = token(c, name, pw)
    photo = f"/api/v1/reports/{rid}/photo"
    for who, expected in (((("operator", None)), 200), (("regional", "72"), 200),
                          (("regional", "72.71"), 200), (("regional", "73"), 404),
                          (("admin", None), 200)):
        assert fetch(c, photo, headers=heads[who]).status_code == expected, who
        assert fetch(c, photo.replace("photo", "thumbnail"),
                     headers=heads[who]).status_code == expected, who
    assert fetch(c, photo, headers=palu["hb"]).status_code == 404  # another worker's
    assert fetch(c, photo).status_code == 401
    listing = f"/api/v1/incidents/{palu['incident']}/reports"
    assert c.get(listing, headers=heads[("regional", "73")]).status_code == 404
    assert c.get(listing, headers=palu["ha"]).status_code == 403
    body = c.get(listing, headers=heads[("regional", "72")]).json
    assert len(body["reports"]) == 3 and body["reports"][0]["counts"]["affected"] == 150
    (area,) = body["areas"]
    assert area["code"] == "72.71" and area["reports"] == 3 and area["responders"] == 2
    # Agus's latest (150, 20 houses) plus Siti's (30): his first report is replaced
    assert area["counts"] == {"affected": 180, "injured": None, "dead": None, "displaced": 5,
                              "houses_damaged": 20}
    assert area["needs"] == {"water": 2, "food": 1}
    assert c.get(listing + "?limit=0", headers=heads[("operator", None)]).status_code == 400


def test_the_on_off_duty_switch(fapp, engine, palu, accounts):
    c, ha = palu["client"], palu["ha"]
    me = c.get("/api/v1/me", headers=ha).json
    assert me["id"] == palu["a"] and me["availability"] == "on_duty"
    assert me["base"] == {"lat": pytest.approx(-0.90), "lon": pytest.approx(119.87)}
    res = c.patch("/api/v1/me", headers=ha, json={"availability": "busy"})
    assert res.status_code == 400 and set(res.json["fields"]) == {"availability"}
    assert c.post(f"/api/v1/me/assignments/{palu['da']}/ack", headers=ha).status_code == 200
    busy = c.patch("/api/v1/me", headers=ha, json={"availability": "off_duty"})
    assert busy.status_code == 409 and busy.json["fields"] == {"availability": "busy"}
    assert q(engine, "SELECT availability FROM responders WHERE id = :r",
             r=palu["a"])[0][0] == "busy"
    hb = palu["hb"]
    off = c.patch("/api/v1/me", headers=hb, json={"availability": "off_duty"})
    assert off.status_code == 200 and off.json["availability"] == "off_duty"
    # dispatch honours it: a new incident does not ask Siti
    second = incident(fapp, title="Banjir kedua")
    asked = {r for (r,) in q(engine, "SELECT responder_id FROM dispatches WHERE incident_id = :i",
                             i=second)}
    assert palu["b"] not in asked
    on = c.patch("/api/v1/me", headers=hb, json={"availability": "on_duty"})
    assert on.status_code == 200 and on.json["availability"] == "on_duty"
    name, pw, _ = accounts("operator")
    assert c.patch("/api/v1/me", headers=token(c, name, pw),
                   json={"availability": "on_duty"}).status_code == 403


def test_the_tablet_gets_its_regency_for_the_offline_map(fapp, palu):
    body = palu["client"].get("/api/v1/me/region", headers=palu["ha"]).json
    assert body["regency"] == {"code": "72.71", "name": "Kota Palu", "level": "regency"}
    codes = [f["id"] for f in body["features"]]
    assert codes[0] == "72.71" and len(codes) > 1
    assert all(c.startswith("72.71.") for c in codes[1:])
    assert body["features"][0]["geometry"]["type"] == "MultiPolygon"
