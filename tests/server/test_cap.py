"""CAP 1.2 messages for quakes and incidents, valid against the OASIS schema
(tests/fixtures/cap-1.2.xsd), scoped; and the Atom feed of current alerts."""

import re
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import requests
import sqlalchemy as sa
import xmlschema
from shapely.geometry import Point

from geo import cap
from tests.server.open_data_support import rows
from tests.server.open_data_support import seeded_fixture  # noqa: F401
from tests.server.open_data_support import tokens_fixture  # noqa: F401

XSD = xmlschema.XMLSchema(Path(__file__).parents[1] / "fixtures" / "cap-1.2.xsd")
NS = {"cap": cap.CAP_NS, "atom": "http://www.w3.org/2005/Atom"}
CAP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")


def get(live, path, headers=None, **params):
    return requests.get(f"{live.url}{path}", headers=headers or {}, params=params, timeout=60)


def parse_cap(res) -> ET.Element:
    assert res.status_code == 200, res.text
    assert res.headers["Content-Type"].startswith("application/cap+xml")
    XSD.validate(res.content)  # raises with the reason when invalid
    return ET.fromstring(res.content)


def text(el, path):
    return el.findtext(path, namespaces=NS)


def check_polygons(root) -> int:
    n = 0
    for poly in root.iterfind(".//cap:polygon", NS):
        pairs = poly.text.split(" ")
        assert 4 <= len(pairs) <= cap.MAX_VERTICES + 1 and pairs[0] == pairs[-1]
        for pair in pairs:
            lat, lon = (float(v) for v in pair.split(","))
            assert -12 < lat < 7 and 94 < lon < 142  # lat,lon order, inside Indonesia
        n += 1
    return n


def test_quake_cap_is_valid_bilingual_and_revised(live, seeded, tokens, engine):
    root = parse_cap(get(live, f"/api/v1/quakes/{seeded.flores_id}/cap", tokens["operator"]))
    assert CAP_TIME.match(text(root, "cap:sent"))
    assert text(root, "cap:status") == "Actual" and text(root, "cap:scope") == "Restricted"
    assert text(root, "cap:identifier").endswith(f".quake.{seeded.flores_id}.r2")
    # The Flores quake was revised (M7.5 -> M7.4): an Update referring to revision 1.
    assert text(root, "cap:msgType") == "Update"
    reference = text(root, "cap:references").split(" ")
    assert len(reference) == 1 and reference[0].split(",")[1].endswith(".r1")
    infos = root.findall("cap:info", NS)
    assert [text(i, "cap:language") for i in infos] == ["id-ID", "en-US"]
    for info in infos:
        assert text(info, "cap:category") == "Geo"
        assert (text(info, "cap:severity"), text(info, "cap:urgency"),
                text(info, "cap:certainty")) == ("Extreme", "Immediate", "Observed")
        assert "7.4" in text(info, "cap:headline")
    assert "Gempa bumi" in text(infos[0], "cap:description")
    codes = [g.findtext("cap:value", namespaces=NS) for g in infos[0].iterfind(
        ".//cap:geocode", NS) if g.findtext("cap:valueName", namespaces=NS) == "KEMENDAGRI"]
    expected = [c for (c,) in rows(engine, "SELECT code FROM quake_areas WHERE quake_id = :q "
                                           "AND level = 'regency'", q=seeded.flores_id)]
    assert sorted(codes) == sorted(expected) and codes
    assert check_polygons(infos[0]) >= len(codes)
    assert infos[0].find(".//cap:circle", NS) is not None


def test_quake_cap_is_scoped(live, seeded, tokens):
    root = parse_cap(get(live, f"/api/v1/quakes/{seeded.flores_id}/cap", tokens["ntt"]))
    assert text(root, "cap:identifier").endswith(".r2.53")  # its own message, its own id
    codes = {g.text for g in root.iterfind(".//cap:geocode/cap:value", NS)}
    assert codes and all(c.startswith("53.") for c in codes)
    far = get(live, f"/api/v1/quakes/{seeded.flores_id}/cap", tokens["bandung"])
    assert far.status_code == 404
    assert get(live, f"/api/v1/quakes/{seeded.flores_id}/cap").status_code == 401
    assert get(live, f"/api/v1/quakes/{seeded.flores_id}/cap",
               tokens["field"]).status_code == 403
    assert get(live, "/api/v1/quakes/999999999/cap", tokens["operator"]).status_code == 404


def test_incident_cap_alert_then_update_when_closed(live, seeded, tokens, engine):
    path = f"/api/v1/incidents/{seeded.incident_id}/cap"
    root = parse_cap(get(live, path, tokens["operator"]))
    assert text(root, "cap:msgType") == "Alert" and text(root, "cap:references") is None
    info = root.find("cap:info", NS)
    assert (text(info, "cap:category"), text(info, "cap:severity"),
            text(info, "cap:urgency")) == ("Met", "Severe", "Immediate")
    assert "72.71" in {g.text for g in root.iterfind(".//cap:geocode/cap:value", NS)}
    assert check_polygons(root) >= 2  # the drawn polygon and Kota Palu
    assert parse_cap(get(live, path, tokens["palu"])) is not None
    assert get(live, path, tokens["ntt"]).status_code == 404
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE incidents SET status = 'closed', closed_at = now() "
                             "WHERE id = :i"), {"i": seeded.incident_id})
    try:
        closed = parse_cap(get(live, path, tokens["operator"]))
        assert text(closed, "cap:msgType") == "Update"
        assert text(closed, "cap:identifier") == text(root, "cap:identifier") + ".closed"
        assert text(closed, "cap:references").split(",")[1] == text(root, "cap:identifier")
        assert text(closed.find("cap:info", NS), "cap:urgency") == "Past"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE incidents SET status = 'active', closed_at = NULL "
                                 "WHERE id = :i"), {"i": seeded.incident_id})


@pytest.fixture
def recent_quake(engine, seeded):
    with engine.begin() as conn:
        qid = conn.execute(sa.text(
            "INSERT INTO quakes (origin_time, lat, lon, depth_km, magnitude, region_text, "
            "sources, felt, wzarea, revision, max_mmi, geom) VALUES (now() - interval '1 hour', "
            "-0.9, 119.9, 10, 5.1, '12 km TimurLaut PALU', ARRAY['test'], '[]', '[]', 1, 5.2, "
            "ST_SetSRID(ST_MakePoint(119.9, -0.9), 4326)) RETURNING id")).scalar()
        conn.execute(sa.text("INSERT INTO quake_areas (quake_id, code, level, name, "
                             "distance_km, predicted_mmi, mmi) VALUES (:q, '72.71', 'regency',"
                             " 'Kota Palu', 1, 5.2, 5.2)"), {"q": qid})
    yield qid
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM quakes WHERE id = :q"), {"q": qid})


def test_atom_feed_of_current_alerts(live, seeded, tokens, recent_quake):
    res = get(live, "/api/v1/alerts.atom", tokens["operator"])
    assert res.status_code == 200
    assert res.headers["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(res.content)
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    for required in ("atom:id", "atom:title", "atom:updated", "atom:author/atom:name"):
        assert text(feed, required), required  # RFC 4287 4.1.1
    entries = feed.findall("atom:entry", NS)
    links = []
    for entry in entries:
        for required in ("atom:id", "atom:title", "atom:updated"):
            assert text(entry, required), required
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", text(entry, "atom:updated"))
        (link,) = entry.findall("atom:link[@rel='alternate']", NS)
        assert link.get("type") == "application/cap+xml"
        links.append(link.get("href"))
    assert any(h.endswith(f"/quakes/{recent_quake}/cap") for h in links)
    assert any(h.endswith(f"/incidents/{seeded.incident_id}/cap") for h in links)
    assert not any(h.endswith(f"/quakes/{seeded.flores_id}/cap") for h in links)  # 2021
    for href in links:
        parse_cap(requests.get(href, headers=tokens["operator"], timeout=30))

    def hrefs(token) -> set:
        feed = ET.fromstring(get(live, "/api/v1/alerts.atom", token).content)
        return {link.get("href").split("/api/v1/")[1]
                for link in feed.iterfind("atom:entry/atom:link", NS)}

    ntt = hrefs(tokens["ntt"])  # the Flores quake's incident, not Palu's alerts
    assert ntt and not ntt & {f"quakes/{recent_quake}/cap",
                              f"incidents/{seeded.incident_id}/cap"}
    palu = hrefs(tokens["palu"])
    assert {f"quakes/{recent_quake}/cap", f"incidents/{seeded.incident_id}/cap"} <= palu
    assert hrefs(tokens["bandung"]) == set()
    assert get(live, "/api/v1/alerts.atom", tokens["operator"], days="0").status_code == 400
    assert get(live, "/api/v1/alerts.atom").status_code == 401


def test_polygons_are_closed_simplified_lat_lon_rings():
    ring = Point(120.0, -1.0).buffer(0.5, 400)  # 1,600 vertices
    (text_,) = cap.polygons_from_wkb(ring.wkb)
    pairs = text_.split(" ")
    assert len(pairs) <= cap.MAX_VERTICES and pairs[0] == pairs[-1]
    lat, lon = (float(v) for v in pairs[0].split(","))
    assert -1.6 < lat < -0.4 and 119.4 < lon < 120.6
    assert cap.cap_time(__import__("datetime").datetime(2021, 12, 14, 3, 20, 23, 5,
                        tzinfo=__import__("datetime").UTC)) == "2021-12-14T10:20:23+07:00"
    assert [cap.quake_severity(m) for m in (8.2, 7.0, 6.5, 4.0, None)] == [
        "Extreme", "Severe", "Moderate", "Minor", "Unknown"]
