"""Place-name normalisation and matching for BMKG felt reports.

BMKG's "Dirasakan" lists name districts, towns or regencies in free text: "Soreang",
"Kab. Bandung", "Kota Bandung", "Kabupaten  Bandung Barat", "Kec. Baamang". Many names occur
more than once in Indonesia (two districts called Soreang, Kab. and Kota Bandung and a district
called Bandung in Tulungagung), so a name alone is not enough: the felt place is the namesake
nearest to the epicentre, since a quake is felt near its source.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from geo.crs import haversine_km

LEVELS: tuple[str, ...] = ("district", "regency", "seat")

# Regency prefixes: "Kab.", "Kab ", "Kabupaten", "Kota", each optionally followed by
# "Adm."/"Administrasi" (Jakarta). The lookahead keeps "Kotabumi" and "Kabanjahe" whole.
_KIND_PREFIX = re.compile(
    r"^(?P<kind>kabupaten|kab|kota)(?![a-z])\.?\s*(?:(?:adm|administrasi)(?![a-z])\.?\s*)?"
)
# District prefixes carry no kind: "Kec.", "Kecamatan".
_DISTRICT_PREFIX = re.compile(r"^(?:kecamatan|kec)(?![a-z])\.?\s*")
# "Kep." in felt reports stands for "Kepulauan" (islands), as in the regency names.
_KEP = re.compile(r"(?<![a-z])kep\.?(?=\s)")
_PARENS = re.compile(r"\([^)]*\)?")
# Island words that reports often leave out: "Morotai" is "Kabupaten Pulau Morotai".
_ISLAND_PREFIX = re.compile(r"^(?:pulau pulau|pulau|kepulauan) ")

#: Names BMKG uses that no boundary carries: colloquial names, abbreviations and the villages
#: of its stations, mapped to the normalised name of the district or regency they lie in.
ALIASES: dict[str, str] = {
    "solo": "surakarta",
    "jakarta": "jakarta pusat",
    "karangkates": "sumberpucung",  # BMKG station at the Karangkates dam, Kab. Malang
    "sitaro": "kepulauan siau tagulandang biaro",
    "oku": "ogan komering ulu",
    "oku selatan": "ogan komering ulu selatan",
    "oku timur": "ogan komering ulu timur",
    "pangkep": "pangkajene dan kepulauan",
    "sorowako": "nuha",  # the nickel town of Kab. Luwu Timur
    "pendolo": "pamona selatan",
    "naha": "tabukan utara",  # BMKG station at Naha airport, Sangihe
    "pohuwatu": "pohuwato",  # a BMKG misspelling too far for the fuzzy match (ratio 0.875)
}
_NON_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class PlaceName:
    """A normalised place name: the bare ``key`` and the regency kind the text named."""

    key: str
    #: "kab" or "kota" when the text said so, else None.
    kind: str | None
    #: The text normalised without removing a Kab./Kota prefix ("kota agung" is a district).
    full: str


def _fold(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = _PARENS.sub(" ", text)  # "Kab. Garut (Cikelet, Pameungpeuk)" -> the regency
    return " ".join(_KEP.sub("kepulauan", text).split())


def _clean(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", text).split())


def split_place(name: str) -> PlaceName:
    """Normalise ``name`` and remember whether it said Kab. or Kota."""
    text = _DISTRICT_PREFIX.sub("", _fold(name))
    full = _clean(text)
    m = _KIND_PREFIX.match(text)
    if not m:
        return PlaceName(full, None, full)
    kind = "kota" if m.group("kind") == "kota" else "kab"
    key = _clean(text[m.end() :])
    # A bare "Kota" (a district of that name) keeps its text as the key.
    return PlaceName(key or full, kind if key else None, full)


def normalize_place(name: str) -> str:
    """Case-fold ``name`` and drop Kab./Kabupaten/Kota/Kec. prefixes and punctuation."""
    return split_place(name).key


@dataclass(frozen=True)
class Place:
    """A named point that a felt report can refer to."""

    name: str
    #: "district", "regency" or "seat" (a regency's seat town).
    level: str
    #: Kemendagri code of the district or regency ("" when unknown).
    code: str
    lat: float
    lon: float
    #: For regencies, "kab" or "kota"; None for districts and seats.
    kind: str | None = None

    @classmethod
    def of(cls, name: str, level: str, code: str, lat: float, lon: float) -> Place:
        """Build a place, reading a regency's kind from its name ("Kota Bandung" -> kota)."""
        kind = split_place(name).kind if level == "regency" else None
        return cls(name, level, code, float(lat), float(lon), kind)


def _place_key(place: Place) -> str:
    parsed = split_place(place.name)
    # District and town names keep a leading "Kota" ("Kota Agung" is a district in Lampung),
    # so a report of "Agung" does not find it; regencies drop their Kabupaten/Kota prefix.
    return parsed.key if place.level == "regency" else parsed.full


def _bare(key: str) -> str:
    return _ISLAND_PREFIX.sub("", key)


class Gazetteer:
    """Districts, regencies and seat towns indexed by normalised name."""

    def __init__(self, places: Iterable[Place]) -> None:
        """Index ``places``; raises ValueError for a level outside :data:`LEVELS`."""
        self._index: dict[str, list[Place]] = defaultdict(list)
        # The same places under their names without a leading "Pulau"/"Kepulauan".
        self._bare: dict[str, list[Place]] = defaultdict(list)
        for place in places:
            if place.level not in LEVELS:
                raise ValueError(f"unknown place level {place.level!r}")
            key = _place_key(place)
            self._index[key].append(place)
            if _bare(key) != key:
                self._bare[_bare(key)].append(place)
        self._keys = list(self._index)
        self._fuzzy: dict[str, list[str]] = {}

    def __len__(self) -> int:
        """Number of indexed places."""
        return sum(len(v) for v in self._index.values())

    def candidates(self, name: str) -> list[tuple[Place, int]]:
        """Namesakes of ``name``, each with a rank (lower is more likely).

        0: the literal text, or its bare name with the Kab./Kota kind the text named (or none);
        1: the bare name but the other kind ("Kota Bandung" for "Kab. Bandung");
        2-3: the same after dropping a leading "Pulau"/"Kepulauan" ("Morotai").
        """
        parsed = split_place(name)
        out: dict[Place, int] = {}
        if not parsed.key:
            return []

        def add(places: list[Place], base: int) -> None:
            for place in places:
                fits = parsed.kind is None or place.kind == parsed.kind
                out.setdefault(place, base + (0 if fits else 1))

        add(self._index.get(parsed.full, []), 0)  # prefix included ("Kota Agung" district)
        key = ALIASES.get(parsed.key, parsed.key)
        add(self._index.get(key, []), 0)
        bare = _bare(key)
        add(self._index.get(bare, []) + self._bare.get(bare, []), 2)
        return list(out.items())

    def _close_keys(self, key: str) -> list[str]:
        # difflib over ~8,000 keys takes tens of ms; felt lists repeat names, so cache.
        if key not in self._fuzzy:
            self._fuzzy[key] = difflib.get_close_matches(key, self._keys, n=5, cutoff=0.9)
        return self._fuzzy[key]

    def resolve(
        self, name: str, epi_lat: float, epi_lon: float, max_km: float = 600.0
    ) -> Place | None:
        """Return the place ``name`` most likely refers to for a quake at (epi_lat, epi_lon).

        Exact normalised matches come first; among them the Kab./Kota kind the text names
        wins, then the namesake nearest to the epicentre. Only when nothing matches exactly
        do we try spelling variants (difflib ratio >= 0.9), which are riskier and so must
        also lie within ``max_km``.
        """
        ranked = self._nearest(self.candidates(name), epi_lat, epi_lon, max_km)
        if ranked is not None:
            return ranked
        key = split_place(name).key
        if len(key) < 4:  # "Iv", "Ii": too short for spelling tolerance to be safe
            return None
        fuzzy = [(p, 0) for k in self._close_keys(key) for p in self._index[k]]
        return self._nearest(fuzzy, epi_lat, epi_lon, max_km)

    @staticmethod
    def _nearest(
        candidates: list[tuple[Place, int]], lat: float, lon: float, max_km: float
    ) -> Place | None:
        best: tuple[int, float, Place] | None = None
        for place, rank in candidates:
            km = haversine_km(lat, lon, place.lat, place.lon)
            if km <= max_km and (best is None or (rank, km) < best[:2]):
                best = (rank, km, place)
        return best[2] if best else None


def seat_places(rows: Iterable[dict[str, str]]) -> list[Place]:
    """Seat towns from the rows of ``ibukota_kabkota_seats_515.csv`` (``csv.DictReader``).

    Names read "Sigli, ACEH": the town, then its (pre-2022) province, which we drop. The
    derived regency code may carry a "~" (matched to the nearest polygon); we keep the code.
    """
    out = []
    for row in rows:
        town = row["name"].split(",")[0].strip()
        code = (row.get("derived_kode_kabkota") or "").lstrip("~").strip()
        out.append(Place.of(town, "seat", code, float(row["lat"]), float(row["lon"])))
    return out
