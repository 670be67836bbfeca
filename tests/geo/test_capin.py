"""Incoming CAP: every real sample in tests/fixtures/cap (see SOURCES.md there), then refusals.

Refusal cases are CONSTRUCTED: each edits one element of the real BMKG Banten nowcast (named
in its row) because no real message with that fault was found.
"""

from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest

from geo.capin import CapError
from geo.capin import parse_alert

CAP = Path(__file__).resolve().parents[1] / "fixtures" / "cap"
BANTEN = (CAP / "bmkg_CBT20260216004_banten.xml").read_text(encoding="utf-8")


def _load(name: str):
    return parse_alert((CAP / name).read_bytes())


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# file, version, msgType, identifier, sent (UTC), infos' languages, preferred event,
# (polygons, circles, geocodes) of the preferred info, references
SAMPLES = [
    (
        "bmkg_CBT20260216004_banten.xml",
        "1.2",
        "Alert",
        "2.49.0.1.360.0.2026.02.16.16.36.004",
        _utc(2026, 2, 16, 15, 50),
        ["id"],
        "Hujan Lebat dan Petir",
        (2, 0, 0),
        0,
    ),
    (
        "bmkg_CJG20260216005_jateng.xml",
        "1.2",
        "Alert",
        "2.49.0.1.360.0.2026.02.16.16.45.005",
        _utc(2026, 2, 16, 15, 0),
        ["id"],
        "Hujan Lebat dan Petir",
        (1, 0, 0),
        0,
    ),
    (
        "ec_2012-05-02_update_en_fr.cap",
        "1.2",
        "Update",
        "2.49.0.1.124.6bddbc91.2012",
        _utc(2012, 5, 2, 23, 21, 4),
        ["en-CA", "fr-CA"],
        "thunderstorm",
        (2, 0, 13),
        2,
    ),
    (
        "eccc_2019-10-20_update_multiline.xml",
        "1.2",
        "Update",
        "urn:oid:2.49.0.1.124.1576205950.2019",
        _utc(2019, 10, 20, 19, 56, 43),
        ["en-CA", "fr-CA"],
        "weather",
        (3, 0, 21),
        3,
    ),
    (
        "nswrfs_2011-10-05_circle_prefixed.cap",
        "1.2",
        "Alert",
        "tag:www.rfs.nsw.gov.au2011-10-06:40184",
        _utc(2011, 10, 5, 13, 4),
        ["en-AU", "en-AU"],
        "Fire",
        (0, 1, 1),
        0,
    ),
    (
        "nws_2003-06-17_oasis_example.cap",
        "1.2",
        "Alert",
        "KSTO1055887203",
        _utc(2003, 6, 17, 21, 57),
        ["en-US"],
        "SEVERE THUNDERSTORM",
        (1, 0, 3),
        0,
    ),
    (
        "usgs_2010-08-31_cap11_circle.cap",
        "1.1",
        "Alert",
        "USGS-earthquakes-us2010apcd.6.20100831T000925.496Z",
        _utc(2010, 8, 31, 5, 9, 25),
        ["en-US"],
        "Earthquake",
        (0, 1, 0),
        0,
    ),
    (
        "usgs_2012-10-14_iso8859-1.cap",
        "1.2",
        "Alert",
        "USGS-earthquakes-usB000D5T4.3947362.7.20121014T225304.360Z.0",
        _utc(2012, 10, 14, 22, 53, 4),
        ["en-US"],
        "Earthquake",
        (0, 1, 0),
        0,
    ),
    (
        "wcatwc_2011-09-02_tsunami_update.cap",
        "1.2",
        "Update",
        "PAAQ-2-lqw6d6",
        _utc(2011, 9, 2, 11, 36, 50),
        ["en-US"],
        "Tsunami Warning",
        (0, 0, 2),
        1,
    ),
]


@pytest.mark.parametrize(
    "name,version,msg_type,identifier,sent,languages,event,shapes,references", SAMPLES
)
def test_real_samples(
    name, version, msg_type, identifier, sent, languages, event, shapes, references
):
    alert = _load(name)
    info = alert.info
    assert (alert.version, alert.msg_type, alert.identifier, alert.sent) == (
        version,
        msg_type,
        identifier,
        sent,
    )
    assert [i.language for i in alert.infos] == languages
    assert info.event == event
    counted = (
        sum(len(a.polygons) for a in info.areas),
        sum(len(a.circles) for a in info.areas),
        sum(len(a.geocodes) for a in info.areas),
    )
    assert counted == shapes
    assert len(alert.references) == references
    assert alert.quirks == ()


def test_bmkg_nowcast_fields():
    alert = _load("bmkg_CBT20260216004_banten.xml")
    info = alert.info
    assert (alert.sender, alert.status, alert.scope) == (
        "cuaca.ekstrem@bmkg.go.id",
        "Actual",
        "Public",
    )
    assert (info.urgency, info.severity, info.certainty) == ("Immediate", "Moderate", "Observed")
    assert info.effective == _utc(2026, 2, 16, 16, 0) == alert.effective
    assert info.expires == _utc(2026, 2, 16, 19, 0) == alert.expires
    assert info.event_codes == (("OET", "OET-194"),)
    assert info.web == "https://nowcasting.bmkg.go.id/infografis/CBT/2026/02/16/infografis.jpg"
    assert info.headline == "Hujan Lebat disertai Petir di Banten"
    assert info.description.startswith("Hujan lebat disertai petir akan terjadi pada 16 February")
    area = info.areas[0]
    assert area.desc == "Banten"
    # CAP writes lat,lon; rings come back as GeoJSON (lon, lat), closed.
    assert area.polygons[0][0] == (105.994, -5.981) == area.polygons[0][-1]
    assert len(area.polygons[0]) == 14 and len(area.polygons[1]) == 19


def test_update_references_are_triples_in_utc():
    ref = _load("ec_2012-05-02_update_en_fr.cap").references
    assert [(r.sender, r.identifier, r.sent) for r in ref] == [
        ("cap@ec.gc.ca", "2.49.0.1.124.a3f342a4.2012", _utc(2012, 5, 2, 21, 45, 5)),
        ("cap@ec.gc.ca", "2.49.0.1.124.60f31a3a.2012", _utc(2012, 5, 2, 21, 55, 21)),
    ]


def test_two_languages_prefer_indonesian_then_english():
    alert = _load("ec_2012-05-02_update_en_fr.cap")
    assert alert.info.language == "en-CA"  # no Indonesian: English
    assert alert.info_for(("fr",)).language == "fr-CA"
    assert alert.info_for(("id", "en")).headline == "severe thunderstorm watch"


def test_polygons_and_references_spread_over_lines():
    # Environment Canada wraps long polygons and references over several lines.
    alert = _load("eccc_2019-10-20_update_multiline.xml")
    ring = alert.info.areas[0].polygons[0]
    assert ring[0] == (-89.0388, 48.5448) == ring[-1] and len(ring) == 19
    # Real quirk: the references were sent after this message; kept as sent.
    assert all(r.sent > alert.sent for r in alert.references)


def test_circles_prefixed_namespace_and_cap11():
    fire = _load("nswrfs_2011-10-05_circle_prefixed.cap").info.areas[0].circles[0]
    assert (fire.lat, fire.lon, fire.radius_km) == (-35.3888, 147.0598, 25.0)
    quake = _load("usgs_2010-08-31_cap11_circle.cap").info
    assert quake.language == "en-US"  # no <language>: CAP's default
    assert quake.areas[0].circles[0].radius_km == 0.0


def test_declared_encoding_is_honoured():
    alert = _load("usgs_2012-10-14_iso8859-1.cap")
    assert "\ufffd" not in (alert.info.description or "") + alert.info.areas[0].desc


def test_real_xxe_attack_file_is_refused():
    with pytest.raises(CapError) as err:
        _load("hostile_xxe.cap")
    assert err.value.field == "message" and "DTDForbidden" in err.value.reason


def _edit(old: str, new: str) -> str:
    assert old in BANTEN, old
    return BANTEN.replace(old, new, 1)


POLYGON_1 = "-6.559,106.416 -6.569,106.424"
# CONSTRUCTED refusals: (field, reason fragment, edited document)
REFUSALS = [
    (
        "info[0].area[0].polygon[1]",
        "3 points",
        _edit(
            BANTEN[BANTEN.index(POLYGON_1) :].split("</polygon>")[0],
            "-6.559,106.416 -6.569,106.424 -6.559,106.416",
        ),
    ),
    (
        "info[0].area[0].polygon[0]",
        "out of range",
        _edit("-5.981,105.994 -6.004", "-95.981,105.994 -6.004"),
    ),
    ("info[0].area[0].polygon[0]", "out of range", _edit("-6.004,106.022", "-6.004,186.022")),
    ("info[0].area[0].polygon[0]", "not a lat,lon pair", _edit("-6.004,106.022", "-6.004;106.022")),
    (
        "info[0].area[0].polygon[0]",
        "distinct",
        _edit(
            BANTEN[BANTEN.index("-5.981,105.994 -6.004") :].split("</polygon>")[0],
            "-5.981,105.994 -6.004,106.022 -5.981,105.994 -6.004,106.022",
        ),
    ),
    (
        "info[0].expires",
        "before sent",
        _edit("<expires>2026-02-17T02:00:00+07:00", "<expires>2026-02-16T22:00:00+07:00"),
    ),
    (
        "info[0].expires",
        "before effective",
        _edit("<expires>2026-02-17T02:00:00+07:00", "<expires>2026-02-16T22:55:00+07:00"),
    ),
    (
        "sent",
        "no time zone",
        _edit("2026-02-16T22:50:00+07:00</sent>", "2026-02-16T22:50:00</sent>"),
    ),
    ("sent", "not a date-time", _edit("2026-02-16T22:50:00+07:00</sent>", "kemarin</sent>")),
    ("msgType", "not one of", _edit("<msgType>Alert", "<msgType>Warning")),
    ("references", "which message", _edit("<msgType>Alert", "<msgType>Cancel")),
    (
        "references",
        "sender,identifier,sent",
        _edit(
            "<scope>Public</scope>",
            "<scope>Public</scope><references>cuaca.ekstrem@bmkg.go.id,x</references>",
        ),
    ),
    ("info[0].severity", "not one of", _edit("<severity>Moderate", "<severity>Bad")),
    ("info[0].event", "missing", _edit("<event>Hujan Lebat dan Petir</event>", "")),
    (
        "identifier",
        "missing",
        _edit("<identifier>2.49.0.1.360.0.2026.02.16.16.36.004</identifier>", ""),
    ),
    ("identifier", "comma", _edit("2.49.0.1.360.0.2026.02.16.16.36.004", "a,b")),
    ("info[0].area[0].areaDesc", "missing", _edit("<areaDesc>Banten</areaDesc>", "")),
    ("alert", "not a CAP alert", BANTEN.replace("urn:oasis:names:tc:emergency:cap:1.2", "urn:x")),
    ("message", "not well-formed", BANTEN[:-30]),
    (
        "message",
        "refused",
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><alert>&lol2;</alert>',
    ),
]


@pytest.mark.parametrize("field,reason,doc", REFUSALS)
def test_constructed_refusals_name_the_field(field, reason, doc):
    with pytest.raises(CapError) as err:
        parse_alert(doc)
    assert (err.value.field, reason in err.value.reason) == (field, True), str(err.value)


def test_size_limit_is_checked_before_parsing():
    with pytest.raises(CapError) as err:
        parse_alert(BANTEN, max_bytes=1000)
    assert err.value.field == "message" and "larger than" in err.value.reason
    assert parse_alert(BANTEN, max_bytes=len(BANTEN.encode())).identifier


def test_constructed_repairs_are_noted():
    # CONSTRUCTED: the first ring without its closing pair, a javascript: link, a BOM and
    # lower-case enumerations; all are repaired and named in quirks.
    ring = BANTEN[BANTEN.index("-5.981,105.994 -6.004") :].split("</polygon>")[0]
    doc = _edit(ring, ring.rsplit(" ", 1)[0])
    doc = doc.replace("<web>https://nowcasting", "<web>javascript:alert(1)//nowcasting", 1)
    doc = "\ufeff" + doc.replace("<msgType>Alert", "<msgType>alert").replace(">Public<", ">public<")
    alert = parse_alert(doc)
    assert alert.msg_type == "Alert" and alert.scope == "Public" and alert.info.web is None
    assert sorted(alert.quirks) == [
        "info[0].area[0].polygon[0]: ring closed",
        "info[0].web: not an http(s) link, dropped",
    ]
    ring = alert.info.areas[0].polygons[0]
    assert ring[0] == ring[-1] and len(ring) == 14


def test_cancel_without_info_is_accepted():
    # CONSTRUCTED: BMKG publishes no Cancel; this one cancels the Banten nowcast.
    doc = (
        '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>cancel-1</identifier>'
        "<sender>cuaca.ekstrem@bmkg.go.id</sender><sent>2026-02-16T23:30:00+07:00</sent>"
        "<status>Actual</status><msgType>Cancel</msgType><scope>Public</scope><references>"
        "cuaca.ekstrem@bmkg.go.id,2.49.0.1.360.0.2026.02.16.16.36.004,2026-02-16T22:50:00+07:00"
        "</references></alert>"
    )
    alert = parse_alert(doc)
    assert alert.info is None and alert.expires is None
    assert alert.references[0].identifier == "2.49.0.1.360.0.2026.02.16.16.36.004"
    assert alert.references[0].sent == _utc(2026, 2, 16, 15, 50)
