"""CAP feed indexes: the RSS 2.0 (BMKG's ``alerts/nowcast/id/rss.xml``) or Atom list that
points at one CAP message per warning.

Pure: the server fetches the index, calls :func:`parse_index`, then fetches each new link.
An item without a usable link cannot be fetched, so it is skipped and named in
``CapIndex.skipped`` (the poller counts it) rather than failing the whole index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

from geo.capxml import MAX_BYTES
from geo.capxml import CapError
from geo.capxml import Reader
from geo.capxml import load_xml
from geo.capxml import parse_time
from geo.capxml import split_tag

ATOM_NS = "http://www.w3.org/2005/Atom"
#: More items than this is not an index Kendali should follow blindly.
MAX_ITEMS = 1000


@dataclass(frozen=True)
class IndexItem:
    """One entry: the CAP document to fetch and what the index says about it."""

    link: str
    guid: str | None = None
    published: datetime | None = None
    title: str | None = None


@dataclass(frozen=True)
class CapIndex:
    """The usable items, in feed order, and the reasons others were skipped."""

    items: tuple[IndexItem, ...]
    skipped: tuple[str, ...] = ()
    updated: datetime | None = None


def _link(raw: str | None, base: str | None) -> str | None:
    """An absolute http(s) link (relative ones resolved against ``base``), else None."""
    if not raw:
        return None
    url = urljoin(base, raw) if base else raw
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def _rss_date(text: str | None) -> datetime | None:
    """RFC 822 ``pubDate`` (``Mon, 16 Feb 2026 22:50:00 +0700``); None without a zone."""
    if not text:
        return None
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return value.astimezone(UTC) if value.tzinfo else None


def _rss(root: Element, base: str | None) -> CapIndex:
    r = Reader("")
    channel = next(r.all(root, "channel"), None)
    if channel is None:
        raise CapError("channel", "missing")
    items, skipped = [], []
    for n, item in enumerate(r.all(channel, "item")):
        link = _link(r.text(item, "link"), base)
        if link is None:
            skipped.append(f"item[{n}].link: missing or not http(s)")
            continue
        items.append(
            IndexItem(
                link,
                r.text(item, "guid"),
                _rss_date(r.text(item, "pubDate")),
                r.text(item, "title"),
            )
        )
    updated = _rss_date(r.text(channel, "lastBuildDate") or r.text(channel, "pubDate"))
    return CapIndex(tuple(items), tuple(skipped), updated)


def _atom_link(r: Reader, entry: Element, base: str | None) -> str | None:
    """The ``application/cap+xml`` link when the entry has one, else its first link."""
    links = list(r.all(entry, "link"))
    cap = [el for el in links if "cap" in (el.get("type") or "")]
    chosen = (cap or links)[:1]
    return _link(chosen[0].get("href"), base) if chosen else None


def _atom_time(text: str | None) -> datetime | None:
    try:
        return parse_time(text, "updated") if text else None
    except CapError:
        return None


def _atom(root: Element, base: str | None) -> CapIndex:
    r = Reader(ATOM_NS)
    items, skipped = [], []
    for n, entry in enumerate(r.all(root, "entry")):
        link = _atom_link(r, entry, base)
        if link is None:
            skipped.append(f"entry[{n}].link: missing or not http(s)")
            continue
        published = _atom_time(r.text(entry, "updated") or r.text(entry, "published"))
        items.append(IndexItem(link, r.text(entry, "id"), published, r.text(entry, "title")))
    return CapIndex(tuple(items), tuple(skipped), _atom_time(r.text(root, "updated")))


def parse_index(
    payload: bytes | str, base_url: str | None = None, max_bytes: int = MAX_BYTES
) -> CapIndex:
    """Parse an RSS 2.0 or Atom index of CAP messages.

    Args:
        payload: the index as fetched.
        base_url: where it was fetched from, to resolve relative links.
        max_bytes: larger documents are refused before parsing.

    Raises:
        CapError: not XML, refused construct, too large, not RSS/Atom, too many items.
    """
    root = load_xml(payload, max_bytes)
    ns, local = split_tag(root.tag)
    if (ns, local) == ("", "rss"):
        index = _rss(root, base_url)
    elif (ns, local) == (ATOM_NS, "feed"):
        index = _atom(root, base_url)
    else:
        raise CapError("index", f"root <{local}> is neither RSS nor Atom")
    if len(index.items) > MAX_ITEMS:
        raise CapError("index", f"{len(index.items)} items, more than {MAX_ITEMS}")
    return index
