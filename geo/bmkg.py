"""Parse every BMKG earthquake feed Kendali reads into :class:`~geo.quake.Sighting` values.

Pure: bytes or text in, sightings out; fetching is ``server/feed.py``'s job. The format is
detected from the payload itself (see ``shared/data/SOURCES.md`` section 1):

- TEWS ``autogempa`` / ``gempaterkini`` / ``gempadirasakan``, JSON or XML (also the ~2019 XML
  and a bare JSON list of gempa objects);
- InaTEWS alert messages (an ``info`` object);
- the real-time "QL" and the significant-quake ("katalog") GeoJSON collections;
- the felt archive (transformed ``gempadirasakan`` records).

A payload that is not a feed raises :class:`FeedParseError`. A feed with some bad records is
still a feed: each bad record becomes a :class:`Rejection` and the others are returned.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import Any

from geo.crs import valid_lat_lon
from geo.quake import SOURCES
from geo.quake import FeltReport
from geo.quake import Sighting
from geo.quake import iso_utc

#: How far past ``now`` an origin time may be before the record counts as mis-dated.
#: A few minutes absorb clock skew between BMKG and us; BMKG's wrong-year records are far out.
FUTURE_TOLERANCE = timedelta(minutes=5)
MAX_DEPTH_KM = 1000.0  # the deepest quakes ever recorded are near 700 km

TEWS_SOURCES = ("autogempa", "gempaterkini", "gempadirasakan")

_NUMERALS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
_ROMAN = {numeral: value for value, numeral in enumerate(_NUMERALS, 1)}
# Indonesian and English month abbreviations share most first three letters; the rest differ.
_BULAN = ("jan", "feb", "mar", "apr", "mei", "jun", "jul", "agu", "sep", "okt", "nov", "des")
_MONTHS = {name: value for value, name in enumerate(_BULAN, 1)}
_MONTHS.update({"may": 5, "aug": 8, "oct": 10, "dec": 12})
# Indonesia's three civil zones; BMKG writes WIB (UTC+7) even for quakes in WITA or WIT land.
_ZONES = {"WIB": 7, "WITA": 8, "WIT": 9, "UTC": 0, "GMT": 0}

_DATE = re.compile(r"^(\d{1,2})[\s/-]+([A-Za-z]+|\d{1,2})[\s/-]+(\d{4}|\d{2})$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})[:.](\d{2})(?:\.\d+)?\s*([A-Za-z]+)?$")
_NUMBER = re.compile(r"^([-+]?\d+(?:[.,]\d+)?)\s*(km|sr|mw|ml|mb|m)?$", re.IGNORECASE)
_HEMISPHERE = re.compile(r"^(\d+(?:\.\d+)?)\s*(LS|LU|BT|BB|S|N|E|W)$", re.IGNORECASE)
_SIGN = {"LS": -1, "S": -1, "BB": -1, "W": -1, "LU": 1, "N": 1, "BT": 1, "E": 1}
_SHAKEMAP_ID = re.compile(r"^(\d{14})\.mmi\.jpg$")
_TSUNAMI_WARNING = re.compile(
    r"peringatan\s+dini\s+tsunami|warning\s+tsunami|tsunami\s+warning", re.IGNORECASE
)

_LEVEL = r"(?:[IVX]+|\d{1,2})"
_FELT_LEADING = re.compile(
    rf"^(?P<lo>{_LEVEL})(?:\s*-\s*(?P<hi>{_LEVEL}))?(?:\s+MMI)?\s+(?P<place>\S.*)$", re.I
)
# "Kota Jayapura II", "Nabire II-III": a few archive entries put the level last.
_FELT_TRAILING = re.compile(r"^(?P<place>.*?\S)\s+(?P<lo>[IVX]+)(?:\s*-\s*(?P<hi>[IVX]+))?$")
# Split on ',' or ';' but not inside "(...)": "II-III Kab. Garut (Cikelet, Pameungpeuk)".
_FELT_SEPARATOR = re.compile(r"[,;](?![^()]*\))")


class FeedParseError(ValueError):
    """The payload is not a BMKG feed: empty, an HTML error page, broken JSON, unknown shape.

    ``summary`` says what is wrong without repeating anything of the payload (what a feed's
    status may show); the message adds ``detail`` (a snippet, keys, the parser's words).
    """

    def __init__(self, summary: str, detail: str | None = None) -> None:
        """``summary``: the kind of problem; ``detail``: what was found (payload text)."""
        super().__init__(f"{summary}: {detail}" if detail else summary)
        self.summary = summary


class RecordError(ValueError):
    """One record of a feed is unusable; the message is the rejection reason."""


@dataclass(frozen=True)
class Rejection:
    """A record left out of the result: its index in the feed and why."""

    position: int | str
    reason: str


@dataclass
class ParseResult:
    """What :func:`parse_feed` found: usable sightings, rejected records and the feed name."""

    sightings: list[Sighting] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    source: str | None = None


Reader = Callable[[Any, str], Sighting]


def parse_feed(
    payload: bytes | str, source_hint: str | None = None, now: datetime | None = None
) -> ParseResult:
    """Parse one BMKG feed payload.

    Args:
        payload: the body as fetched (bytes) or text.
        source_hint: the feed name (one of :data:`geo.quake.SOURCES`) or a file name or URL
            containing it. Only needed to tell the three TEWS lists apart; a hint that
            contradicts the payload's shape is ignored.
        now: the reference for the future-date check; defaults to the current UTC time and
            is taken as UTC when naive.

    Raises:
        FeedParseError: the payload is not a feed at all.
    """
    now = datetime.now(UTC) if now is None else _as_utc(now)
    source, records, reader = _classify(_load(payload), _normalize_hint(source_hint))
    result = ParseResult(source=source)
    for position, record in enumerate(records):
        try:
            sighting = reader(record, source)
            _check(sighting, now)
        except RecordError as exc:
            result.rejected.append(Rejection(position, str(exc)))
        # One odd record (a nested surprise, a type no reader expects) must not sink the feed.
        except Exception as exc:
            result.rejected.append(Rejection(position, f"unreadable record: {exc!r}"))
        else:
            result.sightings.append(sighting)
    return result


def hint_from_name(name: str) -> str | None:
    """Guess the feed from a file name or URL (``gempaQL_2026.json`` -> ``realtime_ql``)."""
    lowered = name.lower()
    for marker, source in (
        ("autogempa", "autogempa"),
        ("gempaterkini", "gempaterkini"),
        ("gempadirasakan", "gempadirasakan"),
        ("inatews", "inatews"),
        ("datagempa", "inatews"),
        ("gempaql", "realtime_ql"),
        ("realtime", "realtime_ql"),
        ("katalog", "katalog_signifikan"),
        ("felt_archive", "felt_archive"),
        ("earthquakes_felt", "felt_archive"),
    ):
        if marker in lowered:
            return source
    return None


def _normalize_hint(hint: str | None) -> str | None:
    if not hint or hint in SOURCES:
        return hint
    return hint_from_name(hint)


# --- payload -> document ---------------------------------------------------------------------


def _load(payload: bytes | str) -> Any:
    """Decode the payload into JSON values or the XML root element."""
    if isinstance(payload, bytes | bytearray):
        try:
            text = bytes(payload).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FeedParseError(f"payload is not UTF-8 text ({exc.reason})") from None
    elif isinstance(payload, str):
        text = payload.lstrip("\ufeff")
    else:
        raise FeedParseError(f"payload must be bytes or text, not {type(payload).__name__}")
    text = text.strip()
    if not text:
        raise FeedParseError("empty payload")
    if text.startswith("<"):
        return _load_xml(text)
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise FeedParseError("neither XML nor valid JSON", str(exc)) from None


def _load_xml(text: str) -> ET.Element:
    head = text[:200].lower()
    if "<html" in head or "<!doctype html" in head:
        raise FeedParseError("an HTML page, not a feed", " ".join(text[:120].split()))
    # BMKG's XML never declares a DTD; refusing one keeps entity tricks out of the parser.
    if "<!doctype" in text.lower() or "<!entity" in text.lower():
        raise FeedParseError("XML with a document type declaration is refused")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise FeedParseError("invalid XML", str(exc)) from None
    if root.tag != "Infogempa":
        raise FeedParseError("XML root is not <Infogempa>", f"<{root.tag}>")
    return root


def _element_dict(element: ET.Element) -> dict[str, Any]:
    """``<gempa><Jam>..</Jam><point><coordinates>..</coordinates></point>`` -> nested dict."""
    out: dict[str, Any] = {}
    for child in element:
        out[child.tag] = _element_dict(child) if len(child) else (child.text or "").strip()
    return out


# --- document -> (source, records, reader) ---------------------------------------------------


def _classify(doc: Any, hint: str | None) -> tuple[str, list[Any], Reader]:
    if isinstance(doc, ET.Element):
        gempa = [_element_dict(el) for el in doc.iter("gempa")]
        if not gempa:
            raise FeedParseError("<Infogempa> holds no <gempa> element")
        return _tews_source(gempa, hint, single=len(gempa) == 1), gempa, _read_tews
    if isinstance(doc, dict):
        return _classify_object(doc, hint)
    if isinstance(doc, list):
        return _classify_list(doc, hint)
    raise FeedParseError(f"a JSON {type(doc).__name__} is not a feed")


def _classify_object(doc: dict[str, Any], hint: str | None) -> tuple[str, list[Any], Reader]:
    if "Infogempa" in doc:
        envelope = doc["Infogempa"]
        gempa = envelope.get("gempa") if isinstance(envelope, dict) else None
        if isinstance(gempa, dict):
            return _tews_source([gempa], hint, single=True), [gempa], _read_tews
        if isinstance(gempa, list):
            return _tews_source(gempa, hint, single=False), gempa, _read_tews
        raise FeedParseError("Infogempa has no gempa object or list")
    if isinstance(doc.get("info"), dict):
        return "inatews", [doc["info"]], _read_inatews
    if doc.get("type") == "FeatureCollection" and isinstance(doc.get("features"), list):
        source = _collection_source(doc["features"], hint)
        reader = _read_katalog if source == "katalog_signifikan" else _read_ql
        return source, doc["features"], reader
    if "Tanggal" in doc or "DateTime" in doc:  # one bare gempa object
        return _tews_source([doc], hint, single=True), [doc], _read_tews
    raise FeedParseError("unknown JSON object", f"keys {sorted(doc)[:8]}")


def _classify_list(doc: list[Any], hint: str | None) -> tuple[str, list[Any], Reader]:
    if not doc:
        return hint or "autogempa", [], _read_tews
    first = next((item for item in doc if isinstance(item, dict)), None)
    if first is not None and "earthquakeAt" in first:
        return "felt_archive", doc, _read_archive
    if first is not None and ("Tanggal" in first or "DateTime" in first):
        return _tews_source(doc, hint, single=len(doc) == 1), doc, _read_tews
    raise FeedParseError("a JSON list of neither gempa records nor felt-archive records")


def _tews_source(items: list[Any], hint: str | None, single: bool) -> str:
    """Name the TEWS feed: the hint if it is one, else guess from which keys the items carry."""
    if hint is not None and hint in TEWS_SOURCES:
        return hint
    records = [item for item in items if isinstance(item, dict)]
    if single:
        return "autogempa"
    if records and not any("Dirasakan" in r for r in records):
        return "gempaterkini"  # the M5+ list carries Potensi but no Dirasakan
    if records and not any("Potensi" in r for r in records):
        return "gempadirasakan"  # the felt list carries Dirasakan but no Potensi
    return "autogempa"


def _collection_source(features: list[Any], hint: str | None) -> str:
    if hint is not None and hint in ("realtime_ql", "katalog_signifikan"):
        return hint
    for feature in features:
        props = feature.get("properties") if isinstance(feature, dict) else None
        if isinstance(props, dict) and ("ot_utc" in props or "id_event" in props):
            return "katalog_signifikan"
        if isinstance(props, dict) and "time" in props:
            return "realtime_ql"
    if not features:
        return hint or "realtime_ql"
    raise FeedParseError("a FeatureCollection of neither BMKG QL nor katalog features")


# --- record readers: one per format ----------------------------------------------------------


def _read_tews(record: Any, source: str) -> Sighting:
    """A TEWS gempa record (JSON object or XML element turned dict)."""
    rec = _mapping(record)
    potensi = _text(rec.get("Potensi"))
    shakemap = _text(rec.get("Shakemap"))
    lat, lon = _tews_position(rec)
    return Sighting(
        source=source,
        origin_time=_tews_time(rec),
        lat=lat,
        lon=lon,
        depth_km=_number(_require(rec, "Kedalaman"), "Kedalaman"),
        magnitude=_number(_require(rec, "Magnitude"), "Magnitude"),
        # The ~2019 XML lists five reference places; Wilayah1 is the nearest one.
        region_text=_text(rec.get("Wilayah")) or _text(rec.get("Wilayah1")) or "",
        tsunami=_potensi(potensi),
        tsunami_text=potensi,
        felt=tuple(parse_felt(_text(rec.get("Dirasakan")) or "")),
        bmkg_id=_shakemap_id(shakemap),
        shakemap=shakemap,
    )


def _tews_time(rec: Mapping[str, Any]) -> datetime:
    # DateTime is UTC and exact; Tanggal + Jam is the human-readable WIB copy of the same
    # instant, the only time the ~2019 XML carries.
    if _text(rec.get("DateTime")):
        return _iso_time(rec["DateTime"], "DateTime")
    return _local_time(_require(rec, "Tanggal"), _require(rec, "Jam"), "WIB")


def _tews_position(rec: Mapping[str, Any]) -> tuple[float, float]:
    """Latitude and longitude from ``Coordinates``, ``Lintang``/``Bujur`` or ``point``."""
    if _text(rec.get("Coordinates")):
        lat, lon = _pair(rec["Coordinates"], "Coordinates")  # "lat,lon", signed
    elif _text(rec.get("Lintang")) and _text(rec.get("Bujur")):
        lat, lon = _hemisphere(rec["Lintang"], "Lintang"), _hemisphere(rec["Bujur"], "Bujur")
    else:
        point = rec.get("point")
        raw = point.get("coordinates") if isinstance(point, Mapping) else None
        if not _text(raw):
            raise RecordError("missing Coordinates (and Lintang/Bujur, point)")
        a, b = _pair(raw, "point.coordinates")
        # The 2021 XML writes "lat,lon" but the ~2019 XML (no DateTime) wrote "lon,lat";
        # a value beyond 90 can only be the longitude, which settles most cases outright.
        lon_first = abs(a) > 90 or (abs(b) <= 90 and not _text(rec.get("DateTime")))
        lat, lon = (b, a) if lon_first else (a, b)
    return lat, lon


def _read_inatews(record: Any, source: str) -> Sighting:
    """The ``info`` object of an InaTEWS alert message."""
    info = _mapping(record)
    wzarea = _wzarea(info.get("wzarea"))
    tsunami, tsunami_text = _inatews_tsunami(info, bool(wzarea))
    lat, lon = _inatews_position(info)
    return Sighting(
        source=source,
        origin_time=_local_time(_require(info, "date"), _require(info, "time"), "WIB"),
        lat=lat,
        lon=lon,
        depth_km=_number(_require(info, "depth"), "depth"),
        magnitude=_number(_require(info, "magnitude"), "magnitude"),
        region_text=_text(info.get("area")) or "",
        tsunami=tsunami,
        tsunami_text=tsunami_text,
        felt=tuple(parse_felt(_text(info.get("felt")) or "")),
        bmkg_id=_text(info.get("eventid")),
        shakemap=_text(info.get("shakemap")),
        wzarea=wzarea,
    )


def _inatews_position(info: Mapping[str, Any]) -> tuple[float, float]:
    point = info.get("point")
    raw = point.get("coordinates") if isinstance(point, Mapping) else None
    if _text(raw):
        lon, lat = _pair(raw, "point.coordinates")  # InaTEWS writes "lon,lat", unlike TEWS
        return lat, lon
    lat = _hemisphere(_require(info, "latitude"), "latitude")
    return lat, _hemisphere(_require(info, "longitude"), "longitude")


def _inatews_tsunami(info: Mapping[str, Any], zones: bool) -> tuple[bool | None, str | None]:
    """A tsunami warning message (PD-1 ...) says so in subject/headline and lists zones."""
    subject = _text(info.get("subject"))
    potential = _text(info.get("potential"))
    headline = " ".join(filter(None, (subject, _text(info.get("headline")))))
    if zones or _TSUNAMI_WARNING.search(headline):
        return True, subject or potential
    return _potensi(potential), potential or subject


def _wzarea(raw: Any) -> tuple[dict[str, str], ...]:
    """Warning zones, without the exact repeats some messages carry."""
    zones: list[dict[str, str]] = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, Mapping):
            zone = {key: _text(item.get(key)) or "" for key in ("province", "district", "level")}
            if zone not in zones:
                zones.append(zone)
    return tuple(zones)


def _read_ql(record: Any, source: str) -> Sighting:
    """A feature of the real-time QL collection: string numbers, UTC time without a zone."""
    props, lat, lon = _feature(record)
    return Sighting(
        source=source,
        origin_time=_iso_time(_require(props, "time"), "time"),
        lat=lat,
        lon=lon,
        depth_km=_number(_require(props, "depth"), "depth"),
        magnitude=_number(_require(props, "mag"), "mag"),
        region_text=_text(props.get("place")) or "",
        bmkg_id=_text(props.get("id")),
    )


def _read_katalog(record: Any, source: str) -> Sighting:
    """A feature of the significant-quake catalogue: dd-mm-yyyy date plus ``ot_utc``."""
    props, lat, lon = _feature(record)
    flag = (_text(props.get("tsunami")) or "").lower()
    return Sighting(
        source=source,
        origin_time=_local_time(_require(props, "date"), _require(props, "ot_utc"), "UTC"),
        lat=lat,
        lon=lon,
        depth_km=_number(_require(props, "depth"), "depth"),
        magnitude=_number(_require(props, "mag"), "mag"),
        region_text=_text(props.get("pusat_gempa")) or _text(props.get("lokasi")) or "",
        tsunami={"ya": True, "tidak": False}.get(flag),
        tsunami_text=_text(props.get("tsunami")),
        felt=tuple(parse_felt(_text(props.get("dirasakan")) or "")),
        bmkg_id=_text(props.get("id_event")),
    )


def _feature(record: Any) -> tuple[Mapping[str, Any], float, float]:
    """Properties, latitude and longitude of a GeoJSON point feature ([lon, lat, ...])."""
    feature = _mapping(record)
    props = _mapping(feature.get("properties"), "properties")
    geometry = _mapping(feature.get("geometry"), "geometry")
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or len(coords) < 2:
        raise RecordError("geometry.coordinates is not a [lon, lat] list")
    return props, _number(coords[1], "latitude"), _number(coords[0], "longitude")


def _read_archive(record: Any, source: str) -> Sighting:
    """A felt-archive record: already numeric, ``earthquakeAt`` in UTC."""
    rec = _mapping(record)
    meta = rec.get("meta")
    marker = meta.get("erroneousDataReason") if isinstance(meta, Mapping) else None
    if marker == "FUTURE_EARTHQUAKE":
        # BMKG sometimes published a quake with a wrong (future) year; the archive flags them.
        raise RecordError("marked FUTURE_EARTHQUAKE by the archive: published with a future date")
    if marker:
        raise RecordError(f"marked erroneous by the archive: {marker}")
    url = _text(rec.get("shakeMapUrl"))
    return Sighting(
        source=source,
        origin_time=_iso_time(_require(rec, "earthquakeAt"), "earthquakeAt"),
        lat=_number(_require(rec, "latitude"), "latitude"),
        lon=_number(_require(rec, "longitude"), "longitude"),
        depth_km=_number(_require(rec, "depthInKm"), "depthInKm"),
        magnitude=_number(_require(rec, "magnitude"), "magnitude"),
        region_text=_text(rec.get("locationInIndonesian")) or "",
        felt=tuple(parse_felt(_text(rec.get("feltOnStations")) or "")),
        bmkg_id=_text(rec.get("bmkgEarthquakeId")),
        shakemap=url.rsplit("/", 1)[-1] if url else None,
    )


def _check(sighting: Sighting, now: datetime) -> None:
    """Reject values no real quake has, and origin times after ``now``."""
    if not valid_lat_lon(sighting.lat, sighting.lon):
        raise RecordError(f"position {sighting.lat},{sighting.lon} is out of range")
    if not 0.0 <= sighting.magnitude <= 10.0:
        raise RecordError(f"magnitude {sighting.magnitude} is outside 0..10")
    # BMKG depths are below sea level; a negative one is a hand edit, not a measurement.
    if not 0.0 <= sighting.depth_km <= MAX_DEPTH_KM:
        raise RecordError(f"depth {sighting.depth_km} km is outside 0..{MAX_DEPTH_KM:g}")
    if sighting.origin_time > now + FUTURE_TOLERANCE:
        origin = iso_utc(sighting.origin_time)
        raise RecordError(f"origin time {origin} is in the future (now {iso_utc(now)})")


# --- field parsers ---------------------------------------------------------------------------


def _mapping(value: Any, name: str = "record") -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RecordError(f"{name} is a {type(value).__name__}, not an object")
    return value


def _text(value: Any) -> str | None:
    """Stripped text, or None for missing/blank values."""
    if value is None or isinstance(value, Mapping | list):
        return None
    return str(value).strip() or None


def _require(rec: Mapping[str, Any], key: str) -> Any:
    value = rec.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RecordError(f"missing {key}")
    return value


def _number(value: Any, name: str) -> float:
    """A finite number from a number or a string like ``"20 km"``, ``"5.0 SR"``, ``"4.5"``."""
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and (m := _NUMBER.match(value.strip())):
        number = float(m.group(1).replace(",", "."))
    if number is None or not math.isfinite(number):
        raise RecordError(f"{name} {value!r} is not a number")
    return number


def _pair(value: Any, name: str) -> tuple[float, float]:
    parts = str(value).split(",")
    if len(parts) != 2:
        raise RecordError(f"{name} {value!r} is not two comma-separated numbers")
    return _number(parts[0], name), _number(parts[1], name)


def _hemisphere(value: Any, name: str) -> float:
    """``"8.15 LS"`` -> -8.15: Lintang Selatan (south) and Bujur Barat (west) are negative."""
    m = _HEMISPHERE.match(str(value).strip())
    if not m:
        raise RecordError(f"{name} {value!r} is not like '8.15 LS' or '118.10 BT'")
    return float(m.group(1)) * _SIGN[m.group(2).upper()]


def _iso_time(value: Any, name: str) -> datetime:
    """ISO 8601 time; a time without an offset is UTC in every feed that writes one."""
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise RecordError(f"{name} {value!r} is not an ISO 8601 time") from None
    return _as_utc(moment)


def _local_time(date_text: Any, time_text: Any, default_zone: str) -> datetime:
    """Combine a BMKG date and a clock time such as ``"18:00:27 WIB"`` into UTC."""
    day = _parse_date(str(date_text).strip())
    m = _TIME.match(str(time_text).strip())
    if not m:
        raise RecordError(f"time {time_text!r} is not like '18:00:27 WIB'")
    zone = (m.group(4) or default_zone).upper()
    if zone not in _ZONES:
        raise RecordError(f"time {time_text!r} has an unknown zone {zone}")
    hour, minute, second = (int(g) for g in m.group(1, 2, 3))
    try:
        local = datetime(day.year, day.month, day.day, hour, minute, second)
    except ValueError as exc:
        raise RecordError(f"time {time_text!r}: {exc}") from None
    return local.replace(tzinfo=timezone(timedelta(hours=_ZONES[zone]))).astimezone(UTC)


def _parse_date(text: str) -> date:
    """``05 Okt 2021``, ``27-Aug-19``, ``14-05-23`` (dd-mm-yy) or ``13-03-2022``."""
    m = _DATE.match(text)
    month = None
    if m:
        token = m.group(2).lower()
        month = int(token) if token.isdigit() else _MONTHS.get(token[:3])
    if not m or month is None:
        raise RecordError(f"date {text!r} is not like '05 Okt 2021' or '14-05-23'")
    year = int(m.group(3))
    try:
        return date(year + 2000 if year < 100 else year, month, int(m.group(1)))
    except ValueError as exc:
        raise RecordError(f"date {text!r}: {exc}") from None


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _potensi(text: str | None) -> bool | None:
    """Tsunami flag from a ``Potensi`` text; None when absent or unrecognised."""
    lowered = " ".join((text or "").lower().split())
    if "tidak berpotensi" in lowered or "tidak ada potensi" in lowered:
        return False
    if "tsunami" in lowered:  # "Potensi tsunami untuk diteruskan pada masyarakat"
        return True
    if "dirasakan" in lowered:  # "Gempa ini dirasakan ...": a felt notice, no tsunami
        return False
    return None


def _shakemap_id(name: str | None) -> str | None:
    """BMKG's event id is the shakemap's name: local WIB time ``yyyymmddHHMMSS``."""
    m = _SHAKEMAP_ID.match(name or "")
    return m.group(1) if m else None


# --- felt reports ----------------------------------------------------------------------------


def roman_to_int(numeral: str) -> int:
    """Value of an MMI roman numeral ``I`` .. ``XII``, any case (``"Iv"`` occurs in feeds).

    Raises:
        ValueError: not a numeral from I to XII.
    """
    value = _ROMAN.get(numeral.strip().upper())
    if value is None:
        raise ValueError(f"{numeral!r} is not a roman numeral from I to XII")
    return value


def parse_felt(text: str) -> list[FeltReport]:
    """Parse a ``Dirasakan`` list: ``"IV-V Mataram, III Kuta"`` -> two :class:`FeltReport`.

    Accepts ``,`` or ``;`` separators (trailing ones too), spaces around the dash, a stray
    ``MMI`` after the level, arabic levels, and ``"-"`` or ``""`` for none. A segment with no
    level (``"II Batur, Banjarnegara"``, ``"III Wotu, Malili"``) names the containing regency
    or a neighbour felt alike, so it takes the previous segment's level.
    """
    reports: list[FeltReport] = []
    for segment in _FELT_SEPARATOR.split(text or ""):
        report = _felt_segment(" ".join(segment.split()), reports[-1] if reports else None)
        if report is not None:
            reports.append(report)
    return reports


def _felt_segment(segment: str, previous: FeltReport | None) -> FeltReport | None:
    if segment in ("", "-"):
        return None
    for pattern in (_FELT_LEADING, _FELT_TRAILING):
        m = pattern.match(segment)
        levels = _felt_levels(m.group("lo"), m.group("hi")) if m else None
        if m and levels:
            return FeltReport(m.group("place").strip(), *levels)
    if previous is not None:
        return FeltReport(segment, previous.mmi_min, previous.mmi_max)
    return None


def _felt_levels(low: str, high: str | None) -> tuple[float, float] | None:
    try:
        values = [int(t) if t.isdigit() else roman_to_int(t) for t in (low, high or low)]
    except ValueError:
        return None
    if not all(1 <= v <= 12 for v in values):
        return None
    return float(min(values)), float(max(values))
