"""Where a nowcast applies: districts named in real BMKG descriptions, resolved against the
shared Kemendagri boundaries (read through KENDALI_SHARED_DIR, as the server reads them from
the database), and compared with the districts under the message's polygons."""

import json
import os
from pathlib import Path

import pytest
from shapely.geometry import shape
from shapely.validation import make_valid

from geo.address import AddressIndex
from geo.capgeom import districts_of_rings
from geo.capin import parse_alert
from geo.nowcast import MELUAS
from geo.nowcast import TERJADI
from geo.nowcast import AffectedDistrict
from geo.nowcast import DistrictHit
from geo.nowcast import combine
from geo.nowcast import districts_from_text
from geo.nowcast import named_places
from geo.nowcast import province_hint

CAP = Path(__file__).resolve().parents[1] / "fixtures" / "cap"
SHARED = Path(
    os.environ.get("KENDALI_SHARED_DIR", Path(__file__).resolve().parents[2].parent / "shared")
)
BOUNDARIES = SHARED / "data" / "boundaries"
LEVEL_FILES = (
    "id_provinsi_38.geojson",
    "id_kabupaten_kota_514.geojson",
    "id_kecamatan_7285.geojson",
)
BENGKULU = (CAP / "bmkg_2023-06-18_bengkulu_description.txt").read_text(encoding="utf-8")


def _alert(name):
    return parse_alert((CAP / name).read_bytes())


def _jateng_feb17() -> str:
    detail = json.loads((CAP / "bmkg_CJH20260217006_detail.json").read_text(encoding="utf-8"))
    return detail["data"]["warnings"][0]["description"]


@pytest.fixture(scope="module")
def features():
    missing = [f for f in LEVEL_FILES if not (BOUNDARIES / f).exists()]
    if missing:
        pytest.fail(f"boundaries {missing} not found in {BOUNDARIES}; set KENDALI_SHARED_DIR")
    return {
        f: json.loads((BOUNDARIES / f).read_text(encoding="utf-8"))["features"] for f in LEVEL_FILES
    }


@pytest.fixture(scope="module")
def index(features):
    # The same (code, name) pairs the server's address matcher reads from its areas table.
    return AddressIndex(
        (ft["properties"]["kode"], ft["properties"]["nama"])
        for feats in features.values()
        for ft in feats
    )


def _districts(features, province):
    return [
        (ft["properties"]["kode"], make_valid(shape(ft["geometry"])))
        for ft in features["id_kecamatan_7285.geojson"]
        if ft["properties"]["kode"].startswith(province + ".")
    ]


def test_2023_style_groups_districts_under_regencies():
    places = named_places(BENGKULU)
    assert [(p.text, p.regency) for p in places if p.kind == TERJADI] == [
        ("Air Nipis", "Kabupaten Bengkulu Selatan"),
        ("Padang Guci Hulu", "Kabupaten Kaur"),
    ]
    spread = [p for p in places if p.kind == MELUAS]
    assert len(spread) == 25
    # "Kota Manna" (no colon) is a district of Bengkulu Selatan, not a regency heading.
    assert ("Kota Manna", "Kabupaten Bengkulu Selatan") in [(p.text, p.regency) for p in spread]
    assert spread[-1].text == "Semidang Alas Maras" and spread[-1].regency == "Kabupaten Seluma"


def test_2026_style_lists_districts_only():
    info = _alert("bmkg_CBT20260216004_banten.xml").info
    places = named_places(info.description)
    assert len(places) == 20 and {p.kind for p in places} == {TERJADI}
    assert places[0].text == "Bojonegara" and places[-1].text == "Tirtayasa"
    assert all(p.regency is None for p in places)
    assert province_hint(info.description, info.areas[0].desc) == "Banten"


@pytest.mark.parametrize(
    "text,province",
    [
        (BENGKULU, "Bengkulu"),
        (_jateng_feb17(), "Jawa Tengah"),
        ("Hujan lebat akan terjadi di wilayah lain", None),
    ],
)
def test_province_from_the_text(text, province):
    assert province_hint(text) == province


@pytest.mark.slow
def test_bengkulu_every_name_resolves(index):
    where = districts_from_text(BENGKULU, index, province_hint(BENGKULU))
    assert where.unresolved == ()
    assert [(d.code, d.kind) for d in where.districts[:2]] == [
        ("17.01.08", TERJADI),
        ("17.04.15", TERJADI),
    ]
    codes = {d.code: d for d in where.districts}
    assert len(codes) == 27 and sum(d.kind == MELUAS for d in where.districts) == 25
    assert codes["17.01.05"].name == "Kota Manna" and codes["17.01.04"].name == "Manna"
    assert codes["17.05.05"].text == "Semidang Alas Maras"


@pytest.mark.slow
def test_banten_namesake_without_context_stays_open(index):
    info = _alert("bmkg_CBT20260216004_banten.xml").info
    where = districts_from_text(info.description, index, info.areas[0].desc)
    assert len(where.districts) == 19
    # "Gerogol" is spelt so in the boundaries too; "Curug Bitung" is "Curugbitung" there.
    assert {d.text: d.code for d in where.districts}["Curug Bitung"] == "36.02.23"
    # Cibeber is a district of Kab. Lebak and of Kota Cilegon, and both hold other names.
    assert [(u.text, u.candidates) for u in where.unresolved] == [
        ("Cibeber", ("36.02.19", "36.72.01"))
    ]


@pytest.mark.slow
def test_jateng_namesakes_decided_by_their_neighbours(index):
    where = districts_from_text(_jateng_feb17(), index, "Jawa Tengah")
    assert where.unresolved == () and len(where.districts) == 27
    by_text = {d.text: d.code for d in where.districts}
    # Five districts of Jawa Tengah are called Karanganyar; Kebumen's is the one whose
    # regency the other names fill. Purworejo's Grabag, not Magelang's.
    assert by_text["Karanganyar"] == "33.05.20"
    assert by_text["Grabag"] == "33.06.01" and by_text["Purwodadi"] == "33.06.03"


@pytest.mark.slow
def test_regency_named_among_districts(index):
    info = _alert("bmkg_CJG20260216005_jateng.xml").info
    where = districts_from_text(info.description, index, info.areas[0].desc)
    levels = {d.text: (d.code, d.level) for d in where.districts}
    assert levels["Karanganyar"] == ("33.26.07", "district")  # Kab. Pekalongan's
    assert levels["Pekalongan"] == ("33.26", "regency")


@pytest.mark.slow
@pytest.mark.parametrize(
    "name,province,by_polygon,agree",
    [
        # Both Banten rings lie over districts the text names too.
        ("bmkg_CBT20260216004_banten.xml", "36", {"36.02.25", "36.72.08"}, 2),
        # The Jawa Tengah ring (edited by the uploader, see SOURCES.md) lies over Kota
        # Pekalongan, while the names point at Kab. Pekalongan: no agreement.
        ("bmkg_CJG20260216005_jateng.xml", "33", {"33.75.02"}, 0),
    ],
)
def test_polygons_against_names(index, features, name, province, by_polygon, agree):
    info = _alert(name).info
    rings = [ring for area in info.areas for ring in area.polygons]
    found = districts_of_rings(rings, _districts(features, province))
    assert set(found) == by_polygon and min(found.values()) > 0.9
    where = districts_from_text(info.description, index, info.areas[0].desc)
    names = {code: index.areas[code].name for code in found}
    hits = combine(where.districts, found, names)
    assert sum(h.by == "both" for h in hits) == agree
    assert {h.by for h in hits} <= {"both", "name", "polygon"}


def test_combine_marks_where_each_district_came_from():
    by_name = [
        AffectedDistrict("17.01.08", "Air Nipis", TERJADI),
        AffectedDistrict("17.01.01", "Kedurang", MELUAS),
        AffectedDistrict("17.05", "Kabupaten Seluma", MELUAS, "regency"),
    ]
    hits = combine(
        by_name,
        ["17.01.01", "17.05.04", "17.04.10"],
        {"17.05.04": "Semidang Alas", "17.04.10": "Luas", "17.01.01": "Kedurang"},
    )
    assert set(hits) == {
        DistrictHit("17.01.01", "Kedurang", MELUAS, "both"),
        DistrictHit("17.05.04", "Semidang Alas", MELUAS, "both"),  # inside a named regency
        DistrictHit("17.04.10", "Luas", TERJADI, "polygon"),
        DistrictHit("17.01.08", "Air Nipis", TERJADI, "name"),
    }
