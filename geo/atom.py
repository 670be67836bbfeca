"""Atom (RFC 4287) feeds of alerts: pure builder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from xml.etree import ElementTree as ET

ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_TYPE = "application/cap+xml"


@dataclass(frozen=True)
class Entry:
    """One alert: ``link`` is its CAP message."""

    id: str
    title: str
    updated: datetime
    summary: str
    link: str
    category: str


def rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def feed(feed_id: str, title: str, self_url: str, author: str, entries: list[Entry],
         now: datetime) -> bytes:
    """The feed: ``updated`` is the newest entry's time (``now`` when there is none)."""
    ET.register_namespace("", ATOM_NS)
    root = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(root, "id", feed_id)
    _sub(root, "title", title)
    _sub(root, "updated", rfc3339(max((e.updated for e in entries), default=now)))
    _sub(root, "link", rel="self", href=self_url, type="application/atom+xml")
    _sub(_sub(root, "author"), "name", author)
    for e in entries:
        el = _sub(root, "entry")
        _sub(el, "id", e.id)
        _sub(el, "title", e.title)
        _sub(el, "updated", rfc3339(e.updated))
        _sub(el, "link", rel="alternate", href=e.link, type=CAP_TYPE)
        _sub(el, "category", term=e.category)
        _sub(el, "summary", e.summary)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
