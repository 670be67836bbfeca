"""Where a BMKG weather nowcast applies, read from its description.

BMKG names the affected districts (kecamatan) in the text, in one of two styles seen so far:

- 2023: ``... pada pkl 21:00 WIB di Kabupaten Bengkulu Selatan: Air Nipis, Kabupaten Kaur:
  Padang Guci Hulu  Dan dapat meluas ke wilayah Kabupaten Bengkulu Selatan: Kedurang, ...``
  (districts grouped under their regency; "Kota Manna" without a colon is a district);
- 2026: ``... di sebagian wilayah Banten, khususnya di Bojonegara, Cibeber, ...`` (districts
  only; the province is the ``areaDesc``).

Everything before "dapat meluas ke wilayah" is where it **is happening** (``terjadi``), the
rest is where it **may spread** (``meluas``). Names are resolved with the address matcher
that places complaints (:class:`geo.address.AddressIndex`), inside the warning's province. A
district name that several districts of the province share is decided by the other names:
the namesake whose regency also holds unambiguous names wins, when only one does; otherwise
it stays unresolved with its candidates (the polygons may still place it).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass

from geo.address import MIN_CONFIDENCE
from geo.address import AddressIndex
from geo.names import split_place

TERJADI = "terjadi"
MELUAS = "meluas"

_SPREAD = re.compile(r"(?:\bdan\s+)?\bdapat\s+meluas\s+ke\s+wilayah\b", re.I)
# Where the list of happening places starts, most specific first.
_STARTS = (
    re.compile(r"\bkhususnya\s+di\s+", re.I),
    re.compile(r"\bWI(?:TA|B|T)\s+di\s+", re.I),
    re.compile(r"\bdi\s+(?=(?:kabupaten|kab\.|kota)\s)", re.I),
)
_END = re.compile(r"\b(?:Kondisi\s|Prakirawan\b|Masyarakat\s+dihimbau)", re.I)
# "Kabupaten Kaur:" opens a regency group; the colon tells it from a district "Kota Manna".
_REGENCY = re.compile(r"(?:^|,)\s*((?:kabupaten|kab\.?|kota)\s+[^:,]+?)\s*:\s*", re.I)
_ITEM_SPLIT = re.compile(r"\s*,\s*|\s+dan\s+", re.I)
_PROVINCE = re.compile(r"\bwilayah\s+(.+?)(?:\s+tgl\b|,\s*khususnya\b|\s+berpotensi\b)", re.I)


@dataclass(frozen=True)
class NamedPlace:
    """A place as the description names it, with the regency it was listed under."""

    text: str
    regency: str | None
    kind: str


@dataclass(frozen=True)
class AffectedDistrict:
    """A place resolved to a Kemendagri area: a district, or a regency named as a whole."""

    code: str
    name: str
    kind: str
    level: str = "district"
    text: str = ""


@dataclass(frozen=True)
class Unresolved:
    """A name that matched nothing, or several areas (``candidates``) with nothing to choose."""

    text: str
    kind: str
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class Where:
    """What the description says: resolved areas (each code once) and names left over."""

    districts: tuple[AffectedDistrict, ...]
    unresolved: tuple[Unresolved, ...] = ()


def _segment(text: str, starts: tuple[re.Pattern[str], ...]) -> str:
    """The list part of ``text``: after the first start marker that occurs, before the end."""
    for start in starts:
        found = list(start.finditer(text))
        if found:
            text = text[found[-1].end() :]
            break
    else:
        if starts:
            return ""
    end = _END.search(text)
    return (text[: end.start()] if end else text).strip(" .\t\n")


def _items(segment: str, kind: str) -> list[NamedPlace]:
    pieces = _REGENCY.split(segment)
    groups = [(None, pieces[0])] + list(zip(pieces[1::2], pieces[2::2], strict=True))
    out = []
    for regency, names in groups:
        for name in _ITEM_SPLIT.split(names):
            name = name.strip(" .")
            if name:
                out.append(NamedPlace(name, regency.strip() if regency else None, kind))
    return out


def named_places(description: str) -> tuple[NamedPlace, ...]:
    """The places a nowcast description names, in order, each marked terjadi or meluas."""
    text = " ".join(description.replace("\\n", " ").split())
    spread = _SPREAD.search(text)
    happening = text[: spread.start()] if spread else text
    places = _items(_segment(happening, _STARTS), TERJADI)
    if spread:
        places += _items(_segment(text[spread.end() :], ()), MELUAS)
    return tuple(places)


def province_hint(description: str | None, area_desc: str | None = None) -> str | None:
    """The province a nowcast is about: the ``areaDesc``, else "wilayah X" in the text."""
    if area_desc and area_desc.strip():
        return area_desc.strip()
    found = _PROVINCE.search(" ".join((description or "").split()))
    return found.group(1).strip() if found else None


def _one(index: AddressIndex, place: NamedPlace, province: str | None) -> tuple[str, ...]:
    """Codes the place may be: one when certain, several when tied, none when unknown."""
    m = index.match(province=province, regency=place.regency, district=place.text)
    if m.district is not None and m.confidence >= MIN_CONFIDENCE:
        return (m.district.code,)
    if m.candidates:
        # "Kota Manna" is a district of its own beside "Manna": the literal name wins.
        full = split_place(place.text).full
        literal = [c for c in m.candidates if index.areas[c].key == full]
        return tuple(literal) if len(literal) == 1 else m.candidates
    if place.regency is None:  # "Gowa": a regency named among districts
        m = index.match(province=province, regency=place.text)
        if m.regency is not None and m.district is None and m.confidence >= MIN_CONFIDENCE:
            return (m.regency.code,)
        return tuple(c for c in m.candidates if c.count(".") == 1)
    return ()


def _regency(code: str) -> str:
    return ".".join(code.split(".")[:2])


def _choose(candidates: tuple[str, ...], support: Counter[str]) -> str | None:
    backed = [c for c in candidates if support[_regency(c)] > 0]
    return backed[0] if len(backed) == 1 else None


def resolve_places(
    places: Iterable[NamedPlace], index: AddressIndex, province: str | None = None
) -> Where:
    """Resolve named places to areas inside ``province`` (ignored when it matches nothing)."""
    if province and index.match(province=province).province is None:
        province = None
    found = [(place, _one(index, place, province)) for place in places]
    support = Counter(_regency(codes[0]) for _, codes in found if len(codes) == 1)
    hits: dict[str, AffectedDistrict] = {}
    unresolved = []
    for place, codes in found:
        code = codes[0] if len(codes) == 1 else _choose(codes, support)
        if code is None:
            unresolved.append(Unresolved(place.text, place.kind, codes))
            continue
        area = index.areas[code]
        level = "regency" if code.count(".") == 1 else "district"
        hit = AffectedDistrict(code, area.name, place.kind, level, place.text)
        if code not in hits or (hit.kind == TERJADI and hits[code].kind != TERJADI):
            hits[code] = hit  # named twice: "happening" beats "may spread"
    return Where(tuple(hits.values()), tuple(unresolved))


def districts_from_text(
    description: str, index: AddressIndex, province: str | None = None
) -> Where:
    """:func:`named_places` then :func:`resolve_places`."""
    return resolve_places(named_places(description), index, province)


@dataclass(frozen=True)
class DistrictHit:
    """One affected area as the API reports it (``by``: polygon, name or both)."""

    code: str
    name: str
    kind: str
    by: str


def combine(
    by_name: Iterable[AffectedDistrict], by_polygon: Iterable[str], names: Mapping[str, str]
) -> tuple[DistrictHit, ...]:
    """Merge the districts found by name and by polygon.

    A polygon district inside a regency that the text named as a whole counts as found by
    both. A district only a polygon found is ``terjadi``: the polygons are where BMKG says
    the warning applies, and only the text can say "may spread".
    """
    named = {hit.code: hit for hit in by_name}
    polygon = set(by_polygon)
    out: dict[str, DistrictHit] = {}
    for code in sorted(polygon):
        hit = named.get(code) or named.get(_regency(code))
        kind = hit.kind if hit else TERJADI
        out[code] = DistrictHit(code, names.get(code, code), kind, "both" if hit else "polygon")
    for code, hit in named.items():
        inside = any(c.startswith(code + ".") for c in polygon)
        if code not in out and not inside:
            out[code] = DistrictHit(code, hit.name, hit.kind, "name")
    return tuple(out.values())
