"""Viewport aggregation: exact counts at every zoom, scoped, small, and the area layer."""

import gzip
import json

import pytest
import sqlalchemy as sa

from tests.server.complaints_support import BANDUNG
from tests.server.complaints_support import LEMBANG
from tests.server.complaints_support import PALU
from tests.server.complaints_support import channel_key  # noqa: F401 - fixture
from tests.server.complaints_support import clean_complaints  # noqa: F401 - fixture
from tests.server.complaints_support import complaint
from tests.server.complaints_support import staff  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("clean_complaints")
NATIONAL = "94,-11.5,141.5,6.5"


@pytest.fixture
def sample(client, channel_key):
    key = channel_key("jaga_bansos")
    ids = []
    for point, n in ((PALU, 3), (BANDUNG, 4), (LEMBANG, 2)):
        for _ in range(n):
            res = client.post("/api/v1/complaints", json=complaint(point), headers=key)
            assert res.status_code == 201, res.json
            ids.append(res.json["id"])
    return ids


def get(client, headers, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    res = client.get(f"/api/v1/map/complaints?{query}", headers=headers)
    assert res.status_code == 200, res.json
    return res.json


@pytest.mark.parametrize(("zoom", "level"), [(4, "province"), (6, "regency"), (8, "district"),
                                             (12, "point")])
def test_counts_add_up_to_the_complaints_in_view(client, sample, staff, zoom, level):
    op = staff("operator")
    body = get(client, op, bbox=NATIONAL, zoom=zoom)
    assert body["level"] == level
    assert body["total"] == 9 == sum(f["properties"]["count"] for f in body["features"])
    # a viewport around Bandung only: exactly the 6 complaints of Kota Bandung and Lembang
    bandung = get(client, op, bbox="107.4,-7.1,107.8,-6.6", zoom=zoom)
    assert bandung["total"] == 6


def test_a_national_view_is_one_bubble_per_province_unless_a_level_is_asked(
    client, sample, staff
):
    op = staff("operator")
    national = get(client, op, bbox=NATIONAL, zoom=4)
    assert {f["properties"]["code"]: f["properties"]["count"]
            for f in national["features"]} == {"72": 3, "32": 6}
    shaded = get(client, op, bbox=NATIONAL, zoom=4, level="regency")  # the wall's shading
    assert shaded["level"] == "regency" and {f["properties"]["code"]
                                             for f in shaded["features"]} == {
        "72.71", "32.73", "32.17"}
    bad = client.get("/api/v1/map/complaints?level=village", headers=op)
    assert bad.status_code == 400 and set(bad.json["fields"]) == {"level"}


def test_a_viewport_cutting_districts_counts_only_what_is_inside(client, sample, staff):
    op = staff("operator")
    # a narrow box holding the Kota Bandung point but not Lembang's (north of -6.85)
    body = get(client, op, bbox="107.55,-6.95,107.65,-6.85", zoom=8)
    assert body["total"] == 4


def test_scope_and_filters(client, sample, staff, engine):
    regional = staff("regional", "32")
    body = get(client, regional, bbox=NATIONAL, zoom=5)
    assert body["total"] == 6 and all(f["properties"]["code"].startswith("32")
                                      for f in body["features"])
    op = staff("operator")
    with engine.begin() as conn:  # close two complaints: they leave the "open" view
        conn.execute(sa.text("UPDATE complaints SET status = 'selesai' WHERE id IN "
                             "(SELECT id FROM complaints ORDER BY id LIMIT 2)"))
    assert get(client, op, bbox=NATIONAL, zoom=5, status="open")["total"] == 7
    assert get(client, op, bbox=NATIONAL, zoom=12, status="open")["total"] == 7
    assert get(client, op, bbox=NATIONAL, zoom=5, channel="ditjen")["total"] == 0
    bad = client.get("/api/v1/map/complaints?bbox=1,2,3&zoom=99&channel=x", headers=op)
    assert bad.status_code == 400 and set(bad.json["fields"]) == {"bbox", "zoom", "channel"}
    assert client.get("/api/v1/map/complaints", headers=staff("field")).status_code == 403


def test_the_national_area_layer_is_simplified_and_gzipped(client, staff):
    op = staff("operator")
    res = client.get("/api/v1/map/areas?level=regency&zoom=5",
                     headers={**op, "Accept-Encoding": "gzip"})
    assert res.status_code == 200 and res.headers["Content-Encoding"] == "gzip"
    body = json.loads(gzip.decompress(res.data))
    assert len(body["features"]) >= 500
    assert len(res.data) < 400_000, len(res.data)
    regional = client.get("/api/v1/map/areas?level=district&zoom=8",
                          headers=staff("regional", "72.71")).json
    assert {f["properties"]["code"][:5] for f in regional["features"]} == {"72.71"}
