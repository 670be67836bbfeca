"""Links between complaints never cross a reader's scope (issue 15): a whistleblower complaint
flagged as a possible duplicate of one in another region showed that complaint's id and the
reason to a regional reader who could not open it."""

import itertools
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from tests.server.complaints_support import *  # noqa: F403 - the fixtures
from tests.server.complaints_support import BANDUNG
from tests.server.complaints_support import PALU
from tests.server.complaints_support import complaint
from tests.server.complaints_support import rows

pytestmark = pytest.mark.usefixtures("clean_complaints")
URL = "/api/v1/complaints"
NIK = "7271010101900099"
_minutes = itertools.count(60, -1)


def _submit(client, key, point, **kw):
    """One complaint of the reporter; each received a minute after the one before."""
    received = (datetime.now(UTC) - timedelta(minutes=next(_minutes))).isoformat()
    res = client.post(URL, json=complaint(point, reporter={"nik": NIK}, received_at=received,
                                          **kw), headers=key)
    assert res.status_code == 201, res.json
    return res.json


def _pair(client, channel_key, channel="whistleblower"):
    """The same reporter in Palu (72.71), then in Bandung (32.73): flagged as duplicates."""
    key = channel_key(channel)
    palu = _submit(client, key, PALU)
    bandung = _submit(client, key, BANDUNG)
    assert bandung["possible_duplicate_of"] == palu["id"]  # the channel's own answer
    return palu["id"], bandung["id"]


@pytest.mark.parametrize("channel", ["whistleblower", "jaga_bansos"])
def test_a_regional_reader_does_not_see_a_link_into_another_region(
    client, channel_key, staff, channel
):
    palu, bandung = _pair(client, channel_key, channel)
    west_java, national = staff("regional", "32"), staff("operator")

    def shown(headers, path):
        res = client.get(path, headers=headers)
        assert res.status_code == 200, res.json
        return res.json

    detail = shown(west_java, f"{URL}/{bandung}")["properties"]
    assert detail["possible_duplicate_of"] is None and detail["duplicate_reason"] is None
    assert detail["duplicate_score"] is None
    listed = shown(west_java, URL)["features"]
    assert [f["properties"]["possible_duplicate_of"] for f in listed] == [None]
    ogc = shown(west_java, f"/ogc/collections/complaints/items/{bandung}?f=json")
    assert ogc["properties"]["possible_duplicate_of"] is None
    assert ogc["properties"]["duplicate_reason"] is None
    export = client.get("/api/v1/exports/complaints.geojson", headers=west_java)
    assert [f["properties"]["possible_duplicate_of"] for f in export.json["features"]] == [None]
    # the national reader sees both sides, so sees the link
    assert shown(national, f"{URL}/{bandung}")["properties"]["possible_duplicate_of"] == palu
    ogc = shown(national, f"/ogc/collections/complaints/items/{bandung}?f=json")
    assert ogc["properties"]["possible_duplicate_of"] == palu


def test_the_event_names_the_link_only_when_all_its_readers_see_both(
    client, channel_key, staff, engine
):
    since = rows(engine, "SELECT coalesce(max(seq), 0) FROM event_log")[0][0]
    palu, bandung = _pair(client, channel_key)
    same_city = _submit(client, channel_key("whistleblower"), (-0.8950, 119.8600))
    assert same_city["possible_duplicate_of"] == bandung  # the latest match
    events = dict(rows(
        engine,
        "SELECT (payload->>'id')::bigint, payload->'possible_duplicate_of' FROM event_log "
        "WHERE type = 'complaint.created' AND (payload->>'id')::bigint IN (:a, :b, :c)",
        a=palu, b=bandung, c=same_city["id"]))
    assert events[bandung] is None  # Bandung's rooms cannot see Palu's complaint
    assert events[same_city["id"]] is None  # Palu's rooms cannot see Bandung's either
    west_java = staff("regional", "32")
    seen = client.get(f"/api/v1/events?type=complaint.created&since={since}&limit=1000",
                      headers=west_java).json["events"]
    assert [e["payload"]["id"] for e in seen] == [bandung]
    assert seen[0]["payload"]["possible_duplicate_of"] is None
    # within one regency the event names it
    again = _submit(client, channel_key("whistleblower"), (-0.8990, 119.8710))
    payload = rows(engine, "SELECT payload->'possible_duplicate_of' FROM event_log WHERE "
                   "type = 'complaint.created' AND (payload->>'id')::bigint = :i", i=again["id"])
    assert payload == [(same_city["id"],)]
