"""``kendali quakes import`` / ``stats``: the historical catalog, on a fresh database each."""

import time

import pytest
import sqlalchemy as sa

from server.commands.quakes import quakes
from tests.conftest import SHARED
from tests.conftest import make_app

CATALOG = SHARED / "data" / "catalog" / "bmkg_katalog_2008-11-01_to_2022-06-30.csv"
CATALOG_ROWS = 83_736
CHECKSUM = sa.text(
    "SELECT count(*), coalesce(md5(string_agg(id::text || origin_time::text || lat || lon "
    "|| magnitude || coalesce(focal::text, ''), ',' ORDER BY id)), '') FROM catalog_events"
)


@pytest.fixture
def fresh(migrated_database):
    app = make_app(migrated_database())
    if "quakes" not in app.cli.commands:
        app.cli.add_command(quakes)
    engine = sa.create_engine(app.config["DATABASE_URL"])
    yield app, engine
    engine.dispose()


@pytest.fixture(scope="module")
def lines():
    """The header and the first 300 rows of the real catalog."""
    with CATALOG.open(encoding="utf-8") as fh:
        return [next(fh) for _ in range(301)]


def run(app, *args):
    return app.test_cli_runner().invoke(args=["quakes", *args], catch_exceptions=False)


def count(engine, where="true"):
    with engine.connect() as c:
        return c.execute(sa.text(f"SELECT count(*) FROM catalog_events WHERE {where}")).scalar()


def test_import_small_catalog_twice(fresh, lines, tmp_path):
    app, engine = fresh
    path = tmp_path / "small.csv"
    path.write_text("".join(lines))
    first = run(app, "import", str(path))
    assert first.exit_code == 0, first.output
    assert first.output.splitlines()[-1].startswith(
        "imported 300 new events (0 already present, 0 skipped) in "
    )
    assert count(engine) == 300
    with engine.connect() as c:
        before = c.execute(CHECKSUM).one()
        row = c.execute(
            sa.text(
                "SELECT origin_time, lat, lon, depth_km, magnitude, region, focal, "
                "ST_X(geom), ST_Y(geom), ST_SRID(geom) FROM catalog_events ORDER BY origin_time "
                "LIMIT 1"
            )
        ).one()
    assert row.origin_time.isoformat() == "2008-11-01T00:31:25.143000+00:00"
    assert (row.lat, row.lon, row.depth_km, row.magnitude) == (-0.6, 98.9, 20.0, 3.0)
    assert row.region == "Southern Sumatra, Indonesia" and row.focal is None
    assert (row[7], row[8], row[9]) == (98.9, -0.6, 4326)

    second = run(app, "import", str(path))
    assert second.exit_code == 0, second.output
    assert "imported 0 new events (300 already present, 0 skipped)" in second.output
    with engine.connect() as c:
        assert c.execute(CHECKSUM).one() == before


def test_focal_mechanism_is_stored_as_json(fresh, tmp_path):
    app, engine = fresh
    path = tmp_path / "focal.csv"
    path.write_text(
        "origin_time_utc,latitude,longitude,depth_km,magnitude,region,"
        "strike1,dip1,rake1,strike2,dip2,rake2\n"
        "2011-06-27T16:47:15.707Z,-9.28,122.46,139,5.7,Savu Sea,"
        "343.7,43.0,-168.1,244.97,81.9,-47.6\n"
    )
    assert run(app, "import", str(path)).exit_code == 0
    with engine.connect() as c:
        focal = c.execute(sa.text("SELECT focal FROM catalog_events")).scalar()
    assert focal == {
        "strike1": 343.7,
        "dip1": 43.0,
        "rake1": -168.1,
        "strike2": 244.97,
        "dip2": 81.9,
        "rake2": -47.6,
    }


def test_malformed_rows_are_skipped_and_reported(fresh, lines, tmp_path):
    app, engine = fresh
    rows = list(lines[:51])
    rows[5] = "2008-11-01T09:09:09.000Z,-99.50,120.00,10,3.0,Banda Sea,,,,,,\n"
    rows[10] = "yesterday,-1.00,120.00,10,3.0,Banda Sea,,,,,,\n"
    rows[20] = "2008-11-01T09:09:10.000Z,-1.00,120.00,10,,Banda Sea,,,,,,\n"
    rows[30] = "2008-11-01T09:09:11.000Z,-1.00,120.00,10,3.0,Banda Sea,10,20,,,,\n"
    path = tmp_path / "bad.csv"
    path.write_text("".join(rows))
    res = run(app, "import", str(path))
    assert res.exit_code == 0, res.output
    out = res.output.splitlines()
    assert "  line 6: latitude/longitude -99.5, 120 out of range" in out
    assert "  line 11: origin_time_utc 'yesterday' is not an ISO 8601 time" in out
    assert "  line 21: magnitude is empty" in out
    assert any(x.startswith("  line 31: incomplete focal mechanism") for x in out)
    assert out[-1].startswith("imported 46 new events (0 already present, 4 skipped)")
    assert count(engine) == 46


def test_more_than_twenty_skipped_rows_are_counted(fresh, lines, tmp_path):
    app, engine = fresh
    bad = [f"2008-11-02T00:00:{i:02d}.000Z,1.0,200.0,10,3.0,X,,,,,,\n" for i in range(25)]
    path = tmp_path / "many.csv"
    path.write_text("".join(lines[:11] + bad))
    res = run(app, "import", str(path))
    assert res.exit_code == 0, res.output
    listed = [x for x in res.output.splitlines() if x.startswith("  line ")]
    assert len(listed) == 20 and listed[0].startswith("  line 12: ")
    assert "  … and 5 more skipped rows" in res.output
    assert "imported 10 new events (0 already present, 25 skipped)" in res.output
    assert count(engine) == 10


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        (
            "origin_time_utc,latitude,depth_km,magnitude\n2008-11-01T00:31:25Z,1,10,3\n",
            "missing column(s) longitude",
        ),
        ("", "missing column(s) origin_time_utc"),
    ],
    ids=["missing file", "missing column", "empty file"],
)
def test_unusable_file_is_one_line_error_and_writes_nothing(
    fresh, lines, tmp_path, content, message
):
    app, engine = fresh
    good = tmp_path / "good.csv"
    good.write_text("".join(lines[:11]))
    assert run(app, "import", str(good)).exit_code == 0
    path = tmp_path / "broken.csv"
    if content is not None:
        path.write_text(content)
    res = app.test_cli_runner().invoke(args=["quakes", "import", str(path)])
    assert res.exit_code != 0
    error = [x for x in res.output.splitlines() if x.startswith("Error:")]
    assert len(error) == 1 and message in error[0], res.output
    assert count(engine) == 10


def test_stats(fresh, lines, tmp_path):
    app, _ = fresh
    empty = run(app, "stats")
    assert empty.exit_code == 0 and "catalog events: 0" in empty.output
    path = tmp_path / "small.csv"
    path.write_text("".join(lines))
    run(app, "import", str(path))
    res = run(app, "stats")
    assert res.exit_code == 0, res.output
    expected_m5 = sum(1 for line in lines[1:] if float(line.split(",")[4]) >= 5)
    assert "catalog events: 300" in res.output
    assert "time range: 2008-11-01T00:31:25.143000Z … " in res.output
    assert f"magnitude >= 5: {expected_m5}" in res.output


def test_full_catalog_imports_in_under_a_minute(fresh):
    app, engine = fresh
    started = time.perf_counter()
    res = run(app, "import", str(CATALOG))
    elapsed = time.perf_counter() - started
    assert res.exit_code == 0, res.output
    assert f"imported {CATALOG_ROWS} new events (0 already present, 0 skipped)" in res.output
    assert elapsed < 60, elapsed
    assert count(engine) == CATALOG_ROWS
    assert count(engine, "focal IS NOT NULL") == 2434
    assert count(engine, "magnitude >= 5") == 3453
    stats = run(app, "stats")
    assert f"catalog events: {CATALOG_ROWS}" in stats.output
    assert "magnitude >= 5: 3453" in stats.output
