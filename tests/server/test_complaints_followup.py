"""Follow-up through the app: workflow, timeline, scope, list filters, duplicates."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from tests.server.complaints_support import *  # noqa: F403 - the fixtures
from tests.server.complaints_support import BANDUNG
from tests.server.complaints_support import LEMBANG
from tests.server.complaints_support import PALU
from tests.server.complaints_support import complaint
from tests.server.complaints_support import rows

pytestmark = pytest.mark.usefixtures("clean_complaints")
URL = "/api/v1/complaints"


def submit(client, key, **kw):
    point = kw.pop("point", PALU)
    res = client.post(URL, json=complaint(point, **kw), headers=key)
    assert res.status_code == 201, res.json
    return res.json


def patch(client, headers, cid, **body):
    return client.patch(f"{URL}/{cid}", json=body, headers=headers)


def test_the_workflow_runs_to_the_end_with_a_timeline_and_audit(
    client, channel_key, staff, engine, unit_id
):
    op = staff("operator")
    cid = submit(client, channel_key())["id"]
    palu_office = unit_id("Dinas Sosial Kota Palu")
    steps = [
        ({"status": "diverifikasi", "note": "data lengkap"}, "diverifikasi"),
        ({"status": "diteruskan", "assigned_to": palu_office}, "diteruskan"),
        ({"status": "ditindaklanjuti", "note": "petugas datang"}, "ditindaklanjuti"),
        ({"status": "selesai", "note": "bantuan cair"}, "selesai"),
    ]
    for body, status in steps:
        res = patch(client, op, cid, **body)
        assert res.status_code == 200, res.json
        assert res.json["properties"]["status"] == status
    props = res.json["properties"]
    timeline = props["timeline"]
    assert [(t["action"], t["from"], t["to"]) for t in timeline] == [
        ("created", None, "baru"),
        ("status", "baru", "diverifikasi"),
        ("status", "diverifikasi", "diteruskan"),
        ("status", "diteruskan", "ditindaklanjuti"),
        ("status", "ditindaklanjuti", "selesai"),
    ]
    assert timeline[1]["note"] == "data lengkap" and timeline[1]["actor"].startswith("user:")
    assert all(t["at"] for t in timeline)
    assert props["assigned_to"] == palu_office
    assert props["assigned_unit"] == {"id": palu_office, "name": "Dinas Sosial Kota Palu"}
    assert timeline[2]["details"] == {"assigned_to": palu_office,
                                      "unit": "Dinas Sosial Kota Palu"}
    assert props["verified_at"] and props["closed_at"] and props["follow_up_due"]
    audit = rows(
        engine,
        "SELECT action, before->>'status', after->>'status' FROM audit_log "
        "WHERE object_type = 'complaint' AND object_id = :i ORDER BY id",
        i=str(cid),
    )
    assert [a for a, _, _ in audit] == ["complaint.create"] + ["complaint.status"] * 4
    events = rows(
        engine,
        "SELECT payload->>'status' FROM event_log WHERE type = "
        "'complaint.updated' AND (payload->>'id')::bigint = :i ORDER BY seq",
        i=cid,
    )
    assert [e for (e,) in events] == ["diverifikasi", "diteruskan", "ditindaklanjuti", "selesai"]
    # closed: nothing follows
    again = patch(client, op, cid, status="diverifikasi")
    assert again.status_code == 409 and "status" in again.json["fields"]


def test_transition_rules(client, channel_key, staff):
    op = staff("operator")
    cid = submit(client, channel_key())["id"]
    skip = patch(client, op, cid, status="selesai")
    assert skip.status_code == 409 and "baru" in skip.json["fields"]["status"]
    no_reason = patch(client, op, cid, status="ditolak")
    assert no_reason.status_code == 400 and set(no_reason.json["fields"]) == {"reason"}
    blank = patch(client, op, cid, status="bukan_wewenang", reason="  ")
    assert blank.status_code == 400 and set(blank.json["fields"]) == {"reason"}
    assert patch(client, op, cid, status="diverifikasi").status_code == 200
    unassigned = patch(client, op, cid, status="diteruskan")
    assert unassigned.status_code == 400 and set(unassigned.json["fields"]) == {"assigned_to"}
    unknown = patch(client, op, cid, status="hilang")
    assert unknown.status_code == 400 and set(unknown.json["fields"]) == {"status"}
    assert patch(client, op, cid).status_code == 400  # nothing to change
    done = patch(client, op, cid, status="bukan_wewenang", reason="urusan pemda")
    assert done.status_code == 200 and done.json["properties"]["reason"] == "urusan pemda"
    assert patch(client, op, 999999999, status="diverifikasi").status_code == 404


def test_scope_per_role(client, channel_key, staff, wall_client):
    key = channel_key()
    palu = submit(client, key, reporter={"name": "Ibu Rahma", "phone": "081299990000"})["id"]
    bandung = submit(client, key, point=BANDUNG)["id"]
    reg72, field, wall = staff("regional", "72"), staff("field"), wall_client
    listed = client.get(URL, headers=reg72).json
    assert [f["id"] for f in listed["features"]] == [palu]
    assert client.get(f"{URL}/{bandung}", headers=reg72).status_code == 404
    assert patch(client, reg72, bandung, status="diverifikasi").status_code == 404
    assert patch(client, reg72, palu, status="diverifikasi").status_code == 200
    detail = client.get(f"{URL}/{palu}", headers=reg72).json["properties"]
    assert detail["reporter"] == {"name": "Ibu Rahma", "phone": "081299990000"}
    assert "reporter" not in listed["features"][0]["properties"]
    # the wall reads the national list and the summary, nothing else
    assert len(wall.get(URL).json["features"]) == 2
    assert wall.get(f"{URL}/summary").status_code == 200
    assert wall.get(f"{URL}/{palu}").status_code == 403
    assert wall.patch(f"{URL}/{palu}", json={"note": "x"}).status_code == 403
    for path in (URL, f"{URL}/summary", f"{URL}/{palu}", f"{URL}/unplaced"):
        assert client.get(path, headers=field).status_code == 403, path
    assert client.get(URL, headers=key).status_code == 403  # a channel key does not read
    assert client.get(URL).status_code == 401


def test_list_filters_and_paging(client, channel_key, staff):
    op = staff("operator")
    now = datetime.now(UTC)
    a = submit(
        client,
        channel_key("jaga_bansos"),
        category="BLT",
        description="Kartu KKS 100% hilang_sejak Juni",
        received_at=(now - timedelta(days=3)).isoformat(),
    )["id"]
    b = submit(
        client,
        channel_key("ditjen"),
        point=BANDUNG,
        received_at=(now - timedelta(days=2)).isoformat(),
    )["id"]
    c = submit(
        client,
        channel_key("sp4n_lapor"),
        point=LEMBANG,
        received_at=(now - timedelta(days=1)).isoformat(),
    )["id"]
    patch(client, op, b, status="diverifikasi")

    def ids(query):
        res = client.get(f"{URL}?{query}", headers=op)
        assert res.status_code == 200, res.json
        assert res.json["type"] == "FeatureCollection"
        return [f["id"] for f in res.json["features"]]

    assert ids("") == [c, b, a]
    assert ids("channel=ditjen") == [b]
    assert ids("category=blt") == [a]
    assert ids("status=diverifikasi") == [b]
    assert ids("status=baru,diverifikasi") == [c, b, a]
    assert ids("overdue=false") == [c, b, a] and ids("overdue=true") == []
    cut = (now - timedelta(days=2, hours=1)).isoformat().replace("+00:00", "Z")
    assert ids(f"start={cut}") == [c, b] and ids(f"end={cut}") == [a]
    assert ids(f"end={(now - timedelta(days=5)).date().isoformat()}") == []
    assert ids("area=32") == [c, b] and ids("area=32.73") == [b] and ids("area=3217") == [c]
    assert ids("bbox=119,-1.5,120.5,0") == [a]
    assert ids("q=kks%20100%25") == [a] and ids("q=100%25%20x") == [] and ids("q=g_s") == [a]
    first = client.get(f"{URL}?limit=2", headers=op).json
    assert [f["id"] for f in first["features"]] == [c, b]
    second = client.get(first["next"], headers=op).json
    assert [f["id"] for f in second["features"]] == [a] and second["next"] is None
    bad = client.get(
        f"{URL}?channel=x&status=y&overdue=maybe&bbox=1,2&area=abc&limit=0", headers=op
    )
    assert bad.status_code == 400
    assert set(bad.json["fields"]) == {"channel", "status", "overdue", "bbox", "area", "limit"}
    assert set(client.get(f"{URL}?q=ab", headers=op).json["fields"]) == {"q"}
    feature = client.get(f"{URL}?channel=jaga_bansos", headers=op).json["features"][0]
    assert feature["geometry"]["coordinates"] == [PALU[1], PALU[0]]
    props = feature["properties"]
    assert props["area"]["district"]["code"] == "72.71.01" and props["status"] == "baru"
    assert props["protected"] is False and props["verify_due"]


def test_same_reporter_same_category_within_30_days_is_a_possible_duplicate(
    client, channel_key, engine
):
    nik = "3273010101900002"
    first = submit(client, channel_key("jaga_bansos"), reporter={"nik": nik, "name": "A"})
    dup = submit(client, channel_key("sp4n_lapor"), point=BANDUNG, reporter={"nik": nik})
    assert dup["possible_duplicate_of"] == first["id"]
    logged = rows(
        engine,
        "SELECT e.payload->>'possible_duplicate_of', a.after->>'possible_duplicate_of' "
        "FROM event_log e JOIN audit_log a ON a.object_id = e.payload->>'id' "
        "WHERE e.type = 'complaint.created' AND (e.payload->>'id')::bigint = :i "
        "AND a.action = 'complaint.create'",
        i=dup["id"],
    )
    # The audit trail (admins) names the link; the event, read in Bandung's rooms too, does
    # not: those readers cannot see the Palu complaint (issue 15).
    assert logged == [(None, str(first["id"]))]
    other_category = submit(
        client,
        channel_key("ditjen"),
        category="BLT",
        reporter={"nik": nik},
        description="Kartu KKS hilang.",
    )
    assert other_category["possible_duplicate_of"] is None
    old = (datetime.now(UTC) - timedelta(days=45)).isoformat()
    stale = submit(
        client,
        channel_key("ditjen"),
        received_at=old,
        reporter={"nik": nik},
        description="Nama tidak terdaftar di DTKS.",
    )
    assert stale["possible_duplicate_of"] is None
    # phone numbers compare in any spelling
    p1 = submit(
        client,
        channel_key("jaga_bansos"),
        category="BLT",
        point=LEMBANG,
        reporter={"phone": "0812-3456-7890"},
        description="Saldo BLT kosong.",
    )
    p2 = submit(
        client,
        channel_key("ditjen"),
        category="BLT",
        point=BANDUNG,
        reporter={"phone": "+62 812 3456 7890"},
    )
    assert p2["possible_duplicate_of"] == p1["id"]


def test_similar_text_in_the_same_village_is_a_possible_duplicate(client, channel_key):
    text = "Bantuan sembako bulan Oktober belum dibagikan di RT 03, warga sudah menunggu lama."
    where = {"province": "Jawa Barat", "regency": "Kota Bandung", "district": "Coblong"}
    first = submit(
        client,
        channel_key("jaga_bansos"),
        point=None,
        description=text,
        location={**where, "village": "Kelurahan Dago"},
    )
    second = submit(
        client,
        channel_key("sp4n_lapor"),
        point=None,
        description=text + " Mohon cek.",
        location={**where, "village": "Dago"},
    )
    assert second["possible_duplicate_of"] == first["id"]
    elsewhere = submit(
        client,
        channel_key("ditjen"),
        point=None,
        description=text,
        location={**where, "village": "Sekeloa"},
    )
    assert elsewhere["possible_duplicate_of"] is None
    unrelated = submit(
        client,
        channel_key("ditjen"),
        point=None,
        description="Jalan rusak parah.",
        location={**where, "village": "Dago"},
    )
    assert unrelated["possible_duplicate_of"] is None
    # exact points within a kilometre count as one village too
    near_a = submit(client, channel_key("ditjen"), point=(-0.9000, 119.8700), description=text)
    near_b = submit(client, channel_key("jaga_bansos"), point=(-0.9030, 119.8720), description=text)
    assert near_b["possible_duplicate_of"] == near_a["id"]


def test_confirmed_duplicates_share_one_follow_up(client, channel_key, staff, engine, unit_id):
    op, reg = staff("operator"), staff("regional", "72")
    nik = "7271010101900003"
    primary = submit(client, channel_key("jaga_bansos"), reporter={"nik": nik})["id"]
    member = submit(client, channel_key("sp4n_lapor"), reporter={"nik": nik})
    assert member["possible_duplicate_of"] == primary
    mid = member["id"]
    res = client.post(
        f"{URL}/{mid}/duplicate", json={"of": primary, "decision": "confirm"}, headers=reg
    )
    assert res.status_code == 200, res.json
    assert res.json["properties"]["primary_id"] == primary
    assert res.json["properties"]["timeline"][-1]["action"] == "duplicate.confirmed"
    assert patch(client, op, primary, status="diverifikasi").status_code == 200
    member_now = client.get(f"{URL}/{mid}", headers=op).json["properties"]
    assert (
        member_now["status"] == "diverifikasi"
        and member_now["timeline"][-1]["details"]["via"] == primary
    )
    assert client.get(f"{URL}/{primary}", headers=op).json["properties"]["duplicates"] == [mid]
    refused = patch(client, op, mid, status="ditolak", reason="x")
    assert refused.status_code == 409 and str(primary) in refused.json["error"]
    assert patch(client, op, mid, note="catatan saja").status_code == 200  # notes are fine
    dinsos = unit_id("Dinas Sosial Kota Palu")
    assert patch(client, op, primary, status="diteruskan", assigned_to=dinsos).status_code == 200
    assert client.get(f"{URL}/{mid}", headers=op).json["properties"]["assigned_to"] == dinsos
    # dismissing takes it out of the group again
    out = client.post(
        f"{URL}/{mid}/duplicate", json={"of": primary, "decision": "dismiss"}, headers=op
    )
    assert out.status_code == 200 and out.json["properties"]["primary_id"] is None
    assert patch(client, op, mid, status="ditindaklanjuti").status_code == 200
    assert client.get(f"{URL}/{primary}", headers=op).json["properties"]["status"] == "diteruskan"
    audit = rows(
        engine,
        "SELECT action FROM audit_log WHERE object_id = :i AND action LIKE "
        "'complaint.duplicate%' ORDER BY id",
        i=str(mid),
    )
    assert audit == [("complaint.duplicate.confirm",), ("complaint.duplicate.dismiss",)]


def test_duplicate_decisions_are_checked(client, channel_key, staff):
    op = staff("operator")
    a = submit(client, channel_key())["id"]
    b = submit(client, channel_key(), point=BANDUNG)["id"]
    w = submit(client, channel_key("whistleblower"))["id"]

    def decide(cid, **body):
        return client.post(f"{URL}/{cid}/duplicate", json=body, headers=op)

    assert set(decide(a, of=a, decision="confirm").json["fields"]) == {"of"}
    assert set(decide(a, of="x", decision="maybe").json["fields"]) == {"of", "decision"}
    assert decide(a, of=b, decision="dismiss").status_code == 409  # nothing to dismiss
    assert decide(a, of=w, decision="confirm").status_code == 409  # never with a whistleblower
    assert decide(a, of=99999999, decision="confirm").status_code == 400
    assert decide(99999999, of=a, decision="confirm").status_code == 404
    assert decide(a, of=b, decision="confirm").status_code == 200
    assert decide(b, of=a, decision="confirm").status_code == 409  # a already follows b
    reg = staff("regional", "72")
    assert (
        client.post(
            f"{URL}/{a}/duplicate", json={"of": b, "decision": "dismiss"}, headers=reg
        ).status_code
        == 400
    )  # b (Bandung) is outside its scope
