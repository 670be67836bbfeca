"""Where a complaint is: a point through the area lookup (all points of a batch in one
call), an address through the name matcher; and what of it may be stored in the clear.

For the whistleblower channel the reporter and the whole location (point, village, street)
are sealed; the row keeps only the area codes, keyed hashes for duplicate checks, and the
area's own representative point as its public geometry.
"""

from __future__ import annotations

import time

from flask import current_app
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from geo.address import AddressIndex
from geo.address import AddressMatch
from geo.privacy import keyed_hash
from geo.privacy import village_key
from server.platform import crypto
from server.queries import areas as area_queries
from server.queries.areas import Placement
from server.queries.complaints import intake as q
from server.queries.complaints import privacy as privacy_q
from server.services.complaints.present import WHISTLEBLOWER

#: The address index is rebuilt this often (areas change only when boundaries are reloaded).
INDEX_TTL_S = 600.0
OUTSIDE = "outside Indonesia (farther than {km:g} km from any area)"


def address_index(session: Session) -> AddressIndex:
    """The process's address matcher over every loaded area, rebuilt every 10 minutes."""
    cached = current_app.extensions.get("kendali_address_index")
    if cached and time.monotonic() - cached[0] < INDEX_TTL_S and len(cached[1]):
        return cached[1]
    index = AddressIndex(q.area_names(session))
    current_app.extensions["kendali_address_index"] = (time.monotonic(), index)
    return index


def _set_area(item, province, regency, district) -> None:
    for level, ref in (("province", province), ("regency", regency), ("district", district)):
        item.public[f"{level}_code"] = ref.code if ref else None
        item.public[f"{level}_name"] = ref.name if ref else None


def from_point(item, placement: Placement, protected: bool) -> dict:
    """Area and match of a point placement (no distance offshore for a protected one)."""
    _set_area(item, placement.province, placement.regency, placement.district)
    match: dict = {"method": "point", "confidence": 1.0}
    if placement.offshore_km and not protected:
        match["offshore_km"] = placement.offshore_km
    return match


def from_address(item, found: AddressMatch) -> dict:
    """Area and match of an address; an address that does not reach a regency stays unplaced."""
    match = {
        "method": "address",
        "confidence": found.confidence,
        "matched": {
            level: area.code
            for level, area in (
                ("province", found.province),
                ("regency", found.regency),
                ("district", found.district),
            )
            if area is not None
        },
        "candidates": list(found.candidates),
        "unresolved": list(found.unresolved),
    }
    if found.placed:
        _set_area(item, found.province, found.regency, found.district)
    else:
        _set_area(item, None, None, None)
    return match


def place_items(session: Session, items: list, channel: str) -> None:
    """Place every item (or fail it with 400 when its point lies outside Indonesia)."""
    matches = _place_points(session, items, channel == WHISTLEBLOWER)
    matches |= _place_addresses(session, items)
    key = crypto.identity_key()
    for it in items:
        if it.code is None:
            build_row(it, channel, matches[it.index], key)


def _place_points(session: Session, items: list, protected: bool) -> dict[int, dict]:
    """All points of the batch in one lookup; a point outside Indonesia fails its item."""
    margin = current_app.config["LOOKUP_COAST_MARGIN_KM"]
    with_point = [it for it in items if it.sub.has_point]
    if protected and with_point:
        privacy_q.quiet_statement_log(session)
    found = _lookup(session, [(it.sub.lat, it.sub.lon) for it in with_point], margin)
    matches = {}
    for it, placement in zip(with_point, found, strict=True):
        if placement is None:
            reason = OUTSIDE.format(km=margin)
            it.fail(400, "invalid complaint", {"location.lat": reason, "location.lon": reason})
        else:
            matches[it.index] = from_point(it, placement, protected)
    return matches


def _place_addresses(session: Session, items: list) -> dict[int, dict]:
    """Items with an address and no point, matched by name."""
    todo = [it for it in items if it.code is None and not it.sub.has_point]
    if not todo:
        return {}
    index = address_index(session)
    matches = {}
    for it in todo:
        written = it.sub.address
        found = _match(
            index, written.get("province"), written.get("regency"), written.get("district")
        )
        matches[it.index] = from_address(it, found)
    return matches


class LookupFailed(RuntimeError):
    """The area lookup failed; raised without the database error, whose text would carry
    the submitted coordinates (a whistleblower's exact location) into the error log."""


def _lookup(session: Session, points: list, margin: float) -> list:
    try:
        return area_queries.lookup_many(session, points, margin)
    except OperationalError:
        raise  # database down: a 503 whose log line is the driver's first line only
    except DBAPIError:
        raise LookupFailed("area lookup failed") from None


_MATCH_CACHE_SIZE = 4096


def _match(index: AddressIndex, province, regency, district) -> AddressMatch:
    """Match with a small cache: a batch often repeats the same address."""
    cache = current_app.extensions.setdefault("kendali_address_cache", {})
    key = (id(index), province, regency, district)
    if key not in cache:
        if len(cache) >= _MATCH_CACHE_SIZE:
            cache.clear()
        cache[key] = index.match(province, regency, district)
    return cache[key]


def _split_protected(sub, protected: bool) -> tuple[dict | None, dict | None, dict]:
    """Return (location, reporter) to keep in the clear and the values to seal."""
    location = dict(sub.address)
    if sub.has_point:
        location = {"lat": sub.lat, "lon": sub.lon, **location}
    sealed: dict = {}
    for path in sub.identifying:
        if path.startswith("location.") and path[9:] in location:
            sealed.setdefault("location", {})[path[9:]] = location.pop(path[9:])
    if sub.description and "description" in sub.identifying:
        sealed["description"] = sub.description
    reporter = dict(sub.reporter) or None
    if protected:
        sealed["location"] = {**location, **sealed.get("location", {})}
        if reporter:
            sealed["reporter"] = reporter
        return None, None, sealed
    return location or None, reporter, sealed


def build_row(item, channel: str, match: dict, key: bytes) -> None:
    """The columns of ``item``'s row: clear where allowed, sealed and hashed where not."""
    sub, public = item.sub, item.public
    protected = channel == WHISTLEBLOWER
    location, reporter, sealed = _split_protected(sub, protected)
    area = public["district_code"] or public["regency_code"]
    village = sub.address.get("village")
    placed = public["regency_code"] is not None
    public.update(channel=channel, category=sub.category, received_at=sub.received_at)
    item.row.update(
        external_id=sub.external_id,
        content_hash=item.digest,
        received_at=sub.received_at,
        category=sub.category,
        description=None if "description" in sub.identifying else sub.description,
        province_code=public["province_code"],
        regency_code=public["regency_code"],
        district_code=public["district_code"],
        area_code=area,
        lat=sub.lat if sub.has_point and not protected and placed else None,
        lon=sub.lon if sub.has_point and not protected and placed else None,
        placement=match["method"] if placed else None,
        match_confidence=match["confidence"],
        match=match,
        location=location,
        village_key=village_key(key, area, village) if area and village else None,
        reporter=reporter,
        nik_hash=keyed_hash(key, "nik", sub.nik) if sub.nik else None,
        phone_hash=keyed_hash(key, "phone", sub.phone) if sub.phone else None,
        sealed=crypto.seal(sealed, crypto.context_of(channel, sub.external_id)) if sealed else None,
        redacted=",".join(sorted(sub.identifying)),
    )
