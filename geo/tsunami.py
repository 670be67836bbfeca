"""Tsunami marking: which coastal regencies a tsunami potential or warning concerns."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: InaTEWS writes provinces as BMKG abbreviations; map them to Kemendagri province codes.
PROVINCE_ABBREVIATIONS: dict[str, str] = {
    "ACEH": "11",
    "NAD": "11",
    "SUMUT": "12",
    "SUMBAR": "13",
    "RIAU": "14",
    "JAMBI": "15",
    "SUMSEL": "16",
    "BENGKULU": "17",
    "LAMPUNG": "18",
    "BABEL": "19",
    "KEPRI": "21",
    "DKI": "31",
    "JAKARTA": "31",
    "JABAR": "32",
    "JATENG": "33",
    "DIY": "34",
    "YOGYAKARTA": "34",
    "JATIM": "35",
    "BANTEN": "36",
    "BALI": "51",
    "NTB": "52",
    "NTT": "53",
    "KALBAR": "61",
    "KALTENG": "62",
    "KALSEL": "63",
    "KALTIM": "64",
    "KALTARA": "65",
    "SULUT": "71",
    "SULTENG": "72",
    "SULSEL": "73",
    "SULTRA": "74",
    "GORONTALO": "75",
    "SULBAR": "76",
    "MALUKU": "81",
    "MALUT": "82",
    "PAPUA": "91",
    "PAPUABRT": "92",
    "PAPUA BARAT": "92",
    "PABAR": "92",
    "PAPUASEL": "93",
    "PAPUATENG": "94",
    "PAPUAPEG": "95",
    "PAPUABRTDAYA": "96",
}

#: Potensi without a zone list: coastal regencies within this radius (km) of the epicentre
#: for an M7.0, doubling per magnitude unit (a rough far-field reach of a damaging tsunami).
POTENTIAL_RADIUS_M7_KM = 200.0
POTENTIAL_LEVEL = "POTENSI"


def potential_radius_km(magnitude: float) -> float:
    """Reach of a 'Potensi tsunami' marking for a quake of ``magnitude``."""
    return POTENTIAL_RADIUS_M7_KM * 2 ** (magnitude - 7.0)


def _fold(text: str) -> str:
    text = re.sub(r"^(kabupaten|kab\.?|kota)\s+", "", text.strip().lower())
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


@dataclass(frozen=True)
class Regency:
    code: str
    name: str


def match_zone(zone: dict, regencies: list[Regency]) -> Regency | None:
    """The regency an InaTEWS warning zone names (``NIAS-SELATAN PULAU TANABALA`` in SUMUT).

    The zone text starts with the regency's name and may add an island or coast; the
    province abbreviation narrows namesakes. The longest matching name wins.
    """
    province = PROVINCE_ABBREVIATIONS.get(str(zone.get("province", "")).strip().upper())
    text = _fold(str(zone.get("district", "")))
    best: Regency | None = None
    for reg in regencies:
        if province and not reg.code.startswith(province + "."):
            continue
        name = _fold(reg.name)
        fits = name and (text == name or text.startswith(name + " "))
        if fits and (best is None or len(name) > len(_fold(best.name))):
            best = reg
    return best
