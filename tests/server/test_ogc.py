"""OGC API - Features through OWSLib (a client nobody here wrote) against the real server:
landing page, conformance, collections, paging, filters, scoping and privacy; every response
validated against the OGC schemas' required members (tests/fixtures/ogcapi-features-1.json)."""

import json
from pathlib import Path

import jsonschema_rs
import pytest
import requests
from owslib.ogcapi.features import Features

from tests.server.complaints_support import BANDUNG
from tests.server.open_data_support import REPORTER
from tests.server.open_data_support import SECRET_NEEDLES
from tests.server.open_data_support import rows
from tests.server.open_data_support import seeded_fixture  # noqa: F401
from tests.server.open_data_support import tokens_fixture  # noqa: F401

SCHEMAS = json.loads((Path(__file__).parents[1] / "fixtures" / "ogcapi-features-1.json")
                     .read_text())
CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"


def check(instance, name: str) -> None:
    """Validate against one OGC schema (jsonschema-rs: national boundaries are big)."""
    schema = {**SCHEMAS, "$ref": f"#/$defs/{name}"}
    jsonschema_rs.validator_for(schema, validate_formats=True).validate(instance)


def ogc(live, headers) -> Features:
    return Features(f"{live.url}/ogc/", headers=headers, timeout=60)


def get(live, path, headers=None, **params):
    return requests.get(f"{live.url}{path}", headers=headers or {}, params=params, timeout=60)


def test_owslib_reads_collections_and_pages_items(live, seeded, tokens):
    api = ogc(live, tokens["operator"])
    check(api.response, "landingPage")
    rels = {link["rel"]: link for link in api.links}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert rels["service-desc"]["href"].endswith("/api/v1/openapi.json")
    conformance = api.conformance()
    check(conformance, "confClasses")
    assert CORE in conformance["conformsTo"]
    collections = api.collections()
    check(collections, "collections")
    ids = set(api.feature_collections())
    assert ids == {"provinces", "regencies", "districts", "quakes", "quake-contours",
                   "quake-areas", "incidents", "complaints", "responders", "dispatches"}
    check(api.collection("regencies"), "collection")

    seen, offset, matched = set(), 0, None
    while True:  # page through every regency, 100 at a time
        page = api.collection_items("regencies", limit=100, offset=offset)
        check(page, "featureCollectionGeoJSON")
        matched = page["numberMatched"]
        assert page["numberReturned"] == len(page["features"])
        seen |= {f["id"] for f in page["features"]}
        nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
        if not nxt:
            break
        assert f"offset={offset + 100}" in nxt[0]
        offset += 100
    assert matched == 514 and len(seen) == 514
    item = api.collection_item("regencies", "72.71")
    check(item, "featureGeoJSON")
    assert item["properties"]["name"] and item["geometry"]["type"] == "MultiPolygon"
    for cid in ids:  # every collection answers valid items
        check(api.collection_items(cid, limit=5), "featureCollectionGeoJSON")


def test_a_regional_token_sees_only_its_area_and_counts_agree(live, seeded, tokens, engine):
    palu = ogc(live, tokens["palu"])
    assert "responders" not in set(palu.feature_collections())
    complaints = palu.collection_items("complaints")
    assert complaints["numberMatched"] == 2 == complaints["numberReturned"]
    assert {f["properties"]["province_code"] for f in complaints["features"]} == {"72"}
    regencies = palu.collection_items("regencies", limit=1)
    (expected,) = rows(engine, "SELECT count(*) FROM areas WHERE depth = 2 AND code LIKE '72.%'")[0]
    assert regencies["numberMatched"] == expected and regencies["numberReturned"] == 1
    assert palu.collection_items("provinces")["numberMatched"] == 1
    assert get(live, "/ogc/collections/regencies/items/32.73", tokens["palu"]).status_code == 404
    far = palu.collection_items("complaints", bbox=[BANDUNG[1] - 0.1, BANDUNG[0] - 0.1,
                                                    BANDUNG[1] + 0.1, BANDUNG[0] + 0.1])
    assert far["numberMatched"] == 0
    assert palu.collection_items("dispatches")["numberMatched"] == len(
        rows(engine, "SELECT 1 FROM dispatches WHERE area_code LIKE '72.%'"))

    ntt = ogc(live, tokens["ntt"])
    quakes = ntt.collection_items("quakes", limit=1000)
    assert seeded.flores_id in {f["id"] for f in quakes["features"]}
    (in_scope,) = rows(engine, "SELECT count(DISTINCT quake_id) FROM quake_areas "
                               "WHERE code = '53' OR code LIKE '53.%'")[0]
    assert quakes["numberMatched"] == in_scope
    areas = ntt.collection_items("quake-areas", quake_id=str(seeded.flores_id), limit=10000)
    (n,) = rows(engine, "SELECT count(*) FROM quake_areas WHERE quake_id = :q AND "
                        "(code = '53' OR code LIKE '53.%')", q=seeded.flores_id)[0]
    assert areas["numberMatched"] == n == areas["numberReturned"] > 0
    assert all(f["properties"]["code"].startswith("53") for f in areas["features"])
    assert ntt.collection_items("complaints")["numberMatched"] == 0
    op = get(live, "/ogc/collections/quake-areas/items", tokens["operator"],
             quake_id=seeded.flores_id).json()
    assert op["numberMatched"] > n  # the national view holds more than NTT's


def test_complaints_never_carry_reporter_or_a_whistleblowers_point(live, seeded, tokens, engine):
    res = get(live, "/ogc/collections/complaints/items", tokens["operator"])
    assert res.headers["Content-Type"].startswith("application/geo+json")
    for needle in (*SECRET_NEEDLES, REPORTER["name"], REPORTER["nik"], "5555",
                   "Kampung Rahasia", '"reporter"'):
        assert needle not in res.text
    whistle = next(f for f in res.json()["features"]
                   if f["id"] == seeded.complaint_ids["whistle"])
    (lon, lat), = rows(engine, "SELECT ST_X(point), ST_Y(point) FROM areas WHERE code = "
                               "'72.71.01'")
    assert whistle["geometry"]["coordinates"] == [round(lon, 6), round(lat, 6)]
    assert whistle["properties"]["protected"] is True
    one = get(live, f"/ogc/collections/complaints/items/{seeded.complaint_ids['whistle']}",
              tokens["operator"])
    assert one.status_code == 200 and not any(s in one.text for s in SECRET_NEEDLES)


def test_who_may_read_what(live, seeded, tokens):
    assert get(live, "/ogc/").status_code == 200  # landing page and conformance are public
    assert get(live, "/ogc/conformance").status_code == 200
    assert get(live, "/ogc/collections").status_code == 401
    assert get(live, "/ogc/collections/quakes/items").status_code == 401
    assert get(live, "/ogc/collections", tokens["field"]).status_code == 403
    assert get(live, "/ogc/collections/responders", tokens["palu"]).status_code == 404
    assert get(live, "/ogc/collections/responders/items", tokens["palu"]).status_code == 404
    res = get(live, "/ogc/collections/responders/items", tokens["admin"])
    assert res.status_code == 200 and res.json()["numberMatched"] == 3
    assert "phone" not in res.json()["features"][0]["properties"]
    assert get(live, "/ogc/collections/nothing", tokens["operator"]).status_code == 404


@pytest.mark.parametrize(("params", "expected"), [
    ({"datetime": "2021-12-14"}, "day"),
    ({"datetime": "2021-12-14T03:00:00Z/2021-12-14T04:00:00Z"}, "hour"),
    ({"datetime": "../2021-12-14T04:00:00Z"}, "until"),
    ({"datetime": "2021-12-14T04:00:00Z/.."}, "after"),
    ({"tsunami": "true"}, "tsunami"),
])
def test_datetime_and_property_filters(live, seeded, tokens, engine, params, expected):
    where = {
        "day": "origin_time >= '2021-12-14' AND origin_time < '2021-12-15'",
        "hour": "origin_time BETWEEN '2021-12-14 03:00Z' AND '2021-12-14 04:00Z'",
        "until": "origin_time <= '2021-12-14 04:00Z'",
        "after": "origin_time >= '2021-12-14 04:00Z'",
        "tsunami": "tsunami",
    }[expected]
    (n,) = rows(engine, f"SELECT count(*) FROM quakes WHERE {where}")[0]
    body = get(live, "/ogc/collections/quakes/items", tokens["operator"], **params).json()
    assert body["numberMatched"] == n


def test_bad_parameters_answer_400_and_paging_links(live, seeded, tokens):
    op = tokens["operator"]
    for params in ({"limit": "0"}, {"limit": "10001"}, {"offset": "-1"}, {"bbox": "1,2,3"},
                   {"datetime": "yesterday"}, {"colour": "red"}, {"crs": "EPSG:3857"},
                   {"tsunami": "maybe"}, {"f": "xml"}):
        res = get(live, "/ogc/collections/quakes/items", op, **params)
        assert res.status_code == 400, (params, res.text)
        assert "fields" in res.json()
    first = get(live, "/ogc/collections/quakes/items", op, limit=5).json()
    second = requests.get(next(link["href"] for link in first["links"] if link["rel"] == "next"),
                          headers=op, timeout=30).json()
    assert second["numberMatched"] == first["numberMatched"]
    assert not {f["id"] for f in first["features"]} & {f["id"] for f in second["features"]}
    prev = next(link["href"] for link in second["links"] if link["rel"] == "prev")
    assert "offset=0" in prev


def test_html_views_and_content_negotiation(live, seeded, tokens):
    op = tokens["operator"]
    for path in ("/ogc/", "/ogc/conformance", "/ogc/collections", "/ogc/collections/quakes",
                 "/ogc/collections/quakes/items", f"/ogc/collections/quakes/items/"
                 f"{seeded.flores_id}"):
        res = get(live, path, {**op, "Accept": "text/html"})
        assert res.status_code == 200 and res.headers["Content-Type"].startswith("text/html")
        assert "<script" not in res.text and "style=" not in res.text  # the CSP forbids both
        assert get(live, path, op, f="json").headers["Content-Type"].split(";")[0] in (
            "application/json", "application/geo+json")
    page = get(live, "/ogc/collections/quakes/items", op, f="html")
    assert "M" in page.text and str(seeded.flores_id) in page.text
