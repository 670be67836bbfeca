"""The response table, lifetimes, tsunami zones of a CAP message and polygon districts."""

from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest

from geo import warnings as w
from geo.capin import parse_alert
from geo.dispatch import HAZARDS
from geo.dispatch import SEVERITIES

CAP = Path(__file__).resolve().parents[1] / "fixtures" / "cap"
DEFAULT = w.parse_table(w.DEFAULT_TABLE, HAZARDS, SEVERITIES)


@pytest.mark.parametrize("hazard,severity,action", [
    ("flood", "minor", "show"),
    ("flood", "moderate", "show"),  # BMKG's everyday nowcast
    ("flood", "severe", "standby"),
    ("flood", "extreme", "incident"),
    ("extreme_weather", "severe", "standby"),
    ("landslide", "moderate", "standby"),
    ("tsunami", "moderate", "standby"),  # WASPADA
    ("tsunami", "severe", "incident"),  # SIAGA
    ("tsunami", "extreme", "incident"),  # AWAS
    ("earthquake", "extreme", "show"),  # the quake feeds dispatch quakes
    ("other", "extreme", "incident"),
])
def test_the_default_table(hazard, severity, action):
    assert w.action_for(DEFAULT, hazard, severity) == action


def test_the_most_specific_rule_wins_and_a_later_entry_replaces_an_earlier():
    rules = w.parse_table(["*:*=standby", "flood:*=show", "*:extreme=incident",
                           "flood:extreme=standby", "flood:*=incident"], HAZARDS, SEVERITIES)
    assert w.action_for(rules, "flood", "minor") == "incident"  # the later flood:* entry
    assert w.action_for(rules, "flood", "extreme") == "standby"
    assert w.action_for(rules, "fire", "extreme") == "incident"
    assert w.action_for(rules, "fire", "minor") == "standby"
    assert w.action_for((), "fire", "minor") == "show"


@pytest.mark.parametrize("entry,words", [
    ("flood=show", "hazard:severity=action"),
    ("flood:severe", "hazard:severity=action"),
    ("banjir:severe=show", "unknown hazard"),
    ("flood:big=show", "unknown severity"),
    ("flood:severe=evacuate", "show, standby, incident"),
])
def test_a_bad_entry_says_what_is_wrong(entry, words):
    with pytest.raises(ValueError, match=words):
        w.parse_table([entry], HAZARDS, SEVERITIES)


def test_actions_include_the_lesser_ones():
    assert w.at_least("incident", "standby") and w.at_least("standby", "show")
    assert not w.at_least("show", "standby")


def test_a_warning_without_expires_lasts_a_day():
    start = datetime(2026, 2, 16, 16, tzinfo=UTC)
    assert w.ends_at(start, None) == datetime(2026, 2, 17, 16, tzinfo=UTC)
    assert w.ends_at(start, start) == start


def _tsunami(areas: str, headline: str = "Peringatan Dini Tsunami") -> bytes:
    # CONSTRUCTED: the recorded Banten nowcast turned into an InaTEWS-style tsunami warning
    # (no real InaTEWS CAP message was found: tests/fixtures/cap/SOURCES.md).
    doc = (CAP / "bmkg_CBT20260216004_banten.xml").read_text(encoding="utf-8")
    start, end = doc.index("<area>"), doc.index("</area>") + len("</area>")
    doc = doc[:start] + areas + doc[end:]
    doc = doc.replace("<event>Hujan Lebat dan Petir</event>", "<event>Tsunami</event>")
    return doc.replace("<headline>Hujan Lebat disertai Petir di Banten</headline>",
                       f"<headline>{headline}</headline>").encode()


def test_tsunami_zones_take_their_level_from_the_area_or_the_message():
    areas = ("<area><areaDesc>PANDEGLANG BAGIAN SELATAN</areaDesc><geocode><valueName>province"
             "</valueName><value>BANTEN</value></geocode><geocode><valueName>level</valueName>"
             "<value>AWAS</value></geocode></area>"
             "<area><areaDesc>LEBAK SIAGA</areaDesc></area>"
             "<area><areaDesc>SERANG</areaDesc></area>")
    zones = w.tsunami_zones(parse_alert(_tsunami(areas, "Peringatan Dini Tsunami: WASPADA")))
    assert zones == (
        {"district": "PANDEGLANG BAGIAN SELATAN", "province": "BANTEN", "level": "AWAS"},
        {"district": "LEBAK SIAGA", "province": "", "level": "SIAGA"},
        {"district": "SERANG", "province": "", "level": "WASPADA"},
    )
    assert w.tsunami_zones(parse_alert(_tsunami(areas.replace("SIAGA", "")))) == (
        {"district": "PANDEGLANG BAGIAN SELATAN", "province": "BANTEN", "level": "AWAS"},)
    assert w.opens_incident("AWAS") and w.opens_incident("SIAGA")
    assert not w.opens_incident("WASPADA") and not w.opens_incident(None)


def test_polygon_districts_keep_the_main_district_and_drop_grazed_neighbours():
    hits = [
        (0, "36.02.25", 0.90, 0.40),  # the ring's own district
        (0, "36.02.24", 0.08, 0.02),  # grazed along the border
        (1, "36.72.08", 0.55, 0.70),  # a ring across two districts
        (1, "36.72.07", 0.45, 0.30),
        (2, "36.04.01", 0.05, 0.80),  # a big partner polygon covering most of a district
        (2, "36.04.02", 0.04, 0.60),
        (2, "36.04.03", 0.02, 0.10),
    ]
    assert w.polygon_districts(hits) == {"36.02.25": 0.9, "36.72.08": 0.55, "36.72.07": 0.45,
                                         "36.04.01": 0.05, "36.04.02": 0.04}
