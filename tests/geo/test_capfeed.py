"""CAP indexes: BMKG's real nowcast RSS and a real NWS Atom index; hostile and broken ones."""

from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest

from geo.capfeed import parse_index
from geo.capin import CapError

CAP = Path(__file__).resolve().parents[1] / "fixtures" / "cap"
RSS = (CAP / "bmkg_nowcast_rss_2026-02-16.xml").read_bytes()


def test_bmkg_rss_gives_links_guids_and_times():
    index = parse_index(RSS)
    assert [i.link.rsplit("/", 1)[1] for i in index.items] == [
        "CBT20260216004_alert.xml",
        "CJG20260216005_alert.xml",
        "CSU20260216005_alert.xml",
    ]
    first = index.items[0]
    assert first.guid == "2.49.0.1.360.0.2026.02.16.16.36.004"
    assert first.title == "Hujan Lebat disertai Petir di Banten"
    # pubDate is local time with its offset (RFC 1123); lastBuildDate is UTC.
    assert first.published == datetime(2026, 2, 16, 15, 50, tzinfo=UTC)
    assert index.updated == datetime(2026, 2, 16, 16, 17, 19, tzinfo=UTC)
    assert index.skipped == ()


def test_rss_guid_matches_the_cap_identifier():
    from geo.capin import parse_alert

    alert = parse_alert((CAP / "bmkg_CBT20260216004_banten.xml").read_bytes())
    assert parse_index(RSS).items[0].guid == alert.identifier


def test_nws_atom_index():
    index = parse_index((CAP / "nws_2010-08-31_index.atom").read_bytes())
    assert len(index.items) == 2
    assert index.items[0].link.startswith("http://www.weather.gov/alerts-beta/wwacapget.php?x=")
    assert index.items[0].published == datetime(2010, 8, 31, 3, 4, tzinfo=UTC)
    assert index.updated == datetime(2010, 8, 31, 14, 24, tzinfo=UTC)


def test_relative_and_unusable_links():
    # CONSTRUCTED: three items of the real feed with their links edited.
    doc = RSS.decode()
    doc = doc.replace("https://www.bmkg.go.id/alerts/nowcast/id/CBT", "CBT", 1)
    doc = doc.replace("https://www.bmkg.go.id/alerts/nowcast/id/CJG", "javascript:CJG", 1)
    doc = doc.replace(
        "<link>https://www.bmkg.go.id/alerts/nowcast/id/CSU20260216005_alert.xml</link>", "", 1
    )
    index = parse_index(doc, base_url="https://www.bmkg.go.id/alerts/nowcast/id/rss.xml")
    assert [i.link for i in index.items] == [
        "https://www.bmkg.go.id/alerts/nowcast/id/CBT20260216004_alert.xml"
    ]
    assert index.skipped == (
        "item[1].link: missing or not http(s)",
        "item[2].link: missing or not http(s)",
    )


@pytest.mark.parametrize(
    "doc,field",
    [
        (b"<html><body>502 Bad Gateway</body></html>", "index"),
        (b"<rss version='2.0'></rss>", "channel"),
        (b"", "message"),
        (
            b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<rss><channel><item><link>&x;</link></item></channel></rss>",
            "message",
        ),
    ],
)
def test_broken_indexes_are_refused(doc, field):
    with pytest.raises(CapError) as err:
        parse_index(doc)
    assert err.value.field == field


def test_index_size_limit():
    with pytest.raises(CapError):
        parse_index(RSS, max_bytes=len(RSS) - 1)
