"""Hazard and severity of incoming warnings: real CAP samples, the real InaTEWS tsunami
message in ../shared (its zones are all WASPADA), and constructed zones for AWAS/SIAGA."""

import json
import os
from pathlib import Path

import pytest

from geo.bmkg import parse_feed
from geo.capin import parse_alert
from geo.hazards import EXTREME_WEATHER
from geo.hazards import Classification
from geo.hazards import classify
from geo.hazards import classify_zones
from geo.hazards import hazard_of_event
from geo.hazards import highest_level
from geo.hazards import zone_regencies
from geo.tsunami import Regency

CAP = Path(__file__).resolve().parents[1] / "fixtures" / "cap"
SHARED = Path(
    os.environ.get("KENDALI_SHARED_DIR", Path(__file__).resolve().parents[2].parent / "shared")
)
MENTAWAI = (
    SHARED / "data" / "bmkg" / "inatews_json" / "inatews_2023-04-25_tsunami_pd1_mentawai.json"
)


@pytest.mark.parametrize(
    "name,expected",
    [
        ("bmkg_CBT20260216004_banten.xml", Classification("flood", "moderate")),
        ("bmkg_CJG20260216005_jateng.xml", Classification("flood", "moderate")),
        ("ec_2012-05-02_update_en_fr.cap", Classification(EXTREME_WEATHER, "minor")),
        ("nws_2003-06-17_oasis_example.cap", Classification(EXTREME_WEATHER, "severe")),
        ("nswrfs_2011-10-05_circle_prefixed.cap", Classification("fire", "minor")),
        ("usgs_2010-08-31_cap11_circle.cap", Classification("earthquake", "minor")),  # Unknown
        ("wcatwc_2011-09-02_tsunami_update.cap", Classification("tsunami", "extreme")),
        # "weather" says nothing; the category Met does.
        ("eccc_2019-10-20_update_multiline.xml", Classification(EXTREME_WEATHER, "minor")),
    ],
)
def test_real_samples(name, expected):
    assert classify(parse_alert((CAP / name).read_bytes())) == expected


@pytest.mark.parametrize(
    "event,hazard",
    [
        ("Hujan Lebat dan Petir", "flood"),  # BMKG id
        ("Hujan Sedang-Lebat disertai Petir dan Angin Kencang", "flood"),
        ("Thunderstorm", EXTREME_WEATHER),  # BMKG en for the same warning
        ("Hujan Es", EXTREME_WEATHER),
        ("Angin Puting Beliung", EXTREME_WEATHER),
        ("Gelombang Tinggi", EXTREME_WEATHER),
        ("Banjir Rob", "flood"),
        ("Tanah Longsor", "landslide"),
        ("Peringatan Dini Tsunami", "tsunami"),
        ("Erupsi Gunung Api", "volcano"),
        ("Gempabumi", "earthquake"),
        ("Kabut Asap", None),
    ],
)
def test_event_names(event, hazard):
    assert hazard_of_event(event) == hazard


def test_indonesian_block_decides_over_english():
    # CONSTRUCTED: the real Banten nowcast with an English block BMKG would add.
    doc = (CAP / "bmkg_CBT20260216004_banten.xml").read_text(encoding="utf-8")
    english = (
        "<info><language>en</language><category>Met</category><event>Thunderstorm</event>"
        "<urgency>Immediate</urgency><severity>Severe</severity>"
        "<certainty>Observed</certainty><headline>Thunderstorm in Banten</headline>"
        "<area><areaDesc>Banten</areaDesc></area></info>"
    )
    alert = parse_alert(doc.replace("  <info>", english + "  <info>", 1))
    assert [i.language for i in alert.infos] == ["en", "id"]
    assert classify(alert) == Classification("flood", "moderate")


def test_real_inatews_warning_zones():
    if not MENTAWAI.exists():
        pytest.fail(f"{MENTAWAI} not found; set KENDALI_SHARED_DIR")
    sighting = parse_feed(MENTAWAI.read_bytes()).sightings[0]
    assert classify_zones(sighting.wzarea) == Classification("tsunami", "moderate", "WASPADA")
    sumut = [Regency("12.14", "Kabupaten Nias Selatan"), Regency("12.01", "Kabupaten Nias")]
    found = zone_regencies(sighting.wzarea, sumut)
    assert [(r.code, level) for r, level in found] == [("12.14", "WASPADA")]


def test_constructed_zones_take_the_highest_level():
    # CONSTRUCTED: the real zone repeated with the two higher levels no real sample shows.
    zone = json.loads(MENTAWAI.read_text())["info"]["wzarea"][0]
    zones = [
        zone,
        {**zone, "level": "awas "},
        {**zone, "level": "SIAGA"},
        {**zone, "district": "KOTA ENTAH", "level": "SIAGA"},
    ]
    assert classify_zones(zones) == Classification("tsunami", "extreme", "AWAS")
    found = zone_regencies(zones, [Regency("12.14", "Kabupaten Nias Selatan")])
    assert [(r.code, level) for r, level in found] == [("12.14", "AWAS")]
    assert classify_zones([{**zone, "level": "POTENSI"}]) is None


def test_cap_tsunami_level_from_text():
    # CONSTRUCTED: the real WCATWC tsunami update with an InaTEWS level in its headline.
    doc = (CAP / "wcatwc_2011-09-02_tsunami_update.cap").read_text(encoding="utf-8")
    doc = doc.replace("<headline>The tsunami Warning", "<headline>SIAGA: The tsunami Warning", 1)
    assert classify(parse_alert(doc)) == Classification("tsunami", "severe", "SIAGA")


def test_highest_level():
    assert highest_level(["WASPADA", "siaga", "x"]) == "SIAGA"
    assert highest_level([]) is None
