"""Service levels (working days, holidays, the overdue job) and the summary counters."""

from datetime import UTC
from datetime import datetime

import pytest

from tests.conftest import make_app
from tests.server.complaints_support import *  # noqa: F403 - the fixtures
from tests.server.complaints_support import BANDUNG
from tests.server.complaints_support import PALU
from tests.server.complaints_support import complaint
from tests.server.complaints_support import rows

pytestmark = pytest.mark.usefixtures("clean_complaints")
URL = "/api/v1/complaints"


def run_job(app, name="overdue_job"):
    from server.extensions import db
    from server.services.complaints import overdue

    with app.app_context():
        session = db.session()
        try:
            getattr(overdue, name)(session)
        finally:
            session.close()


def overdue_events(engine, cid):
    return rows(
        engine,
        "SELECT payload->>'deadline', regions FROM event_log WHERE type = 'complaint.overdue' "
        "AND (payload->>'id')::bigint = :i ORDER BY seq",
        i=cid,
    )


def test_deadlines_count_working_days_and_overdue_is_reported_once(
    database_url, channel_key, staff, engine
):
    clock = {"now": datetime(2026, 3, 2, 3, 0, tzinfo=UTC)}  # Monday 10:00 WIB
    app = make_app(
        database_url, CLOCK=lambda: clock["now"], HOLIDAYS="2026-03-04", HOLIDAYS_BUILTIN=False
    )
    client, op = app.test_client(), staff("operator")
    res = client.post(
        URL, json=complaint(received_at="2026-03-02T10:00:00+07:00"), headers=channel_key()
    )
    cid = res.json["id"]
    # Tue 3, (Wed 4 is a holiday), Thu 5, Fri 6: due when Friday ends in Jakarta
    (due,) = rows(engine, "SELECT verify_due FROM complaints WHERE id = :i", i=cid)[0]
    assert due == datetime(2026, 3, 6, 17, 0, tzinfo=UTC)
    clock["now"] = datetime(2026, 3, 6, 16, 59, tzinfo=UTC)
    run_job(app)
    assert overdue_events(engine, cid) == []
    clock["now"] = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)
    run_job(app)
    run_job(app)  # idempotent: once per deadline
    assert overdue_events(engine, cid) == [("verification", ["72", "72.71", "72.71.01"])]
    overdue = client.get(f"{URL}?overdue=true", headers=op).json["features"]
    assert [f["id"] for f in overdue] == [cid] and overdue[0]["properties"]["overdue"] is True
    summary = client.get(f"{URL}/summary", headers=op).json
    assert summary["total"]["overdue"] == 1 and summary["areas"][0]["overdue"] == 1
    timeline = client.get(f"{URL}/{cid}", headers=op).json["properties"]["timeline"]
    assert timeline[-1]["action"] == "overdue" and timeline[-1]["actor"].startswith("system:")
    # verified (late): the follow-up clock starts, five working days
    verified = client.patch(f"{URL}/{cid}", json={"status": "diverifikasi"}, headers=op).json
    assert verified["properties"]["overdue"] is False
    assert verified["properties"]["follow_up_due"] == "2026-03-13T17:00:00+00:00"
    clock["now"] = datetime(2026, 3, 13, 17, 0, tzinfo=UTC)
    run_job(app)
    run_job(app)
    assert [d for d, _ in overdue_events(engine, cid)] == ["verification", "follow_up"]
    assert client.get(f"{URL}/summary", headers=op).json["total"]["overdue"] == 1
    done = client.patch(f"{URL}/{cid}", json={"status": "ditindaklanjuti"}, headers=op).json
    assert done["properties"]["overdue"] is False
    assert client.get(f"{URL}/summary", headers=op).json["total"]["overdue"] == 0


def test_the_jobs_are_registered_with_the_scheduler():
    from server.jobs import registry

    jobs = registry.by_name()
    assert jobs["complaints.overdue"].interval_s == 60
    assert "complaints.counts" in jobs


def test_summary_counts_per_area_within_scope(app, client, channel_key, staff, engine, wall_client):
    op, reg = staff("operator"), staff("regional", "72")
    client.post(URL, json=complaint(PALU), headers=channel_key("jaga_bansos"))
    palu2 = client.post(
        URL,
        json=complaint(PALU, category="BLT", description="KKS terblokir."),
        headers=channel_key("ditjen"),
    ).json["id"]
    client.post(URL, json=complaint(BANDUNG), headers=channel_key("sp4n_lapor"))
    client.post(
        URL,
        json=complaint(None, location={"address": "dekat pasar"}),
        headers=channel_key("whistleblower"),
    )
    client.patch(f"{URL}/{palu2}", json={"status": "diverifikasi"}, headers=op)

    def check(body):
        areas = {a["code"]: a for a in body["areas"]}
        assert set(areas) == {"32", "72"}
        palu = areas["72"]
        assert palu["name"] == "Sulawesi Tengah" and palu["total"] == 2 and palu["overdue"] == 0
        assert palu["by_status"]["baru"] == 1 and palu["by_status"]["diverifikasi"] == 1
        assert palu["by_channel"] == {
            "jaga_bansos": 1,
            "sp4n_lapor": 0,
            "ditjen": 1,
            "whistleblower": 0,
        }
        assert palu["by_category"]["PKH"] == 1 and palu["by_category"]["BLT"] == 1
        assert areas["32"]["by_channel"]["sp4n_lapor"] == 1
        assert (
            body["unplaced"]["total"] == 1 and body["unplaced"]["by_channel"]["whistleblower"] == 1
        )
        assert body["total"]["total"] == 4

    check(client.get(f"{URL}/summary?level=province", headers=op).json)
    run_job(app, "counts_job")  # folding the deltas changes nothing
    assert rows(engine, "SELECT count(*) FROM complaint_count_deltas") == [(0,)]
    check(client.get(f"{URL}/summary", headers=op).json)
    assert wall_client.get(f"{URL}/summary").status_code == 200
    regencies = client.get(f"{URL}/summary?level=regency", headers=op).json
    assert [a["code"] for a in regencies["areas"]] == ["32.73", "72.71"]
    mine = client.get(f"{URL}/summary", headers=reg).json
    assert [a["code"] for a in mine["areas"]] == ["72"] and "unplaced" not in mine
    assert mine["total"]["total"] == 2
    assert client.get(f"{URL}/summary?level=district", headers=op).status_code == 400
    recount = rows(
        engine, "SELECT coalesce(province_code, ''), count(*) FROM complaints GROUP BY 1"
    )
    stored = rows(
        engine,
        "SELECT province_code, sum(n) FROM complaint_counts WHERE dimension = 'status' GROUP BY 1",
    )
    assert sorted(recount) == sorted((p, int(n)) for p, n in stored)
