"""Reading Common Alerting Protocol (CAP) messages that other agencies send *to* Kendali.

``geo/cap.py`` writes Kendali's own alerts; this module reads BMKG's weather nowcasts and any
partner's CAP 1.2 (1.1, 1.0 and namespace-less documents are read the same way). Pure: bytes
in, frozen dataclasses out; fetching and storing are the server's job.

Strict where a wrong value would mislead (unknown ``msgType``, a time without a zone, a
polygon of three points, ``expires`` before ``sent``): the whole message is refused with a
:class:`CapError` naming the field. Tolerant where nothing is lost: any namespace prefix,
surrounding whitespace and line breaks inside polygons and references, enumerations in the
wrong case, unknown extra elements (XML signatures), several ``info`` blocks.

Decisions where CAP leaves room:
- An unclosed polygon ring (first pair not repeated last) is closed, not refused: BMKG and
  partners draw the same area either way, and refusing would drop a whole warning. The
  alert's ``quirks`` says so.
- ``Update`` and ``Cancel`` must carry ``references``: without them nothing says what they
  update, and a warning that cannot be matched must not be shown twice.
- A ``web`` value that is not http(s) is dropped (quirk noted): it ends up as a link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from xml.etree.ElementTree import Element

from geo.capgeom import CapCircle
from geo.capgeom import Ring
from geo.capgeom import parse_circle
from geo.capgeom import parse_ring
from geo.capxml import MAX_BYTES
from geo.capxml import CapError
from geo.capxml import Reader
from geo.capxml import load_xml
from geo.capxml import parse_time
from geo.capxml import split_tag

CAP_NAMESPACES: dict[str, str] = {
    "urn:oasis:names:tc:emergency:cap:1.2": "1.2",
    "urn:oasis:names:tc:emergency:cap:1.1": "1.1",
    "http://www.incident.com/cap/1.0": "1.0",
    "": "",
}
STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")
MSG_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")
SCOPES = ("Public", "Restricted", "Private")
CATEGORIES = (
    "Geo",
    "Met",
    "Safety",
    "Security",
    "Rescue",
    "Fire",
    "Health",
    "Env",
    "Transport",
    "Infra",
    "CBRNE",
    "Other",
)
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
#: Preferred languages, in order: Indonesian first, English kept for the English interface.
LANGUAGES = ("id", "en")
T = TypeVar("T")


@dataclass(frozen=True)
class CapReference:
    """One ``sender,identifier,sent`` triple of ``<references>``."""

    sender: str
    identifier: str
    sent: datetime


@dataclass(frozen=True)
class CapArea:
    """An ``<area>``; polygon rings are closed and in GeoJSON order, ``(lon, lat)``."""

    desc: str
    polygons: tuple[Ring, ...] = ()
    circles: tuple[CapCircle, ...] = ()
    geocodes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CapInfo:
    """One ``<info>`` block (one language). Times are UTC."""

    language: str
    categories: tuple[str, ...]
    event: str
    urgency: str
    severity: str
    certainty: str
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    web: str | None = None
    event_codes: tuple[tuple[str, str], ...] = ()
    parameters: tuple[tuple[str, str], ...] = ()
    areas: tuple[CapArea, ...] = ()


@dataclass(frozen=True)
class CapAlert:
    """A parsed CAP message. ``quirks`` lists what was repaired on the way in."""

    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str
    version: str = "1.2"
    references: tuple[CapReference, ...] = ()
    incidents: str | None = None
    infos: tuple[CapInfo, ...] = ()
    quirks: tuple[str, ...] = ()

    @property
    def info(self) -> CapInfo | None:
        """The block to show: Indonesian, else English, else the first (None: no info)."""
        return self.info_for(LANGUAGES)

    def info_for(self, languages: tuple[str, ...]) -> CapInfo | None:
        """The first block whose language starts with one of ``languages`` (``id`` matches
        ``id-ID``), else the first block."""
        for wanted in languages:
            for info in self.infos:
                if info.language.lower().split("-")[0] == wanted:
                    return info
        return self.infos[0] if self.infos else None

    @property
    def expires(self) -> datetime | None:
        """When the last block expires (None: no block says)."""
        times = [i.expires for i in self.infos if i.expires is not None]
        return max(times) if times else None

    @property
    def effective(self) -> datetime:
        """When the warning starts to apply (CAP: ``effective`` defaults to ``sent``)."""
        info = self.info
        return info.effective if info and info.effective else self.sent


def _enum(value: str, allowed: tuple[str, ...], field: str) -> str:
    for item in allowed:
        if item.lower() == value.lower():
            return item
    raise CapError(field, f"{value[:40]!r} is not one of {', '.join(allowed)}")


def _token(value: str, field: str) -> str:
    # Commas and spaces would break the references triples that point at this message.
    if any(ch in value for ch in ", \t\r\n"):
        raise CapError(field, "contains a comma or white space")
    return value


def _references(text: str) -> tuple[CapReference, ...]:
    out = []
    for triple in text.split():
        parts = triple.split(",")
        if len(parts) != 3 or not all(parts):
            raise CapError("references", f"{triple[:60]!r} is not sender,identifier,sent")
        out.append(CapReference(parts[0], parts[1], parse_time(parts[2], "references")))
    return tuple(out)


def _area(r: Reader, el: Element, field: str, quirks: list[str]) -> CapArea:
    rings = []
    for n, p in enumerate(r.all(el, "polygon")):
        ring, closed_here = _geometry(parse_ring, p.text, f"{field}.polygon[{n}]")
        rings.append(ring)
        if closed_here:
            quirks.append(f"{field}.polygon[{n}]: ring closed")
    circles = tuple(
        _geometry(parse_circle, c.text, f"{field}.circle[{n}]")
        for n, c in enumerate(r.all(el, "circle"))
    )
    return CapArea(
        r.need(el, "areaDesc", f"{field}.areaDesc"), tuple(rings), circles, r.pairs(el, "geocode")
    )


def _geometry(parse: Callable[[str], T], text: str | None, field: str) -> T:
    try:
        return parse(text or "")
    except ValueError as exc:
        raise CapError(field, str(exc)) from None


def _times(r: Reader, el: Element, field: str, sent: datetime) -> dict[str, datetime | None]:
    out = {
        name: (parse_time(t, f"{field}.{name}") if (t := r.text(el, name)) else None)
        for name in ("effective", "onset", "expires")
    }
    expires = out["expires"]
    if expires is not None and expires < sent:
        raise CapError(f"{field}.expires", "before sent")
    if expires is not None and out["effective"] is not None and expires < out["effective"]:
        raise CapError(f"{field}.expires", "before effective")
    return out


def _web(value: str | None, field: str, quirks: list[str]) -> str | None:
    if value and not value.lower().startswith(("https://", "http://")):
        quirks.append(f"{field}: not an http(s) link, dropped")
        return None
    return value


def _info(r: Reader, el: Element, field: str, sent: datetime, quirks: list[str]) -> CapInfo:
    categories = tuple(
        _enum((c.text or "").strip(), CATEGORIES, f"{field}.category")
        for c in r.all(el, "category")
    )
    if not categories:
        raise CapError(f"{field}.category", "missing")
    return CapInfo(
        language=r.text(el, "language") or "en-US",  # CAP's default
        categories=categories,
        event=r.need(el, "event", f"{field}.event"),
        urgency=_enum(r.need(el, "urgency", f"{field}.urgency"), URGENCIES, f"{field}.urgency"),
        severity=_enum(
            r.need(el, "severity", f"{field}.severity"), SEVERITIES, f"{field}.severity"
        ),
        certainty=_certainty(r.need(el, "certainty", f"{field}.certainty"), field),
        **_times(r, el, field, sent),
        sender_name=r.text(el, "senderName"),
        headline=r.text(el, "headline"),
        description=r.text(el, "description"),
        instruction=r.text(el, "instruction"),
        web=_web(r.text(el, "web"), f"{field}.web", quirks),
        event_codes=r.pairs(el, "eventCode"),
        parameters=r.pairs(el, "parameter"),
        areas=tuple(
            _area(r, a, f"{field}.area[{n}]", quirks) for n, a in enumerate(r.all(el, "area"))
        ),
    )


def _certainty(value: str, field: str) -> str:
    # CAP 1.0 had "Very Likely"; 1.1 folded it into "Likely".
    return (
        "Likely"
        if value.lower() == "very likely"
        else _enum(value, CERTAINTIES, f"{field}.certainty")
    )


def parse_alert(payload: bytes | str, max_bytes: int = MAX_BYTES) -> CapAlert:
    """Parse one CAP message.

    Args:
        payload: the document as received (bytes keep the declared encoding).
        max_bytes: larger documents are refused before parsing.

    Raises:
        CapError: the message is refused; ``field`` says which element and why.
    """
    root = load_xml(payload, max_bytes)
    ns, local = split_tag(root.tag)
    if local != "alert" or ns not in CAP_NAMESPACES:
        raise CapError("alert", f"root <{local}> in namespace {ns!r} is not a CAP alert")
    r, quirks = Reader(ns), list[str]()
    sent = parse_time(r.need(root, "sent", "sent"), "sent")
    msg_type = _enum(r.need(root, "msgType", "msgType"), MSG_TYPES, "msgType")
    references = _references(r.text(root, "references") or "")
    if msg_type in ("Update", "Cancel") and not references:
        raise CapError("references", f"a {msg_type} must say which message it replaces")
    return CapAlert(
        identifier=_token(r.need(root, "identifier", "identifier"), "identifier"),
        sender=_token(r.need(root, "sender", "sender"), "sender"),
        sent=sent,
        status=_enum(r.need(root, "status", "status"), STATUSES, "status"),
        msg_type=msg_type,
        scope=_enum(r.need(root, "scope", "scope"), SCOPES, "scope"),
        version=CAP_NAMESPACES[ns],
        references=references,
        incidents=r.text(root, "incidents"),
        infos=tuple(
            _info(r, el, f"info[{n}]", sent, quirks) for n, el in enumerate(r.all(root, "info"))
        ),
        quirks=tuple(quirks),
    )
