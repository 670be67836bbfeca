"""Common Alerting Protocol 1.2 (OASIS) and Atom: pure builders and mappings.

CAP writes coordinates as ``lat,lon`` pairs (WGS 84), polygons as closed rings of at least
four pairs, and times as ``YYYY-MM-DDThh:mm:ss+hh:mm`` (no ``Z``: UTC is ``-00:00``). Kendali
writes times in WIB (UTC+07:00), as BMKG does. Areas carry their Kemendagri codes as
``<geocode><valueName>KEMENDAGRI</valueName>``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from xml.etree import ElementTree as ET

from shapely import wkb as shapely_wkb
from shapely.geometry import MultiPolygon
from shapely.geometry import Polygon

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
WIB = timezone(timedelta(hours=7), "WIB")
MAX_VERTICES = 100  # per polygon ring: partner systems choke on 10,000-point coastlines
MAX_POLYGONS = 10  # per area: the largest parts (islands); the geocode names the whole area

#: Kendali incident hazard -> CAP category.
HAZARD_CATEGORY = {
    "earthquake": "Geo", "tsunami": "Geo", "landslide": "Geo", "volcano": "Geo",
    "flood": "Met", "drought": "Met", "extreme_weather": "Met", "fire": "Fire",
    "social_unrest": "Security", "other": "Other",
}
#: Hazard names (id-ID, en-US) for ``<event>``.
HAZARD_EVENT = {
    "earthquake": ("Gempa bumi", "Earthquake"), "tsunami": ("Tsunami", "Tsunami"),
    "landslide": ("Tanah longsor", "Landslide"), "volcano": ("Erupsi gunung api",
                                                             "Volcanic eruption"),
    "flood": ("Banjir", "Flood"), "drought": ("Kekeringan", "Drought"),
    "extreme_weather": ("Cuaca ekstrem", "Extreme weather"),
    "fire": ("Kebakaran", "Fire"), "social_unrest": ("Konflik sosial", "Social unrest"),
    "other": ("Kejadian lain", "Other hazard"),
}


def cap_time(value: datetime) -> str:
    """CAP dateTime: seconds, explicit offset, in WIB."""
    return value.astimezone(WIB).replace(microsecond=0).isoformat()


def quake_severity(max_mmi: float | None) -> str:
    """CAP severity of a quake from its strongest predicted intensity (MMI)."""
    if max_mmi is None:
        return "Unknown"
    if max_mmi >= 8.0:
        return "Extreme"  # VIII+: heavy damage to ordinary buildings
    if max_mmi >= 7.0:
        return "Severe"  # VII: considerable damage to poorly built structures
    if max_mmi >= 6.0:
        return "Moderate"  # VI: felt by all, slight damage
    return "Minor"


def quake_urgency(max_mmi: float | None, incident_mmi: float) -> str:
    """``Immediate`` when the quake is strong enough to open an incident (people are being
    sent), ``Past`` otherwise: the shaking is over and nothing is asked of anyone."""
    return "Immediate" if max_mmi is not None and max_mmi >= incident_mmi else "Past"


def incident_severity(severity: str) -> str:
    return severity.capitalize() if severity in ("minor", "moderate", "severe",
                                                 "extreme") else "Unknown"


def roman(mmi: float | None) -> str:
    if mmi is None:
        return "?"
    n = max(1, min(12, int(round(mmi))))
    return ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"][n - 1]


# -- geometry -------------------------------------------------------------------------------
def _ring_text(coords: Iterable[tuple[float, float]]) -> str:
    """CAP polygon text: ``lat,lon`` pairs, space-separated, first pair repeated last."""
    pts = [(round(y, 4), round(x, 4)) for x, y in coords]
    if pts[0] != pts[-1]:
        pts.append(pts[0])
    return " ".join(f"{lat},{lon}" for lat, lon in pts)


def _simplified(poly: Polygon, max_vertices: int) -> Polygon:
    """The exterior ring simplified until it has at most ``max_vertices`` points."""
    ring = Polygon(poly.exterior)
    tolerance = 0.001
    while len(ring.exterior.coords) > max_vertices and tolerance < 10:
        simpler = ring.simplify(tolerance, preserve_topology=False)
        if isinstance(simpler, Polygon) and not simpler.is_empty \
                and len(simpler.exterior.coords) >= 4:
            ring = simpler if len(simpler.exterior.coords) < len(ring.exterior.coords) else ring
        tolerance *= 2
    if len(ring.exterior.coords) > max_vertices:  # degenerate shapes: fall back to the hull box
        ring = Polygon.from_bounds(*poly.bounds)
    return ring


def polygons_from_wkb(data: bytes, max_polygons: int = MAX_POLYGONS,
                      max_vertices: int = MAX_VERTICES) -> list[str]:
    """CAP polygon texts of a (multi)polygon: its largest parts, simplified, holes dropped."""
    geom = shapely_wkb.loads(bytes(data))
    parts = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    parts = [p for p in parts if isinstance(p, Polygon) and not p.is_empty]
    parts.sort(key=lambda p: p.area, reverse=True)
    return [_ring_text(_simplified(p, max_vertices).exterior.coords)
            for p in parts[:max_polygons]]


# -- the message ----------------------------------------------------------------------------
@dataclass
class Area:
    desc: str
    polygons: list[str] = field(default_factory=list)
    circles: list[str] = field(default_factory=list)
    geocodes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Info:
    language: str
    category: str
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str
    description: str
    sender_name: str
    response_type: str | None = None
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    web: str | None = None
    parameters: list[tuple[str, str]] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)


@dataclass
class Alert:
    identifier: str
    sender: str
    sent: datetime
    msg_type: str
    status: str = "Actual"
    scope: str = "Restricted"
    restriction: str | None = None
    references: list[tuple[str, datetime]] = field(default_factory=list)
    incidents: str | None = None
    infos: list[Info] = field(default_factory=list)


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        el.text = text
    return el


def _pairs(parent: ET.Element, tag: str, items: Iterable[tuple[str, str]]) -> None:
    for name, value in items:
        el = _sub(parent, tag)
        _sub(el, "valueName", name)
        _sub(el, "value", value)


def _info(root: ET.Element, info: Info) -> None:
    el = _sub(root, "info")
    _sub(el, "language", info.language)
    _sub(el, "category", info.category)
    _sub(el, "event", info.event)
    if info.response_type:
        _sub(el, "responseType", info.response_type)
    for tag in ("urgency", "severity", "certainty"):
        _sub(el, tag, getattr(info, tag))
    for tag in ("effective", "onset", "expires"):
        if getattr(info, tag):
            _sub(el, tag, cap_time(getattr(info, tag)))
    _sub(el, "senderName", info.sender_name)
    _sub(el, "headline", info.headline)
    _sub(el, "description", info.description)
    if info.web:
        _sub(el, "web", info.web)
    _pairs(el, "parameter", info.parameters)
    for area in info.areas:
        a = _sub(el, "area")
        _sub(a, "areaDesc", area.desc)
        for text in area.polygons:
            _sub(a, "polygon", text)
        for text in area.circles:
            _sub(a, "circle", text)
        _pairs(a, "geocode", area.geocodes)


def to_xml(alert: Alert) -> bytes:
    """The CAP 1.2 document (UTF-8, with XML declaration), elements in schema order."""
    ET.register_namespace("", CAP_NS)
    root = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(root, "identifier", alert.identifier)
    _sub(root, "sender", alert.sender)
    _sub(root, "sent", cap_time(alert.sent))
    _sub(root, "status", alert.status)
    _sub(root, "msgType", alert.msg_type)
    _sub(root, "scope", alert.scope)
    if alert.restriction:
        _sub(root, "restriction", alert.restriction)
    if alert.references:
        _sub(root, "references", " ".join(f"{alert.sender},{ident},{cap_time(sent)}"
                                          for ident, sent in alert.references))
    if alert.incidents:
        _sub(root, "incidents", alert.incidents)
    for info in alert.infos:
        _info(root, info)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
