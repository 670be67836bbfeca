"""``kendali areas load`` / ``population``: formats, idempotency, and broken files."""

import json
import zipfile

import geopandas as gpd
import pytest
import sqlalchemy as sa
from shapely.geometry import Point

from tests.conftest import BOUNDARIES
from tests.conftest import make_app

CHECKSUM = sa.text(
    "SELECT count(*), coalesce(md5(string_agg(code || name || coalesce(parent_code, '') || "
    "md5(ST_AsEWKB(geom)) || coalesce(population::text, '') || updated_at::text, ',' "
    "ORDER BY code)), '') FROM areas"
)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """Three real regencies of Sulawesi Tengah, plus their districts, as small files."""
    folder = tmp_path_factory.mktemp("areas")
    reg = gpd.read_file(BOUNDARIES / "id_kabupaten_kota_514.geojson")
    reg = reg[reg["kode"].isin(["72.71", "72.10", "72.03"])]
    reg.to_file(folder / "reg.geojson", driver="GeoJSON")
    dis = gpd.read_file(BOUNDARIES / "id_kecamatan_7285.geojson")
    dis = dis[dis["kode_kabkota"] == "72.71"]
    dis.to_file(folder / "dis.gpkg", driver="GPKG")
    shp = folder / "shp"
    shp.mkdir()
    reg.rename(columns={"kode": "KODE", "nama": "NAMA"})[["KODE", "NAMA", "geometry"]].to_file(
        shp / "reg.shp"
    )
    with zipfile.ZipFile(folder / "reg_shp.zip", "w") as zf:
        for f in shp.iterdir():
            zf.write(f, f.name)
    return folder


@pytest.fixture
def fresh(migrated_database):
    app = make_app(migrated_database())
    engine = sa.create_engine(app.config["DATABASE_URL"])
    yield app, engine
    engine.dispose()


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


def test_load_geojson_twice_changes_nothing(fresh, sample):
    app, engine = fresh
    first = run(app, "areas", "load", str(sample / "reg.geojson"), "--level", "regency")
    assert first.exit_code == 0, first.output
    assert "3 new" in first.output
    with engine.connect() as c:
        before = c.execute(CHECKSUM).one()
        parts = c.execute(sa.text("SELECT count(*) FROM area_parts")).scalar()
    assert before[0] == 3 and parts >= 3
    second = run(app, "areas", "load", str(sample / "reg.geojson"), "--level", "regency")
    assert second.exit_code == 0
    assert "0 new, 0 updated, 3 unchanged" in second.output
    with engine.connect() as c:
        assert c.execute(CHECKSUM).one() == before
        assert c.execute(sa.text("SELECT count(*) FROM area_parts")).scalar() == parts


def test_load_geopackage_and_zipped_shapefile(fresh, sample):
    app, engine = fresh
    res = run(
        app,
        "areas",
        "load",
        str(sample / "reg_shp.zip"),
        "--code-field",
        "KODE",
        "--name-field",
        "NAMA",
    )
    assert res.exit_code == 0, res.output
    res = run(app, "areas", "load", str(sample / "dis.gpkg"), "--level", "district")
    assert res.exit_code == 0, res.output
    with engine.connect() as c:
        rows = dict(c.execute(sa.text("SELECT level, count(*) FROM areas GROUP BY level")).all())
        parent = c.execute(sa.text("SELECT parent_code FROM areas WHERE code='72.71.01'")).scalar()
        valid = c.execute(sa.text("SELECT bool_and(ST_IsValid(geom)) FROM areas")).scalar()
    assert rows["regency"] == 3 and rows["district"] > 3
    assert parent == "72.71"
    assert valid


def test_a_changed_name_is_updated(fresh, sample, tmp_path):
    app, engine = fresh
    run(app, "areas", "load", str(sample / "reg.geojson"))
    data = json.loads((sample / "reg.geojson").read_text())
    data["features"][0]["properties"]["nama"] = "Kota Palu (baru)"
    (tmp_path / "renamed.geojson").write_text(json.dumps(data))
    res = run(app, "areas", "load", str(tmp_path / "renamed.geojson"))
    assert "0 new, 1 updated, 2 unchanged" in res.output


def _broken_files(folder, sample):
    (folder / "truncated.geojson").write_text((sample / "reg.geojson").read_text()[:5000])
    gpd.GeoDataFrame(
        {"kode": ["72.99"], "nama": ["Titik"]}, geometry=[Point(120, -1)], crs=4326
    ).to_file(folder / "points.geojson", driver="GeoJSON")
    noprj = folder / "noprj"
    noprj.mkdir()
    gpd.read_file(sample / "reg.geojson")[["kode", "nama", "geometry"]].to_file(noprj / "reg.shp")
    (noprj / "reg.prj").unlink()
    return {
        "missing file": ([str(folder / "nope.geojson")], "no such file"),
        "truncated JSON": ([str(folder / "truncated.geojson")], "cannot read"),
        "unknown field": (
            [str(sample / "reg.geojson"), "--code-field", "KODE_BPS"],
            "unknown field 'KODE_BPS'",
        ),
        "no polygons": ([str(folder / "points.geojson")], "no polygon features"),
        "unreadable CRS": ([str(noprj / "reg.shp")], "coordinate reference system"),
    }


def test_broken_files_change_nothing_and_say_why(fresh, sample, tmp_path):
    app, engine = fresh
    run(app, "areas", "load", str(sample / "reg.geojson"))
    with engine.connect() as c:
        before = c.execute(CHECKSUM).one()
    for case, (args, reason) in _broken_files(tmp_path, sample).items():
        res = app.test_cli_runner().invoke(args=["areas", "load", *args])
        assert res.exit_code != 0, case
        message = res.output.strip().splitlines()
        assert len(message) == 1 and reason in message[0], (case, res.output)
        assert "Traceback" not in res.output
        with engine.connect() as c:
            assert c.execute(CHECKSUM).one() == before, case


def test_population_joins_by_code_and_reports_unmatched(fresh, sample):
    app, engine = fresh
    run(app, "areas", "load", str(sample / "reg.geojson"))
    res = run(app, "areas", "population", str(BOUNDARIES / "kemendagri_penduduk_luas_2024.csv"))
    assert res.exit_code == 0
    assert "population set for 3 areas" in res.output
    assert "unmatched: 0, 11," in res.output  # the national total row and the other areas
    with engine.connect() as c:
        pop = c.execute(sa.text("SELECT population FROM areas WHERE code='72.71'")).scalar()
    assert pop > 300_000


def test_population_unknown_field(fresh):
    app, _ = fresh
    res = app.test_cli_runner().invoke(
        args=[
            "areas",
            "population",
            str(BOUNDARIES / "kemendagri_penduduk_luas_2024.csv"),
            "--population-field",
            "jiwa",
        ]
    )
    assert res.exit_code != 0
    assert "unknown field 'jiwa'" in res.output


def test_national_load_is_idempotent(app, engine):
    """Loading the shared boundaries again over the loaded test database changes nothing."""
    from server.extensions import db
    from server.services import areas as svc

    with engine.connect() as c:
        before = c.execute(CHECKSUM).one()
    with app.app_context():
        lines = list(svc.bootstrap(db, BOUNDARIES))
    assert "0 new, 0 updated, 7285 unchanged" in lines[2]
    with engine.connect() as c:
        assert c.execute(CHECKSUM).one() == before
