"""BMKG feed parser: every shared sample, hostile payloads, felt lists, ``kendali bmkg parse``."""

import json
import os
from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from geo.bmkg import FeedParseError
from geo.bmkg import hint_from_name
from geo.bmkg import parse_feed
from geo.bmkg import parse_felt
from geo.bmkg import roman_to_int
from geo.quake import FeltReport
from geo.quake import Sighting
from server.commands.bmkg import bmkg
from server.commands.bmkg import parse_cmd

SHARED = Path(
    os.environ.get("KENDALI_SHARED_DIR", Path(__file__).resolve().parents[2].parent / "shared")
)
BMKG = SHARED / "data" / "bmkg"
ARCHIVE = "felt_archive/bmkg_felt_archive_2023-01-27_to_2026-08-31.json"
# After every sample (the newest is 2026-09-26), so the future check never depends on the clock.
NOW = datetime(2026, 11, 28, tzinfo=UTC)


def _parse(name: str, **kwargs):
    return parse_feed((BMKG / name).read_bytes(), now=NOW, **kwargs)


def _felt(*triples):
    return [FeltReport(place, float(lo), float(hi)) for place, lo, hi in triples]


# file, source, sightings, first: origin (UTC), lat, lon, depth, magnitude, tsunami, bmkg_id, felt
SAMPLES = [
    ("autogempa/autogempa_2021-10-04_ternate.xml", "autogempa", 1,
     "2021-10-04T10:59:19Z", 1.04, 126.96, 17, 4.7, False, "20211004175919",
     [("Ternate", 3, 3)]),
    ("autogempa/autogempa_2021-10-05_dompu.json", "autogempa", 1,
     "2021-10-05T11:00:27Z", -8.15, 118.10, 20, 4.5, False, "20211005180027",
     [("Dompu", 2, 2)]),
    ("autogempa/autogempa_2021-10-13_pacitan.json", "autogempa", 1,
     "2021-10-13T05:00:47Z", -8.87, 110.97, 55, 4.8, None, None,
     [("Pacitan", 3, 3), ("Trenggalek", 3, 3), ("Wonogiri", 3, 3), ("Gunung Kidul", 2, 2),
      ("Bantul", 2, 2), ("Yogyakarta", 2, 2), ("Malang", 1, 1), ("Kediri", 1, 1)]),
    ("autogempa/autogempa_2021-10-13_tambrauw_m5.json", "autogempa", 1,
     "2021-10-13T03:08:42Z", -0.14, 133.02, 10, 5.3, False, "20211013101309", []),
    ("autogempa/autogempa_2022-05-23_bengkulu_arraywrapped.json", "autogempa", 1,
     "2022-05-23T12:32:02Z", -4.61, 102.75, 41, 4.9, False, "20220523193202",
     [("Manna", 4, 4), ("Argamakmur", 4, 4), ("Lampung Barat", 4, 4), ("Kepahiang", 3, 4),
      ("Kota Bengkulu", 3, 4)]),
    ("autogempa/autogempa_2024-01-10_sumedang.json", "autogempa", 1,
     "2024-01-10T13:17:26Z", -6.83, 107.95, 6, 2.8, False, "20240110201726",
     [("Sumedang Utara", 3, 3)]),
    ("gempaterkini/gempaterkini_2021-12-14.json", "gempaterkini", 15,
     "2021-12-14T05:46:41Z", -7.54, 121.78, 10, 5.0, False, None, []),
    ("gempaterkini/gempaterkini_2023-07-12.json", "gempaterkini", 15,
     "2023-07-12T08:39:35Z", -10.01, 118.81, 10, 5.3, False, None, []),
    ("gempadirasakan/gempadirasakan_2025-12-24.json", "gempadirasakan", 15,
     "2025-12-24T05:30:34Z", -4.46, 102.60, 30, 4.6, None, None,
     [("Bengkulu Utara", 2, 3), ("Bengkulu Selatan", 2, 3)]),
    ("inatews_json/inatews_2023-04-25_tsunami_pd1_mentawai.json", "inatews", 1,
     "2023-04-24T20:00:57Z", -0.93, 98.39, 84, 7.3, True, "20230425030533", []),
    ("inatews_json/inatews_2023-05-14_felt_ternate.json", "inatews", 1,
     "2023-05-14T15:32:21Z", 0.49, 126.90, 109, 5.9, False, "20230514223221",
     [("Manado", 3, 3), ("Kotamobagu", 3, 3), ("Bitung", 3, 3), ("Halmahera Tengah", 2, 3),
      ("Sanana", 2, 2), ("Gorontalo", 2, 2)]),
    ("inatews_json/inatews_2023-06-08_felt_pacitan_m6.json", "inatews", 1,
     "2023-06-07T17:04:55Z", -9.15, 110.69, 10, 6.0, False, "20230608000455",
     [("Kota Yogyakarta", 5, 5), ("Semarang", 3, 3), ("Jepara", 3, 3), ("Ponorogo", 4, 4),
      ("Karangkates", 4, 4), ("Kepanjen", 4, 4), ("Nganjuk", 3, 4), ("Madiun", 3, 3),
      ("Sukorejo", 3, 3), ("Demak", 2, 2), ("Banjarnegara", 3, 3)]),
    ("inatews_json/inatews_2023-06-16_m5plus_fiji_outside_indonesia.json", "inatews", 1,
     "2023-06-15T18:06:22Z", -22.82, -176.44, 161, 6.9, False, "20230616011556", []),
    ("inatews_json/inatews_2023-06-21_felt_larantuka.json", "inatews", 1,
     "2023-06-21T10:59:54Z", -8.34, 122.99, 5, 2.7, False, "20230621175954",
     [("Larantuka", 3, 3)]),
    ("inatews_json/inatews_2026-09-26_felt_ruteng.json", "inatews", 1,
     "2026-09-25T19:39:29Z", -8.23, 120.31, 9, 4.9, False, "20260926023929",
     [("Kab. Manggarai", 2, 3)]),
    ("realtime_ql/gempaQL_2026-09-25.json", "realtime_ql", 3,
     "2026-09-25T19:39:30.668563Z", -8.271708, 120.328590, 10, 4.569342, None, "bmg2026svif",
     []),
    ("katalog_signifikan/katalog_gempa_2022_3events.json", "katalog_signifikan", 3,
     "2022-03-13T21:09:21Z", -0.71, 98.5, 25, 6.9, False, "rsk20220314040921", None),
    (ARCHIVE, "felt_archive", 3227,
     "2023-01-27T18:00:33Z", -7.22, 107.59, 5, 4.0, None, "20230128010033",
     [("Soreang", 2, 3), ("Bandung", 2, 3)]),
]  # fmt: skip


def test_every_sample_file_is_in_the_table():
    on_disk = {p.relative_to(BMKG).as_posix() for p in BMKG.rglob("*") if p.is_file()}
    assert on_disk == {row[0] for row in SAMPLES}


@pytest.mark.parametrize(
    "name, source, count, origin, lat, lon, depth, mag, tsunami, bmkg_id, felt",
    SAMPLES,
    ids=[row[0].split("/")[-1] for row in SAMPLES],
)
def test_sample_first_event(
    name, source, count, origin, lat, lon, depth, mag, tsunami, bmkg_id, felt
):
    result = _parse(name)
    assert result.source == source
    assert len(result.sightings) == count
    first = result.sightings[0]
    assert first.source == source
    assert first.as_dict()["origin_time"] == origin
    assert first.origin_time.utcoffset().total_seconds() == 0
    assert (first.lat, first.lon) == (pytest.approx(lat), pytest.approx(lon))
    assert first.depth_km == pytest.approx(depth)
    assert first.magnitude == pytest.approx(mag)
    assert first.tsunami is tsunami
    assert first.bmkg_id == bmkg_id
    if felt is not None:  # the katalog's long lists are checked in their own test
        assert list(first.felt) == _felt(*felt)


@pytest.mark.parametrize("name", [row[0] for row in SAMPLES if row[0] != ARCHIVE])
def test_feed_samples_have_no_rejections(name):
    assert _parse(name).rejected == []


def test_gempaterkini_flores_keeps_duplicates_and_the_m75_revision():
    result = _parse("gempaterkini/gempaterkini_2021-12-14.json")
    assert len(result.sightings) == 15
    main = [s for s in result.sightings if s.magnitude == 7.4]
    assert len(main) == 3
    assert {s.as_dict()["origin_time"] for s in main} == {"2021-12-14T03:20:23Z"}
    assert all(s.tsunami is True for s in main)
    assert main[0].tsunami_text == "Potensi tsunami untuk diteruskan pada masyarakat"
    (revision,) = [s for s in result.sightings if s.magnitude == 7.5]
    assert revision.as_dict()["origin_time"] == "2021-12-14T03:20:22Z"
    assert (revision.lat, revision.lon, revision.depth_km) == (-7.59, 122.26, 12.0)
    assert revision.tsunami is True
    assert sum(s.tsunami is False for s in result.sightings) == 11
    # Jam 05:36:58 WIB on 13 Des is still 12 Dec in UTC.
    assert result.sightings[8].as_dict()["origin_time"] == "2021-12-12T22:36:58Z"


def test_ternate_xml_uses_point_lat_lon():
    (quake,) = _parse("autogempa/autogempa_2021-10-04_ternate.xml").sightings
    assert (quake.lat, quake.lon, quake.depth_km, quake.magnitude) == (1.04, 126.96, 17.0, 4.7)
    assert quake.region_text == "Pusat gempa berada di laut 54 km BaratLaut Ternate"
    assert quake.shakemap == "20211004175919.mmi.jpg"


def test_tambrauw_id_comes_from_the_shakemap_not_the_jam():
    (quake,) = _parse("autogempa/autogempa_2021-10-13_tambrauw_m5.json").sightings
    assert quake.bmkg_id == "20211013101309"
    assert quake.region_text == "99 km TimurLaut TAMBRAUW-PAPUABRT"
    assert quake.tsunami_text == "Tidak berpotensi tsunami"


def test_pacitan_without_potensi_and_shakemap():
    (quake,) = _parse("autogempa/autogempa_2021-10-13_pacitan.json").sightings
    assert (quake.tsunami, quake.tsunami_text, quake.shakemap) == (None, None, None)


def test_inatews_fiji_west_longitude():
    fiji = "inatews_json/inatews_2023-06-16_m5plus_fiji_outside_indonesia.json"
    (quake,) = _parse(fiji).sightings
    assert (quake.lat, quake.lon) == (-22.82, -176.44)
    assert quake.tsunami_text == "tidak berpotensi TSUNAMI"
    assert quake.felt == ()


def test_inatews_hemisphere_fields_when_point_is_missing():
    doc = json.loads(
        (BMKG / "inatews_json/inatews_2023-06-16_m5plus_fiji_outside_indonesia.json").read_text()
    )
    del doc["info"]["point"]
    (quake,) = parse_feed(json.dumps(doc), now=NOW).sightings
    assert (quake.lat, quake.lon) == (-22.82, -176.44)  # "22.82 LS", "176.44 BB"


def test_inatews_tsunami_warning_keeps_zones():
    (quake,) = _parse("inatews_json/inatews_2023-04-25_tsunami_pd1_mentawai.json").sightings
    assert quake.tsunami is True
    assert quake.tsunami_text == "Warning Tsunami PD-1"
    # The message repeats the same zone twice; one is kept.
    assert quake.wzarea == (
        {"province": "SUMUT", "district": "NIAS-SELATAN PULAU TANABALA", "level": "WASPADA"},
    )
    assert quake.as_dict()["wzarea"][0]["level"] == "WASPADA"


def test_inatews_warning_in_headline_alone_is_a_tsunami():
    doc = json.loads(
        (BMKG / "inatews_json/inatews_2023-04-25_tsunami_pd1_mentawai.json").read_text()
    )
    info = doc["info"]
    for key in ("wzarea", "potential", "subject"):
        del info[key]
    (quake,) = parse_feed(json.dumps(doc), now=NOW).sightings
    assert quake.tsunami is True
    assert quake.wzarea == ()


def test_inatews_ruteng_escaped_slashes_and_its_ql_twin():
    raw = (BMKG / "inatews_json/inatews_2026-09-26_felt_ruteng.json").read_bytes()
    assert b"\\/" in raw
    (quake,) = parse_feed(raw, now=NOW).sightings
    assert quake.shakemap == "20260926023929.mmi.jpg"
    assert quake.region_text == "Pusat gempa berada di laut 46 km utara Ruteng-Manggarai"
    twin = _parse("realtime_ql/gempaQL_2026-09-25.json").sightings[0]
    assert abs((twin.origin_time - quake.origin_time).total_seconds()) < 2
    assert abs(twin.lat - quake.lat) < 0.1 and abs(twin.lon - quake.lon) < 0.1


def test_realtime_ql_features():
    result = _parse("realtime_ql/gempaQL_2026-09-25.json")
    got = [
        (s.as_dict()["origin_time"], s.lat, s.lon, s.depth_km, s.magnitude, s.bmkg_id)
        for s in result.sightings
    ]
    assert got == [
        ("2026-09-25T19:39:30.668563Z", -8.271708, 120.32859, 10.0, 4.569342, "bmg2026svif"),
        ("2026-09-25T13:47:32.335170Z", -6.897278, 105.288124, 10.0, 4.792761, "bmg2026suwq"),
        ("2026-09-25T04:27:42.366763Z", -7.444441, 125.652817, 10.0, 4.817245, "bmg2026sued"),
    ]
    assert [s.region_text for s in result.sightings] == [
        "Flores Region, Indonesia",
        "Sunda Strait, Indonesia",
        "Banda Sea",
    ]
    assert all(s.tsunami is None for s in result.sightings)


def test_katalog_events_and_dirasakan():
    result = _parse("katalog_signifikan/katalog_gempa_2022_3events.json")
    got = [
        (s.as_dict()["origin_time"], s.lat, s.lon, s.depth_km, s.magnitude, s.bmkg_id, len(s.felt))
        for s in result.sightings
    ]
    assert got == [
        ("2022-03-13T21:09:21Z", -0.71, 98.5, 25.0, 6.9, "rsk20220314040921", 23),
        ("2022-02-25T01:39:29Z", 0.15, 99.98, 10.0, 6.2, "rsk20220225083929", 15),
        ("2022-01-14T09:05:41Z", -7.01, 105.26, 10.0, 6.7, "rsk20210114160541", 18),
    ]
    nias, pasaman, banten = result.sightings
    assert list(nias.felt[:2]) == _felt(("Padang", 4, 4), ("Siberut", 4, 4))
    assert nias.felt[-1] == FeltReport("Siberut barat", 5.0, 5.0)
    assert nias.region_text == "di laut 161 km tenggara Niasselatan"
    assert FeltReport("Padang Panjang", 4.0, 4.0) in pasaman.felt
    assert pasaman.felt[-1] == FeltReport("Pasaman Barat", 6.0, 6.0)
    assert list(banten.felt[3:5]) == _felt(("Sumur", 4, 4), ("Tangerang Selatan", 3, 4))
    assert all(s.tsunami is False and s.tsunami_text == "Tidak" for s in result.sightings)


def test_felt_archive_rejects_its_nine_future_earthquakes():
    result = _parse(ARCHIVE)
    assert len(result.sightings) + len(result.rejected) == 3236
    assert len(result.sightings) == 3227
    positions = [656, 1116, 1235, 2059, 2320, 2335, 2398, 2620, 2806]
    assert [r.position for r in result.rejected] == positions
    assert all("future" in r.reason.lower() for r in result.rejected)
    last = result.sightings[-1]
    assert last.as_dict()["origin_time"] == "2026-08-22T13:52:21Z"
    assert last.shakemap == "20260822205221.mmi.jpg"


@pytest.mark.parametrize(
    ("position", "felt"),
    [
        (33, []),  # empty feltOnStations
        (61, [("Kota Jayapura", 2, 2)]),  # level after the place
        (1183, [("Nabire", 2, 3)]),
        (2116, [("Ciwidey", 2, 2), ("Banjaran", 2, 2), ("Cimaung", 2, 2)]),  # arabic levels
        (52, [("Batur", 2, 2), ("Banjarnegara", 2, 2)]),  # a regency after its district
        (1859, [("Kab. Garut (Cikelet, Pameungpeuk, Cidora)", 2, 3),
                ("Kab. Cianjur (Sindangbarang)", 2, 3), ("Kab. Sukabumi (Babadan)", 2, 3)]),
    ],
)  # fmt: skip
def test_felt_archive_quirky_lists(position, felt):
    raw = json.loads((BMKG / ARCHIVE).read_text())[position]
    (quake,) = parse_feed(json.dumps([raw]), now=NOW).sightings
    assert list(quake.felt) == _felt(*felt)


# --- XML variants ---------------------------------------------------------------------------

XML_2019 = """
      <?xml version="1.0"?>
      <Infogempa>
      <gempa>
        <Tanggal>27-Aug-19</Tanggal>
        <Jam>13:31:23 WIB</Jam>
        <point><coordinates>122.05,1.27</coordinates></point>
        <Lintang>1.27 LU</Lintang>
        <Bujur>122.05 BT</Bujur>
        <Magnitude>5.0 SR</Magnitude>
        <Kedalaman>10 Km</Kedalaman>
        <_symbol>imagesSWF/m2b.swf</_symbol>
        <Wilayah1>84 km TimurLaut BUOL-SULTENG</Wilayah1>
        <Wilayah2>88 km BaratLaut BOALEMO-GORONTALO</Wilayah2>
        <Potensi>tidak berpotensi TSUNAMI</Potensi>
      </gempa>
      </Infogempa>
"""


@pytest.mark.parametrize(
    "xml",
    [
        XML_2019,
        # point alone: the ~2019 style (no DateTime) writes lon,lat
        XML_2019.replace("<Lintang>1.27 LU</Lintang>", "").replace("<Bujur>122.05 BT</Bujur>", ""),
    ],
    ids=["with-lintang-bujur", "point-only"],
)
def test_old_2019_xml(xml):
    (quake,) = parse_feed(xml.encode(), now=NOW).sightings
    assert quake.as_dict()["origin_time"] == "2019-08-27T06:31:23Z"
    assert (quake.lat, quake.lon, quake.depth_km, quake.magnitude) == (1.27, 122.05, 10.0, 5.0)
    assert quake.region_text == "84 km TimurLaut BUOL-SULTENG"
    assert quake.tsunami is False


def test_2021_xml_point_only_is_lat_lon():
    xml = (BMKG / "autogempa/autogempa_2021-10-04_ternate.xml").read_text()
    xml = xml.replace("<Lintang>1.04 LU</Lintang><Bujur>126.96 BT</Bujur>", "")
    (quake,) = parse_feed(xml, now=NOW).sightings
    assert (quake.lat, quake.lon) == (1.04, 126.96)


def test_xml_list_of_several_gempa():
    one = "<gempa><DateTime>2021-10-04T10:59:19+00:00</DateTime><Coordinates>{}</Coordinates>"
    one += "<Magnitude>5.1</Magnitude><Kedalaman>10 km</Kedalaman></gempa>"
    xml = "<Infogempa>" + one.format("-1.5,120.1") + one.format("2.5,99.0") + "</Infogempa>"
    result = parse_feed(xml, now=NOW)
    assert [(s.lat, s.lon) for s in result.sightings] == [(-1.5, 120.1), (2.5, 99.0)]
    assert result.source == "gempaterkini"


# --- record-level rejections ----------------------------------------------------------------

DOMPU = json.loads((BMKG / "autogempa/autogempa_2021-10-05_dompu.json").read_text())["Infogempa"][
    "gempa"
]


def _feed(*records) -> str:
    return json.dumps({"Infogempa": {"gempa": list(records)}})


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"Magnitude": "abc"}, "Magnitude 'abc' is not a number"),
        ({"Magnitude": "11.2"}, "magnitude 11.2 is outside 0..10"),
        ({"Magnitude": None}, "missing Magnitude"),
        ({"Kedalaman": None}, "missing Kedalaman"),
        ({"Kedalaman": "-17 km"}, "depth -17.0 km is outside 0..1000"),
        ({"Coordinates": "95.0,118.10"}, "out of range"),
        ({"Coordinates": "-8.15;118.10"}, "Coordinates '-8.15;118.10' is not two"),
        ({"Coordinates": None, "Lintang": None}, "missing Coordinates"),
        ({"DateTime": "yesterday"}, "DateTime 'yesterday' is not an ISO 8601 time"),
        ({"DateTime": None, "Tanggal": "31 Sep 2021"}, "date '31 Sep 2021'"),
        ({"DateTime": None, "Jam": "25:00:27 WIB"}, "time '25:00:27 WIB'"),
        ({"DateTime": None, "Tanggal": None}, "missing Tanggal"),
        ({"DateTime": "2027-10-05T11:00:27+00:00"}, "origin time 2027-10-05T11:00:27Z is in the"),
    ],
)
def test_bad_record_is_rejected_and_the_rest_parsed(changes, reason):
    bad = {key: value for key, value in {**DOMPU, **changes}.items() if value is not None}
    result = parse_feed(_feed(DOMPU, bad, DOMPU), now=NOW)
    assert len(result.sightings) == 2
    (rejection,) = result.rejected
    assert rejection.position == 1
    assert reason in rejection.reason


def test_record_dated_next_year_is_rejected_with_the_real_clock():
    next_year = datetime.now(UTC).year + 1
    future = dict(DOMPU, DateTime=f"{next_year}-01-02T03:04:05+00:00")
    result = parse_feed(_feed(future, DOMPU))
    assert len(result.sightings) == 1
    assert result.rejected[0].position == 0
    assert "future" in result.rejected[0].reason


def test_a_few_minutes_ahead_is_clock_skew_not_the_future():
    result = parse_feed(_feed(dict(DOMPU, DateTime="2026-11-28T00:04:00+00:00")), now=NOW)
    assert len(result.sightings) == 1


@pytest.mark.parametrize(
    "record", [42, "gempa", [DOMPU], {"Tanggal": 5}], ids=["number", "text", "list", "odd"]
)
def test_non_object_records_are_rejected(record):
    result = parse_feed(_feed(record, DOMPU), now=NOW)
    assert len(result.sightings) == 1
    assert result.rejected[0].position == 0


def test_single_object_rejection_is_position_zero():
    payload = json.dumps({"Infogempa": {"gempa": dict(DOMPU, Magnitude="abc")}})
    result = parse_feed(payload, now=NOW)
    assert result.sightings == []
    assert result.rejected[0].position == 0


def test_katalog_and_ql_bad_features_are_rejected():
    doc = json.loads((BMKG / "realtime_ql/gempaQL_2026-09-25.json").read_text())
    doc["features"][1]["geometry"]["coordinates"] = ["x"]
    doc["features"][2]["properties"]["time"] = "soon"
    result = parse_feed(json.dumps(doc), now=NOW)
    assert len(result.sightings) == 1
    assert [r.position for r in result.rejected] == [1, 2]


# --- hostile payloads -----------------------------------------------------------------------

TRUNCATED = (BMKG / "autogempa/autogempa_2021-10-05_dompu.json").read_bytes()[:150]
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><Infogempa>&lol2;</Infogempa>'
)


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"   \n",
        "",
        b"<html>502 Bad Gateway</html>",
        b"<!DOCTYPE html><html><body>Service Unavailable</body></html>",
        TRUNCATED,
        b"42",
        b'"Infogempa"',
        b"null",
        b'{"Infogempa": {}}',
        b'{"Infogempa": {"gempa": "x"}}',
        b'{"Infogempa": []}',
        b'{"status": "ok"}',
        b"[1, 2]",
        b'[{"foo": 1}]',
        b"\xff\xfe\x00garbage",
        b"<Infogempa><gempa>",
        b"<rss><channel/></rss>",
        b"<Infogempa/>",
        b'{"type": "FeatureCollection", "features": [{"properties": {"x": 1}}]}',
        LAUGHS,
        b"[" * 100_000,
        None,
    ],
)
def test_garbage_raises_feed_parse_error(payload):
    with pytest.raises(FeedParseError):
        parse_feed(payload, now=NOW)


@pytest.mark.parametrize(
    "payload",
    [b"[]", b'{"Infogempa": {"gempa": []}}', b'{"type": "FeatureCollection", "features": []}'],
)
def test_empty_feeds_are_feeds(payload):
    result = parse_feed(payload, now=NOW)
    assert (result.sightings, result.rejected) == ([], [])


# --- times, tsunami flags, hints ------------------------------------------------------------


@pytest.mark.parametrize(
    ("tanggal", "jam", "origin"),
    [
        ("05 Okt 2021", "18:00:27 WIB", "2021-10-05T11:00:27Z"),
        ("23 Mei 2022", "19:32:02 WIB", "2022-05-23T12:32:02Z"),
        ("17 Agu 2021", "06:59:59 WIB", "2021-08-16T23:59:59Z"),
        ("01 Jan 2022", "00:00:00 WIB", "2021-12-31T17:00:00Z"),
        ("01 Des 2021", "12:00:00 WIB", "2021-12-01T05:00:00Z"),
        ("01 Dec 2021", "12:00:00", "2021-12-01T05:00:00Z"),
        ("01 May 2020", "12:00:00 WIB", "2020-05-01T05:00:00Z"),
        ("01 Oct 2020", "12:00:00 WIB", "2020-10-01T05:00:00Z"),
        ("27-Aug-19", "13:31:23 WIB", "2019-08-27T06:31:23Z"),
        ("14-05-23", "22:32:21 WIB", "2023-05-14T15:32:21Z"),
        ("15 Feb 2021", "10:00:00 WITA", "2021-02-15T02:00:00Z"),
    ],
)
def test_tanggal_jam_is_wib(tanggal, jam, origin):
    record = {k: v for k, v in DOMPU.items() if k != "DateTime"}
    (quake,) = parse_feed(_feed(dict(record, Tanggal=tanggal, Jam=jam)), now=NOW).sightings
    assert quake.as_dict()["origin_time"] == origin


def test_datetime_wins_over_tanggal_jam():
    record = dict(DOMPU, Jam="01:02:03 WIB")
    (quake,) = parse_feed(_feed(record), now=NOW).sightings
    assert quake.as_dict()["origin_time"] == "2021-10-05T11:00:27Z"


@pytest.mark.parametrize(
    ("potensi", "tsunami"),
    [
        ("Tidak berpotensi tsunami", False),
        ("tidak berpotensi TSUNAMI", False),
        ("Potensi tsunami untuk diteruskan pada masyarakat", True),
        ("Potensi TSUNAMI untuk diteruskan pada masyarakat", True),
        ("Gempa ini dirasakan untuk diteruskan pada masyarakat", False),
        ("Sesuatu yang lain", None),
        (None, None),
    ],
)
def test_potensi(potensi, tsunami):
    record = {k: v for k, v in dict(DOMPU, Potensi=potensi).items() if v is not None}
    (quake,) = parse_feed(_feed(record), now=NOW).sightings
    assert quake.tsunami is tsunami
    assert quake.tsunami_text == potensi


@pytest.mark.parametrize(
    ("hint", "source"),
    [
        (None, "autogempa"),
        ("gempadirasakan", "gempadirasakan"),
        ("gempaterkini.json", "gempaterkini"),
        ("terkini.json", "autogempa"),
    ],
)
def test_source_hint_names_a_tews_list(hint, source):
    assert parse_feed(json.dumps([DOMPU]), source_hint=hint, now=NOW).source == source


def test_source_hint_cannot_contradict_the_shape():
    result = _parse("realtime_ql/gempaQL_2026-09-25.json", source_hint="autogempa")
    assert result.source == "realtime_ql"


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("autogempa.xml", "autogempa"),
        ("https://data.bmkg.go.id/DataMKG/TEWS/gempaterkini.json", "gempaterkini"),
        ("gempadirasakan_2025-12-24.json", "gempadirasakan"),
        ("datagempa.json", "inatews"),
        ("gempaQL.json", "realtime_ql"),
        ("katalog_gempa.json", "katalog_signifikan"),
        ("bmkg_felt_archive.json", "felt_archive"),
        ("quakes.json", None),
    ],
)
def test_hint_from_name(name, source):
    assert hint_from_name(name) == source


# --- felt lists -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "felt"),
    [
        ("IV-V Mataram, III-IV Kab. Lombok Tengah, II - III Kuta",
         [("Mataram", 4, 5), ("Kab. Lombok Tengah", 3, 4), ("Kuta", 2, 3)]),
        ("III Manado", [("Manado", 3, 3)]),
        ("-", []),
        ("", []),
        ("  -  ", []),
        ("III Tomohon , II-III Ternate,", [("Tomohon", 3, 3), ("Ternate", 2, 3)]),
        ("IV Padang;III Padang Panjang ;II Solok;", [("Padang", 4, 4), ("Padang Panjang", 3, 3),
                                                    ("Solok", 2, 2)]),
        ("Iv Kepanjen", [("Kepanjen", 4, 4)]),
        ("II-III MMI Bukittinggi", [("Bukittinggi", 2, 3)]),
        ("XII Palu, I Donggala", [("Palu", 12, 12), ("Donggala", 1, 1)]),
        ("V Pulau-pulau batu", [("Pulau-pulau batu", 5, 5)]),
        ("Kota Sorong II-III, Kab. Sorong II-III", [("Kota Sorong", 2, 3), ("Kab. Sorong", 2, 3)]),
        ("2 Ciwidey", [("Ciwidey", 2, 2)]),
        ("III Wotu, Malili", [("Wotu", 3, 3), ("Malili", 3, 3)]),
        ("Malili", []),
        ("XIII Atlantis, III Bima", [("Bima", 3, 3)]),
        ("II-III Kab. Garut (Cikelet, Pameungpeuk)", [("Kab. Garut (Cikelet, Pameungpeuk)", 2, 3)]),
    ],
)  # fmt: skip
def test_parse_felt(text, felt):
    assert parse_felt(text) == _felt(*felt)


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("I", 1), ("II", 2), ("III", 3), ("IV", 4), ("V", 5), ("VI", 6), ("VII", 7), ("VIII", 8),
     ("IX", 9), ("X", 10), ("XI", 11), ("XII", 12), ("iv", 4), (" Vi ", 6)],
)  # fmt: skip
def test_roman_to_int(numeral, value):
    assert roman_to_int(numeral) == value


@pytest.mark.parametrize("numeral", ["", "IIII", "XIII", "VX", "4", "Manado"])
def test_roman_to_int_rejects(numeral):
    with pytest.raises(ValueError):
        roman_to_int(numeral)


# --- the value object -----------------------------------------------------------------------


def test_sighting_as_dict_is_json():
    quake = _parse("inatews_json/inatews_2023-04-25_tsunami_pd1_mentawai.json").sightings[0]
    data = json.loads(json.dumps(quake.as_dict()))
    assert data["origin_time"] == "2023-04-24T20:00:57Z"
    assert data["felt"] == []
    dompu = _parse("autogempa/autogempa_2021-10-05_dompu.json").sightings[0].as_dict()
    assert dompu["felt"] == [{"place": "Dompu", "mmi_min": 2.0, "mmi_max": 2.0}]


def test_sighting_is_hashable_and_needs_utc():
    quake = _parse("inatews_json/inatews_2023-04-25_tsunami_pd1_mentawai.json").sightings[0]
    assert len({quake, quake}) == 1
    with pytest.raises(ValueError):
        Sighting("autogempa", datetime(2021, 10, 5), 0.0, 0.0, 10.0, 5.0, "")


# --- kendali bmkg parse ---------------------------------------------------------------------

NDJSON_KEYS = {
    "source", "origin_time", "lat", "lon", "depth_km", "magnitude", "region_text", "tsunami",
    "felt", "bmkg_id",
}  # fmt: skip


def test_cli_group():
    assert bmkg.name == "bmkg"
    assert bmkg.get_command(None, "parse") is parse_cmd


def test_cli_parse_prints_ndjson():
    files = [str(BMKG / "autogempa/autogempa_2021-10-05_dompu.json"),
             str(BMKG / "gempaterkini/gempaterkini_2021-12-14.json")]  # fmt: skip
    result = CliRunner().invoke(parse_cmd, files)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 16
    assert all(set(line) >= NDJSON_KEYS for line in lines)
    assert lines[0]["origin_time"] == "2021-10-05T11:00:27Z"
    assert {line["source"] for line in lines[1:]} == {"gempaterkini"}
    assert result.stderr == ""


def test_cli_parse_reports_rejections_and_still_succeeds():
    result = CliRunner().invoke(parse_cmd, [str(BMKG / ARCHIVE)])
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 3227
    errors = result.stderr.splitlines()
    assert len(errors) == 9
    assert errors[0].startswith(f"{BMKG / ARCHIVE}: record 656 rejected: ")
    assert "future" in errors[0].lower()


def test_cli_parse_garbage_and_missing_files_exit_2(tmp_path):
    garbage = tmp_path / "autogempa.json"
    garbage.write_bytes(b"<html>502 Bad Gateway</html>")
    good = BMKG / "autogempa/autogempa_2021-10-05_dompu.json"
    missing = tmp_path / "missing.json"
    result = CliRunner().invoke(parse_cmd, [str(garbage), str(good), str(missing)])
    assert result.exit_code == 2
    assert len(result.stdout.splitlines()) == 1  # the good file is still printed
    errors = result.stderr.splitlines()
    assert errors[0].startswith(f"{garbage}: cannot parse: ")
    assert errors[1].startswith(f"{missing}: cannot read: ")
