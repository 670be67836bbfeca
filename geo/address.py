"""Matching a written address (province, regency, district) to Kemendagri areas.

Channels send addresses as people write them: "Kab. Bandung Barat", "Kabupaten  Bandung
Barat", "Bandung" for "Kota Bandung", "Prov. Jabar", a district without its regency, a
regency without its district. Each written level is scored against the areas of that
level (exact normalised name 1.0; the other Kab./Kota kind 0.8; close spellings up to 0.9),
then whole paths province -> regency -> district are scored together, so that the parents
decide between namesakes (there are six districts called Karanganyar). When the best paths
disagree, the match stops at the deepest level they share, with less confidence; a match
that does not reach a regency is not a placement (an operator places it).
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from functools import lru_cache

from geo.names import split_place

LEVELS: tuple[str, ...] = ("province", "regency", "district")
#: Below this, an address is not placed automatically.
MIN_CONFIDENCE = 0.6
#: Paths scoring within this of the best are considered equally likely.
TIE_MARGIN = 0.05
#: A written parent that contradicts the path (district found, but in another regency).
CONFLICT_FACTOR = 0.3
#: A written level that could not be resolved below the placement (less specific result).
UNRESOLVED_FACTOR = 0.8
#: Kab. written for a Kota of the same name, or the reverse.
OTHER_KIND_SCORE = 0.8
FUZZY_CUTOFF = 0.85
FUZZY_WEIGHT = 0.9

_PROVINCE_PREFIX = re.compile(r"^(?:provinsi|prov)(?![a-z])\.?\s*")
_NON_WORD = re.compile(r"[^a-z0-9]+")

#: Common short and older names of provinces, mapped to the normalised Kemendagri name.
PROVINCE_ALIASES: dict[str, str] = {
    "dki jakarta": "daerah khusus ibukota jakarta",
    "dki": "daerah khusus ibukota jakarta",
    "jakarta": "daerah khusus ibukota jakarta",
    "daerah khusus jakarta": "daerah khusus ibukota jakarta",
    "diy": "daerah istimewa yogyakarta",
    "di yogyakarta": "daerah istimewa yogyakarta",
    "yogyakarta": "daerah istimewa yogyakarta",
    "jogja": "daerah istimewa yogyakarta",
    "jogjakarta": "daerah istimewa yogyakarta",
    "babel": "kepulauan bangka belitung",
    "bangka belitung": "kepulauan bangka belitung",
    "kepri": "kepulauan riau",
    "ntb": "nusa tenggara barat",
    "ntt": "nusa tenggara timur",
    "jabar": "jawa barat",
    "jateng": "jawa tengah",
    "jatim": "jawa timur",
    "sumut": "sumatera utara",
    "sumbar": "sumatera barat",
    "sumsel": "sumatera selatan",
    "sulut": "sulawesi utara",
    "sulteng": "sulawesi tengah",
    "sulsel": "sulawesi selatan",
    "sultra": "sulawesi tenggara",
    "sulbar": "sulawesi barat",
    "kalbar": "kalimantan barat",
    "kalteng": "kalimantan tengah",
    "kalsel": "kalimantan selatan",
    "kaltim": "kalimantan timur",
    "kaltara": "kalimantan utara",
    "malut": "maluku utara",
    "nad": "aceh",
    "nanggroe aceh darussalam": "aceh",
}


@dataclass(frozen=True)
class Written:
    """One written level, normalised: bare key, the kind it named, the full text."""

    key: str
    kind: str | None
    full: str


def _written(level: str, text: str) -> Written | None:
    if level == "province":
        folded = split_place(text).full
        key = " ".join(_NON_WORD.sub(" ", _PROVINCE_PREFIX.sub("", folded)).split())
        key = PROVINCE_ALIASES.get(key, key)
        return Written(key, None, key) if key else None
    parsed = split_place(text)
    if not parsed.key:
        return None
    return Written(parsed.key, parsed.kind, parsed.full)


@dataclass(frozen=True)
class Area:
    """An area as the matcher knows it: code, official name, normalised key and kind."""

    code: str
    name: str
    key: str
    kind: str | None

    @property
    def level(self) -> str:
        """province, regency or district, from the number of parts of the code."""
        return LEVELS[self.code.count(".")]

    @property
    def parent(self) -> str | None:
        """The parent's code, None for a province."""
        return self.code.rsplit(".", 1)[0] if "." in self.code else None


@dataclass(frozen=True)
class AddressMatch:
    """The outcome of :meth:`AddressIndex.match`.

    ``placed`` is True when the match reaches at least a regency with enough confidence.
    ``candidates`` lists the codes the best paths disagreed between (for the operator).
    """

    province: Area | None = None
    regency: Area | None = None
    district: Area | None = None
    confidence: float = 0.0
    candidates: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()

    @property
    def placed(self) -> bool:
        """Enough to route the complaint: a regency (or district) with enough confidence."""
        return self.regency is not None and self.confidence >= MIN_CONFIDENCE

    @property
    def finest(self) -> Area | None:
        """The deepest matched area."""
        return self.district or self.regency or self.province


@dataclass
class _Path:
    code: str
    score: float
    unresolved: list[str] = field(default_factory=list)


def _area_key(code: str, name: str) -> Area:
    level = LEVELS[code.count(".")]
    written = _written(level, name)
    key = written.key if written else ""
    if level == "district":
        key = written.full if written else ""  # "Kota Baru" is a district's whole name
    return Area(code, name, key, written.kind if written and level == "regency" else None)


class AddressIndex:
    """The areas, indexed by normalised name per level, for address matching."""

    def __init__(self, areas: Iterable[tuple[str, str]]) -> None:
        """Index ``(code, name)`` pairs of provinces, regencies and districts."""
        self.areas: dict[str, Area] = {}
        self._by_key: dict[str, dict[str, list[Area]]] = {lv: defaultdict(list) for lv in LEVELS}
        self._children: dict[str | None, list[Area]] = defaultdict(list)
        for code, name in areas:
            area = _area_key(code, name)
            self.areas[code] = area
            self._by_key[area.level][area.key].append(area)
            self._children[area.parent].append(area)

    def __len__(self) -> int:
        """Number of indexed areas."""
        return len(self.areas)

    # -- scoring one level -------------------------------------------------------------------
    @staticmethod
    def score(written: Written, area: Area) -> float:
        """How well ``written`` names ``area`` (0 when not at all)."""
        keys = {written.key, written.full} if area.level == "district" else {written.key}
        if area.key in keys:
            if written.kind is None or area.kind is None or written.kind == area.kind:
                return 1.0
            return OTHER_KIND_SCORE
        ratio = max(_ratio(k, area.key) for k in keys)
        return ratio * FUZZY_WEIGHT if ratio >= FUZZY_CUTOFF else 0.0

    def candidates(self, level: str, written: Written, within: set[str] | None) -> list[Area]:
        """Areas of ``level`` that ``written`` may name; fuzzy only when nothing is exact.

        ``within``: parent codes to search under for the fuzzy pass (None: everywhere).
        """
        index = self._by_key[level]
        exact = index.get(written.key, []) + (
            index.get(written.full, [])
            if level == "district" and written.full != written.key
            else []
        )
        if exact:
            return exact
        pool = self._pool(level, within)
        keys = {a.key for a in pool}
        close = set(difflib.get_close_matches(written.key, keys, n=10, cutoff=FUZZY_CUTOFF))
        if level == "district":
            close |= set(difflib.get_close_matches(written.full, keys, n=10, cutoff=FUZZY_CUTOFF))
        return [a for a in pool if a.key in close]

    def _pool(self, level: str, within: set[str] | None) -> list[Area]:
        if within is None:
            return [a for a in self.areas.values() if a.level == level]
        depth = LEVELS.index(level)
        out = []
        for code in within:
            if code.count(".") == depth - 1:
                out.extend(self._children[code])
            elif code.count(".") == depth - 2:
                out.extend(c for r in self._children[code] for c in self._children[r.code])
        return out

    # -- whole paths -------------------------------------------------------------------------
    def match(
        self,
        province: str | None = None,
        regency: str | None = None,
        district: str | None = None,
    ) -> AddressMatch:
        """Match a written address; see the module docstring for the scoring."""
        written = {
            lv: _written(lv, text)
            for lv, text in (("province", province), ("regency", regency), ("district", district))
            if text and text.strip()
        }
        written = {lv: w for lv, w in written.items() if w is not None}
        if not written:
            return AddressMatch()
        paths = self._paths(written)
        if not paths:
            return AddressMatch(unresolved=tuple(written))
        return self._decide(paths)

    def _paths(self, written: dict[str, Written]) -> list[_Path]:
        provinces = (
            self.candidates("province", written["province"], None) if "province" in written else []
        )
        scope = {p.code for p in provinces} or None
        paths: list[_Path] = []
        regencies: list[Area] = []
        if "regency" in written:
            regencies = self.candidates("regency", written["regency"], scope)
            paths += [self._path(r, written) for r in regencies]
        if "district" in written:
            within = {r.code for r in regencies} or scope
            districts = self.candidates("district", written["district"], within)
            paths += [self._path(d, written) for d in districts]
        if not paths:
            paths += [self._path(p, written) for p in provinces]
        return [p for p in paths if p.score > 0]

    def _path(self, area: Area, written: dict[str, Written]) -> _Path:
        """Score ``area`` and its ancestors against every written level."""
        score, unresolved = 1.0, []
        chain = {LEVELS[i]: ".".join(area.code.split(".")[: i + 1]) for i in range(3)}
        depth = area.code.count(".")
        for i, level in enumerate(LEVELS):
            if level not in written:
                continue
            if i > depth:
                score *= UNRESOLVED_FACTOR  # written, but we stop above it
                unresolved.append(level)
                continue
            own = self.areas.get(chain[level])
            s = self.score(written[level], own) if own else 0.0
            score *= s if (i == depth or s > 0) else CONFLICT_FACTOR
        return _Path(area.code, score, unresolved)

    def _decide(self, paths: list[_Path]) -> AddressMatch:
        paths.sort(key=lambda p: (-p.score, -p.code.count(".")))
        best = paths[0]
        # A path subsumed by a deeper one of the same score says nothing new.
        tied = [p for p in paths if p.score >= best.score - TIE_MARGIN]
        tied = [
            p for p in tied if not any(o is not p and o.code.startswith(p.code + ".") for o in tied)
        ]
        codes = [p.code for p in tied]
        common = _common_ancestor(codes)
        confidence = best.score if len(tied) == 1 else best.score * 0.8
        if common is None:
            return AddressMatch(confidence=0.0, candidates=tuple(sorted(codes)))
        chain = [".".join(common.split(".")[: i + 1]) for i in range(common.count(".") + 1)]
        found = [self.areas[c] for c in chain]
        return AddressMatch(
            province=found[0],
            regency=found[1] if len(found) > 1 else None,
            district=found[2] if len(found) > 2 else None,
            confidence=round(confidence, 3),
            candidates=tuple(sorted(codes)) if len(tied) > 1 else (),
            unresolved=tuple(best.unresolved),
        )


def _common_ancestor(codes: list[str]) -> str | None:
    parts = [c.split(".") for c in codes]
    shared: list[str] = []
    for level in zip(*parts, strict=False):
        if len(set(level)) != 1:
            break
        shared.append(level[0])
    return ".".join(shared) or None


@lru_cache(maxsize=65536)
def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()
