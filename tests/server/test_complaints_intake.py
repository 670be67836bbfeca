"""Complaint intake through the app: placement, idempotency, bad input, batches, limits."""

import json
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from tests.conftest import make_app
from tests.server.complaints_support import *  # noqa: F403 - the fixtures
from tests.server.complaints_support import BANDUNG
from tests.server.complaints_support import LEMBANG
from tests.server.complaints_support import PALU
from tests.server.complaints_support import complaint
from tests.server.complaints_support import rows

pytestmark = pytest.mark.usefixtures("clean_complaints")


def last_seq(engine):
    return rows(engine, "SELECT coalesce(max(seq), 0) FROM event_log")[0][0]


def test_a_point_is_placed_and_logged(client, channel_key, engine):
    key = channel_key("jaga_bansos")
    before = last_seq(engine)
    body = complaint(
        PALU, reporter={"name": "Siti", "phone": "0812-1111-2222", "nik": "7271010101900001"}
    )
    res = client.post("/api/v1/complaints", json=body, headers=key)
    assert res.status_code == 201, res.json
    assert set(res.json) == {"id", "status", "area", "possible_duplicate_of"}
    assert res.json["status"] == "baru" and res.json["possible_duplicate_of"] is None
    assert res.json["area"] == {
        "province": {"code": "72", "name": "Sulawesi Tengah"},
        "regency": {"code": "72.71", "name": "Kota Palu"},
        "district": {"code": "72.71.01", "name": "Palu Timur"},
    }
    cid = res.json["id"]
    (row,) = rows(
        engine,
        "SELECT channel, status, district_code, placement, geom_precise, verify_due > received_at, "
        "reporter->>'name', reporter_nik_hash IS NOT NULL, sealed IS NULL FROM complaints "
        "WHERE id = :id",
        id=cid,
    )
    assert row == ("jaga_bansos", "baru", "72.71.01", "point", True, True, "Siti", True, True)
    timeline = rows(
        engine,
        "SELECT action, to_status, actor FROM complaint_timeline WHERE complaint_id = :id",
        id=cid,
    )
    assert [(a, s) for a, s, _ in timeline] == [("created", "baru")]
    assert timeline[0][2].endswith(":jaga_bansos")
    events = rows(engine, "SELECT type, regions, payload FROM event_log WHERE seq > :s", s=before)
    assert [(t, r) for t, r, _ in events] == [("complaint.created", ["72", "72.71", "72.71.01"])]
    payload = events[0][2]
    assert payload["id"] == cid and payload["area"]["district"] == "72.71.01"
    assert "Siti" not in json.dumps(payload) and "reporter" not in payload
    audit = rows(
        engine,
        "SELECT action, actor, after FROM audit_log WHERE object_type = "
        "'complaint' AND object_id = :id",
        id=str(cid),
    )
    assert audit[0][0] == "complaint.create" and "Siti" not in json.dumps(audit[0][2])


def test_redelivery_is_idempotent_and_other_content_is_409(client, channel_key, engine):
    key = channel_key("sp4n_lapor")
    body = complaint(PALU)
    first = client.post("/api/v1/complaints", json=body, headers=key)
    assert first.status_code == 201
    before = (last_seq(engine), rows(engine, "SELECT count(*) FROM complaints")[0][0])
    # the same content, even with the time written in another zone: 200, nothing changes
    same = dict(
        body,
        received_at=datetime.fromisoformat(body["received_at"])
        .astimezone(UTC)
        .strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    )
    again = client.post("/api/v1/complaints", json=same, headers=key)
    assert again.status_code == 200 and again.json == first.json
    other = client.post("/api/v1/complaints", json=dict(body, description="lain"), headers=key)
    assert other.status_code == 409 and "external_id" in other.json["fields"]
    after = (last_seq(engine), rows(engine, "SELECT count(*) FROM complaints")[0][0])
    assert after == before
    # another channel may use the same external id: it is the channel's own id
    assert (
        client.post("/api/v1/complaints", json=body, headers=channel_key("ditjen")).status_code
        == 201
    )


def _future():
    return (datetime.now(UTC) + timedelta(hours=1)).isoformat()


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"location": {"lat": float("nan"), "lon": 119.8}}, {"location.lat"}),
        ({"location": {"lat": 95, "lon": 200}}, {"location.lat", "location.lon"}),
        ({"location": {"lat": "-0.9", "lon": 119.8}}, {"location.lat"}),
        ({"location": {"lat": -0.9}}, {"location.lon"}),
        ({"location": {"lat": 48.85, "lon": 2.35}}, {"location.lat", "location.lon"}),  # Paris
        ({"location": {}}, {"location"}),
        ({"location": "Palu"}, {"location"}),
        ({"category": "nope"}, {"category"}),
        ({"received_at": "kemarin"}, {"received_at"}),
        ({"received_at": "2026-01-01T10:00:00"}, {"received_at"}),  # no zone
        ({"received_at": _future()}, {"received_at"}),
        ({"description": "x" * 8001}, {"description"}),
        ({"description": 5}, {"description"}),
        ({"external_id": ""}, {"external_id"}),
        ({"reporter": {"nik": "12345"}}, {"reporter.nik"}),
        ({"reporter": {"nik": "72710101019000011"}}, {"reporter.nik"}),
        ({"reporter": {"phone": "abc"}}, {"reporter.phone"}),
        ({"reporter": "Siti"}, {"reporter"}),
        ({"identifying": ["reporter.name"]}, {"identifying"}),
        (
            {
                "category": None,
                "description": None,
                "external_id": None,
                "received_at": None,
                "location": {"lat": 1e9, "lon": float("inf"), "village": 7},
            },
            {
                "category",
                "description",
                "external_id",
                "received_at",
                "location.lat",
                "location.lon",
                "location.village",
            },
        ),
    ],
)
def test_bad_input_names_every_bad_field_and_stores_nothing(
    client, channel_key, engine, change, fields
):
    res = client.post("/api/v1/complaints", json=complaint(PALU, **change), headers=channel_key())
    assert res.status_code == 400, res.json
    assert set(res.json["fields"]) == fields and res.json["error"]
    assert rows(engine, "SELECT count(*) FROM complaints")[0][0] == 0


def test_malformed_bodies_and_size_limit(client, channel_key):
    key = channel_key()
    bad = client.post(
        "/api/v1/complaints", data="{nope", content_type="application/json", headers=key
    )
    assert bad.status_code == 400 and bad.json["fields"] == {"body": "malformed JSON"}
    array = client.post("/api/v1/complaints", json=[complaint()], headers=key)
    assert array.status_code == 400 and "body" in array.json["fields"]
    huge = complaint(description="x" * (1024 * 1024 + 10))
    res = client.post("/api/v1/complaints", json=huge, headers=key)
    assert res.status_code == 413 and res.is_json and "1 MiB" in res.json["error"]


def test_clock_skew_is_tolerated_but_not_more(client, channel_key):
    key = channel_key()
    soon = (datetime.now(UTC) + timedelta(minutes=2)).isoformat()
    assert (
        client.post("/api/v1/complaints", json=complaint(received_at=soon), headers=key).status_code
        == 201
    )


def test_the_channel_comes_from_the_key(client, channel_key, staff):
    key = channel_key("jaga_bansos")
    other = client.post("/api/v1/complaints", json=complaint(channel="ditjen"), headers=key)
    assert other.status_code == 403 and set(other.json["fields"]) == {"channel"}
    same = client.post("/api/v1/complaints", json=complaint(channel="jaga_bansos"), headers=key)
    assert same.status_code == 201
    assert client.post("/api/v1/complaints", json=complaint()).status_code == 401
    operator = client.post("/api/v1/complaints", json=complaint(), headers=staff("operator"))
    assert operator.status_code == 401  # a user token is not a channel key


def test_text_is_stored_exactly_as_given(client, channel_key, engine, staff):
    text = "<script>alert('x')</script> & \"kutip\" — ümlaut\n\tbaris"
    res = client.post("/api/v1/complaints", json=complaint(description=text), headers=channel_key())
    assert rows(engine, "SELECT description FROM complaints WHERE id = :i", i=res.json["id"]) == [
        (text,)
    ]
    got = client.get(f"/api/v1/complaints/{res.json['id']}", headers=staff("operator"))
    assert got.json["properties"]["description"] == text


def test_a_point_at_sea_near_the_coast_is_placed(client, channel_key):
    # 5 km off Palu's shore, in the bay: inside the 25 km coastal margin
    res = client.post("/api/v1/complaints", json=complaint((-0.80, 119.83)), headers=channel_key())
    assert res.status_code == 201 and res.json["area"]["regency"] is not None


@pytest.mark.parametrize(
    ("address", "district", "regency"),
    [
        (
            {"province": "Jawa Barat", "regency": "Kab. Bandung Barat", "district": "Lembang"},
            "32.17.01",
            "32.17",
        ),
        ({"regency": "Kabupaten  Bandung Barat"}, None, "32.17"),
        ({"regency": "Kota Bandung"}, None, "32.73"),
        ({"regency": "Bandung", "district": "Coblong"}, "32.73.02", "32.73"),
        (
            {
                "province": "Sulteng",
                "regency": "Palu",
                "district": "Kec. Palu Timur",
                "village": "Besusu Barat",
            },
            "72.71.01",
            "72.71",
        ),
    ],
)
def test_an_address_is_matched_with_its_confidence(
    client, channel_key, engine, address, district, regency
):
    res = client.post(
        "/api/v1/complaints", json=complaint(None, location=address), headers=channel_key()
    )
    assert res.status_code == 201, res.json
    area = res.json["area"]
    assert area["regency"]["code"] == regency
    assert (area["district"] or {}).get("code") == district
    (placement, confidence, method, geom) = rows(
        engine,
        "SELECT placement, match_confidence, match->>'method', geom IS NOT NULL "
        "FROM complaints WHERE id = :i",
        i=res.json["id"],
    )[0]
    assert placement == "address" and method == "address" and confidence >= 0.6 and geom


def test_an_address_that_cannot_be_placed_goes_to_the_unplaced_queue(
    client, channel_key, staff, engine
):
    res = client.post(
        "/api/v1/complaints",
        json=complaint(None, location={"regency": "Bandung", "address": "Jl. Merdeka 1"}),
        headers=channel_key(),
    )
    assert res.status_code == 201
    assert res.json["status"] == "baru"
    assert res.json["area"] == {"province": None, "regency": None, "district": None}
    cid = res.json["id"]
    operator, regional = staff("operator"), staff("regional", "32")
    queue = client.get("/api/v1/complaints/unplaced", headers=operator).json["features"]
    assert [f["id"] for f in queue] == [cid]
    assert queue[0]["geometry"] is None
    assert queue[0]["properties"]["match"]["candidates"] == ["32.04", "32.73"]
    assert queue[0]["properties"]["location"]["address"] == "Jl. Merdeka 1"
    assert client.get("/api/v1/complaints/unplaced", headers=regional).status_code == 403
    assert client.get(f"/api/v1/complaints/{cid}", headers=regional).status_code == 404
    assert cid not in [
        f["id"] for f in client.get("/api/v1/complaints", headers=regional).json["features"]
    ]
    # placing by hand: audited, on the timeline, then the region sees it
    before = last_seq(engine)
    placed = client.post(
        f"/api/v1/complaints/{cid}/place", json={"district": "32.73.02"}, headers=operator
    )
    assert placed.status_code == 200, placed.json
    props = placed.json["properties"]
    assert props["area"]["district"]["code"] == "32.73.02" and props["placement"] == "manual"
    assert placed.json["geometry"]["type"] == "Point"
    assert props["timeline"][-1]["action"] == "placed" and props["timeline"][-1][
        "actor"
    ].startswith("user:")
    assert client.get(f"/api/v1/complaints/{cid}", headers=regional).status_code == 200
    assert client.get("/api/v1/complaints/unplaced", headers=operator).json["features"] == []
    events = rows(engine, "SELECT type, regions FROM event_log WHERE seq > :s", s=before)
    assert events == [("complaint.updated", ["32", "32.73", "32.73.02"])]
    audit = rows(
        engine,
        "SELECT before->>'area', after->>'area' FROM audit_log WHERE "
        "action = 'complaint.place' AND object_id = :i",
        i=str(cid),
    )
    assert audit == [(None, "32.73.02")]
    bad = client.post(
        f"/api/v1/complaints/{cid}/place", json={"district": "99.99.99"}, headers=operator
    )
    assert bad.status_code == 400 and set(bad.json["fields"]) == {"district"}
    sea = client.post(
        f"/api/v1/complaints/{cid}/place", json={"lat": 0, "lon": 90}, headers=operator
    )
    assert sea.status_code == 400 and set(sea.json["fields"]) == {"lat", "lon"}


def test_batch_items_succeed_or_fail_alone_in_order(client, channel_key, engine):
    key = channel_key("ditjen")
    good = complaint(BANDUNG)
    items = [
        good,
        complaint(category="nope"),
        complaint(LEMBANG),
        good,
        dict(good, description="lain"),
        complaint(location={"lat": 48.85, "lon": 2.35}),
        "not an object",
    ]
    res = client.post("/api/v1/complaints/batch", json=items, headers=key)
    assert res.status_code == 200, res.json
    results = res.json["results"]
    assert [r["index"] for r in results] == list(range(7))
    assert [r["code"] for r in results] == [201, 400, 201, 200, 409, 400, 400]
    assert results[1]["fields"] == {"category": results[1]["fields"]["category"]}
    assert set(results[5]["fields"]) == {"location.lat", "location.lon"}
    assert results[3]["id"] == results[0]["id"]
    assert (res.json["created"], res.json["existing"], res.json["failed"]) == (2, 1, 4)
    assert rows(engine, "SELECT count(*) FROM complaints")[0][0] == 2
    assert rows(engine, "SELECT count(*) FROM complaint_timeline")[0][0] == 2
    # redelivering the whole batch creates nothing
    again = client.post("/api/v1/complaints/batch", json=items, headers=key).json
    assert [r["code"] for r in again["results"]] == [200, 400, 200, 200, 409, 400, 400]
    assert rows(engine, "SELECT count(*) FROM complaints")[0][0] == 2


def test_batch_as_ndjson_with_a_malformed_line(client, channel_key):
    lines = [json.dumps(complaint()), "{broken", "", json.dumps(complaint(BANDUNG))]
    res = client.post(
        "/api/v1/complaints/batch",
        data="\n".join(lines) + "\n",
        content_type="application/x-ndjson",
        headers=channel_key(),
    )
    assert [r["code"] for r in res.json["results"]] == [201, 400, 201]
    assert res.json["results"][1]["fields"] == {"body": "malformed JSON"}


def test_batch_limits(client, channel_key):
    key = channel_key()
    assert client.post("/api/v1/complaints/batch", json=[], headers=key).status_code == 400
    assert client.post("/api/v1/complaints/batch", json={"a": 1}, headers=key).status_code == 400
    many = client.post("/api/v1/complaints/batch", json=[{}] * 5001, headers=key)
    assert many.status_code == 400 and "5000" in many.json["fields"]["body"]
    other = client.post("/api/v1/complaints/batch", json=[complaint(channel="ditjen")], headers=key)
    assert other.json["results"][0]["code"] == 403


def test_intake_is_rate_limited_per_key(database_url, channel_key):
    app = make_app(database_url, INTAKE_RATE_LIMIT="3 per minute")
    client = app.test_client()
    a, b = channel_key("jaga_bansos"), channel_key("jaga_bansos")
    codes = [
        client.post("/api/v1/complaints", json=complaint(), headers=a).status_code for _ in range(4)
    ]
    assert codes == [201, 201, 201, 429]
    limited = client.post("/api/v1/complaints/batch", json=[complaint()], headers=a)
    assert limited.status_code == 429 and limited.is_json and "Retry-After" in limited.headers
    assert client.post("/api/v1/complaints", json=complaint(), headers=b).status_code == 201
