"""Exports: CSV (spreadsheet conventions), GeoJSON and GeoPackage, scoped and private, and a
100,000-row export streamed by a real server in bounded memory."""

import csv
import io
import sqlite3
import threading
import time

import pyogrio
import pytest
import requests

from tests.conftest import start_server
from tests.conftest import stop_server
from tests.helpers import bearer
from tests.helpers import token_for
from tests.server.open_data_support import REPORTER
from tests.server.open_data_support import SECRET_NEEDLES
from tests.server.open_data_support import rows
from tests.server.open_data_support import seeded_fixture  # noqa: F401
from tests.server.open_data_support import tokens_fixture  # noqa: F401


def get(live, path, headers=None, **params):
    return requests.get(f"{live.url}{path}", headers=headers or {}, params=params, timeout=120)


def read_csv(res, sep=","):
    assert res.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    return list(csv.DictReader(io.StringIO(res.content.decode("utf-8-sig")), delimiter=sep))


def test_csv_opens_in_spreadsheets(live, seeded, tokens):
    res = get(live, "/api/v1/exports/complaints.csv", tokens["operator"])
    assert res.status_code == 200 and res.headers["Content-Type"].startswith("text/csv")
    disposition = res.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="kendali-complaints-')
    assert disposition.endswith('.csv"')
    table = read_csv(res)
    assert len(table) == 3
    palu = next(r for r in table if r["id"] == str(seeded.complaint_ids["palu"]))
    assert palu["description"].startswith("'=HYPERLINK")  # formula injection neutralised
    assert palu["received_at"].endswith("Z") and "T" in palu["received_at"]
    assert float(palu["lat"]) < 0 and palu["province_code"] == "72"
    assert "reporter" not in table[0]
    quakes = read_csv(get(live, "/api/v1/exports/quakes.csv", tokens["operator"],
                          sep="semicolon", decimal="comma"), sep=";")
    flores = next(r for r in quakes if r["id"] == str(seeded.flores_id))
    assert flores["lat"] == "-7,59" and flores["magnitude"] == "7,4"
    assert flores["tsunami"] == "true" and flores["origin_time"].startswith("2021-12-14T03:")
    plain = read_csv(get(live, "/api/v1/exports/quakes.csv", tokens["operator"]))
    assert next(r for r in plain if r["id"] == str(seeded.flores_id))["lat"] == "-7.59"


def test_geojson_and_geopackage(live, seeded, tokens, engine, tmp_path):
    op = tokens["operator"]
    res = get(live, "/api/v1/exports/quake-areas.geojson", op, quake_id=seeded.flores_id)
    assert res.headers["Content-Type"] == "application/geo+json"
    body = res.json()
    (n,) = rows(engine, "SELECT count(*) FROM quake_areas WHERE quake_id = :q",
                q=seeded.flores_id)[0]
    assert body["type"] == "FeatureCollection" and len(body["features"]) == n > 0
    assert body["features"][0]["geometry"]["type"] == "MultiPolygon"
    for dataset, geometry, expected in (("quake-areas", "MultiPolygon", n),
                                        ("dispatches", "Point", None),
                                        ("complaints", "Point", 3)):
        res = get(live, f"/api/v1/exports/{dataset}.gpkg", op,
                  **({"quake_id": seeded.flores_id} if dataset == "quake-areas" else {}))
        assert res.status_code == 200, res.text
        assert res.headers["Content-Type"] == "application/geopackage+sqlite3"
        path = tmp_path / f"{dataset}.gpkg"
        path.write_bytes(res.content)
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
            assert db.execute("SELECT data_type, srs_id FROM gpkg_contents").fetchall() == [
                ("features", 4326)]
            # written by GDAL with the standard's R-tree spatial index
            assert db.execute("SELECT count(*) FROM gpkg_extensions WHERE extension_name = "
                              "'gpkg_rtree_index'").fetchone()[0] == 1
        info = pyogrio.read_info(path)  # GDAL reads it as a GeoPackage
        assert info["crs"] == "EPSG:4326" and info["geometry_type"] == geometry
        if expected is None:
            (expected,) = rows(engine, "SELECT count(*) FROM dispatches")[0]
        assert info["features"] == expected
        frame = pyogrio.read_dataframe(path)
        assert len(frame) == expected and frame.geometry.notna().all()


def test_exports_are_scoped_and_private(live, seeded, tokens, engine):
    palu = read_csv(get(live, "/api/v1/exports/complaints.csv", tokens["palu"]))
    assert {r["province_code"] for r in palu} == {"72"} and len(palu) == 2
    assert read_csv(get(live, "/api/v1/exports/complaints.csv", tokens["ntt"])) == []
    whistle = next(r for r in palu if r["id"] == str(seeded.complaint_ids["whistle"]))
    (lon, lat), = rows(engine, "SELECT ST_X(point), ST_Y(point) FROM areas "
                               "WHERE code = '72.71.01'")
    assert (float(whistle["lon"]), float(whistle["lat"])) == pytest.approx((lon, lat))
    assert whistle["protected"] == "true"
    for fmt in ("csv", "geojson", "gpkg"):
        res = get(live, f"/api/v1/exports/complaints.{fmt}", tokens["operator"])
        for needle in (*SECRET_NEEDLES, REPORTER["name"], REPORTER["nik"], "Kampung Rahasia"):
            assert needle.encode() not in res.content, (fmt, needle)
    ntt = read_csv(get(live, "/api/v1/exports/quake-areas.csv", tokens["ntt"],
                       quake_id=seeded.flores_id))
    assert ntt and all(r["code"].startswith("53") for r in ntt)
    assert read_csv(get(live, "/api/v1/exports/dispatches.csv", tokens["ntt"])) == []


def test_filters_and_refusals(live, seeded, tokens, engine):
    op = tokens["operator"]
    strong = read_csv(get(live, "/api/v1/exports/quakes.csv", op, min_magnitude="5"))
    (n,) = rows(engine, "SELECT count(*) FROM quakes WHERE magnitude >= 5")[0]
    assert len(strong) == n
    only = read_csv(get(live, "/api/v1/exports/complaints.csv", op, channel="sp4n_lapor"))
    assert [r["channel"] for r in only] == ["sp4n_lapor"]
    districts = read_csv(get(live, "/api/v1/exports/quake-areas.csv", op, level="district",
                             area="53", quake_id=seeded.flores_id))
    assert districts and {r["level"] for r in districts} == {"district"}
    for path, params in (("/api/v1/exports/quakes.csv", {"min_magnitude": "big"}),
                         ("/api/v1/exports/quakes.csv", {"sep": "tab"}),
                         ("/api/v1/exports/complaints.csv", {"status": "nope"}),
                         ("/api/v1/exports/dispatches.geojson", {"state": "lost"})):
        res = get(live, path, op, **params)
        assert res.status_code == 400 and res.json()["fields"], (path, params)
    assert get(live, "/api/v1/exports/quakes.xlsx", op).status_code == 404
    assert get(live, "/api/v1/exports/quakes.csv").status_code == 401
    assert get(live, "/api/v1/exports/quakes.csv", tokens["field"]).status_code == 403


# -- a large export, streamed -----------------------------------------------------------------
BULK = 100_000


def _rss_kib(pid: int, key: str = "VmRSS") -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise AssertionError(key)


class Sampler(threading.Thread):
    """The server's resident memory every 20 ms while a download runs."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, _rss_kib(self.pid))
            time.sleep(0.02)


@pytest.fixture
def bulk_quakes(engine):
    import sqlalchemy as sa

    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO quakes (origin_time, lat, lon, depth_km, magnitude, region_text, "
            "tsunami, bmkg_id, sources, felt, wzarea, revision, geom) "
            "SELECT now() - make_interval(secs => g), -10 + (g % 1500) / 100.0, "
            "95 + (g % 4500) / 100.0, 10 + g % 300, 2 + (g % 60) / 10.0, "
            "'Uji ekspor ' || g || ' km BaratDaya KOTA', g % 7 = 0, 'bulk-' || g, "
            "ARRAY['bulk'], '[]', '[]', 1, "
            "ST_SetSRID(ST_MakePoint(95 + (g % 4500) / 100.0, -10 + (g % 1500) / 100.0), 4326) "
            "FROM generate_series(1, :n) g"), {"n": BULK})
    yield BULK
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM quakes WHERE bmkg_id LIKE 'bulk-%'"))


def _download(url: str, headers: dict, pid: int) -> dict:
    sampler = Sampler(pid)
    sampler.start()
    start = time.monotonic()
    first, size, lines = None, 0, 0
    with requests.get(url, headers=headers, stream=True, timeout=600) as res:
        assert res.status_code == 200
        for chunk in res.iter_content(64 * 1024):
            first = first or time.monotonic() - start
            size += len(chunk)
            lines += chunk.count(b"\n")
    total = time.monotonic() - start
    sampler.running = False
    sampler.join()
    return {"first_byte_s": first, "total_s": total, "bytes": size, "lines": lines,
            "peak_kib": sampler.peak}


def test_a_100k_row_export_streams_in_bounded_memory(database_url, accounts, bulk_quakes):
    server = start_server(database_url, KENDALI_TOKEN_RATE_LIMIT="1000 per minute")
    try:
        name, pw, _ = accounts("operator")
        op = bearer(token_for(server.url, name, pw))
        pid = server.proc.pid
        base = f"{server.url}/api/v1/exports/quakes"
        for fmt in ("csv", "geojson"):  # warm up: every module loaded, pools filled
            assert requests.get(f"{base}.{fmt}?min_magnitude=7.9", headers=op,
                                timeout=60).status_code == 200
        baseline = _rss_kib(pid)
        results = {fmt: _download(f"{base}.{fmt}", op, pid)
                   for fmt in ("csv", "geojson", "gpkg")}
        csv_result, geo_result = results["csv"], results["geojson"]
        assert csv_result["lines"] >= bulk_quakes + 1  # header + every row
        assert geo_result["bytes"] > 20_000_000
        for fmt, r in results.items():
            delta_mib = (r["peak_kib"] - baseline) / 1024
            rate = bulk_quakes / r["total_s"]
            print(f"\nEXPORT {fmt}: {r['bytes'] / 1e6:.1f} MB, {r['total_s']:.1f} s, "
                  f"{rate:,.0f} rows/s, first byte after {r['first_byte_s']:.2f} s, "
                  f"server RSS peak {r['peak_kib'] / 1024:.0f} MiB "
                  f"(+{delta_mib:.1f} MiB over {baseline / 1024:.0f} MiB)")
            # The whole GeoJSON is > 20 MB of text (and several times that as Python
            # objects); a streamed export holds one batch of 2,000 rows at a time.
            assert delta_mib < 40, f"{fmt} export grew the server by {delta_mib:.0f} MiB"
            if fmt != "gpkg":  # a GeoPackage is written to a temporary file first
                assert r["first_byte_s"] < r["total_s"] / 3  # rows flow before the end
    finally:
        stop_server(server)
