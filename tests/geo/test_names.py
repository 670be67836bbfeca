"""Place-name normalisation and namesake resolution for felt reports."""

from __future__ import annotations

import pytest

from geo.names import Gazetteer
from geo.names import Place
from geo.names import normalize_place
from geo.names import seat_places
from geo.names import split_place

# Points from the shared boundaries (ST_PointOnSurface) and seat-town list.
PLACES = [
    Place.of("Soreang", "district", "32.04.37", -7.0445, 107.5133),
    Place.of("Soreang", "district", "73.72.03", -3.9922, 119.6407),  # Parepare, Sulawesi
    Place.of("Bandung", "district", "35.04.17", -8.1717, 111.7583),  # Tulungagung
    Place.of("Bandung", "district", "36.04.34", -6.2126, 106.3010),  # Serang
    Place.of("Kabupaten Bandung", "regency", "32.04", -7.0642, 107.6313),
    Place.of("Kota Bandung", "regency", "32.73", -6.9018, 107.6286),
    Place.of("Kabupaten Bandung Barat", "regency", "32.17", -6.9097, 107.4083),
    Place.of("Bandung", "seat", "32.73", -6.9217, 107.6060),
    Place.of("Soreang", "seat", "32.04", -7.0207, 107.5287),
    Place.of("Kuta", "district", "51.03.01", -8.7313, 115.1765),
    Place.of("Kuta Selatan", "district", "51.03.05", -8.7981, 115.1764),
    Place.of("Kota Agung", "district", "16.04.07", -4.1139, 103.4106),  # Lahat
    Place.of("Kota Agung", "district", "18.06.01", -5.4538, 104.6370),  # Tanggamus
    Place.of("Kabupaten Tanggamus", "regency", "18.06", -5.5155, 104.7753),
    Place.of("Kabupaten Pulau Morotai", "regency", "82.07", 2.3144, 128.4435),
    Place.of("Kota Surakarta", "regency", "33.72", -7.5576, 110.8208),
    Place.of("Sumberpucung", "district", "35.07.12", -8.1693, 112.4968),
    Place.of("Kepanjen", "district", "35.07.13", -8.1367, 112.5676),
]

BANDUNG_EPI = (-7.22, 107.59)  # 2023-01-27 M4.0, felt "II - III Soreang, II - III Bandung"
PAREPARE_EPI = (-3.9, 119.4)
TULUNGAGUNG_EPI = (-8.6, 111.8)
BANTEN_EPI = (-6.5, 106.2)
LOMBOK_EPI = (-8.9, 115.7)
ACEH_EPI = (5.5, 95.3)
TANGGAMUS_EPI = (-5.8, 104.5)
LAHAT_EPI = (-4.0, 103.0)
MALANG_EPI = (-8.6, 112.5)


@pytest.fixture(scope="module")
def gazetteer():
    return Gazetteer(PLACES)


@pytest.mark.parametrize(
    "name,epi,code",
    [
        # The Kab./Kota the text names wins over distance; a bare name takes the nearest.
        ("Kab. Bandung", BANDUNG_EPI, "32.04"),
        ("Kota Bandung", BANDUNG_EPI, "32.73"),
        ("Kabupaten Bandung", TULUNGAGUNG_EPI, "32.04"),
        ("Bandung", BANDUNG_EPI, "32.04"),
        ("Bandung", TULUNGAGUNG_EPI, "35.04.17"),
        ("Bandung", BANTEN_EPI, "36.04.34"),
        ("Kabupaten  Bandung Barat", BANDUNG_EPI, "32.17"),
        ("Kab.Bandung Barat", BANDUNG_EPI, "32.17"),
        # Two districts called Soreang, 1,300 km apart.
        ("Soreang", BANDUNG_EPI, "32.04.37"),
        ("Soreang", PAREPARE_EPI, "73.72.03"),
        ("Kec. Soreang", PAREPARE_EPI, "73.72.03"),
        # The data has one district called Kuta (Bali); Lombok's Kuta is a village of Pujut.
        ("Kuta", LOMBOK_EPI, "51.03.01"),
        ("Kuta Selatan", LOMBOK_EPI, "51.03.05"),
        # "Kota Agung" is a district name, not the city of Agung.
        ("Kota Agung", TANGGAMUS_EPI, "18.06.01"),
        ("Kota Agung", LAHAT_EPI, "16.04.07"),
        # Island words left out, colloquial names and BMKG stations.
        ("Morotai", (2.0, 128.0), "82.07"),
        ("Solo", (-7.8, 110.4), "33.72"),
        ("Karangkates", MALANG_EPI, "35.07.12"),
        # Spelling slips within reach.
        ("Kepanjeng", MALANG_EPI, "35.07.13"),
        ("KEPANJEN", MALANG_EPI, "35.07.13"),
    ],
)
def test_resolve(gazetteer, name, epi, code):
    place = gazetteer.resolve(name, *epi)
    assert place is not None and place.code == code


@pytest.mark.parametrize(
    "name,epi",
    [
        ("Kuta", ACEH_EPI),  # the only Kuta is 2,200 km away
        ("Xyzzy", BANDUNG_EPI),
        ("", BANDUNG_EPI),
        ("Iv", BANDUNG_EPI),
        ("Kepanjeng", BANDUNG_EPI),  # a fuzzy match, but 530 km off
    ],
)
def test_unresolved(gazetteer, name, epi):
    assert gazetteer.resolve(name, *epi, max_km=500) is None


def test_max_km_applies_to_exact_matches(gazetteer):
    assert gazetteer.resolve("Soreang", *PAREPARE_EPI, max_km=5) is None


@pytest.mark.parametrize(
    "raw,key,kind",
    [
        ("Kab. Bandung", "bandung", "kab"),
        ("Kab Bandung", "bandung", "kab"),
        ("Kabupaten  Bandung Barat", "bandung barat", "kab"),
        ("Kab.Sumedang", "sumedang", "kab"),
        ("Kota Bandung", "bandung", "kota"),
        ("Kota Administrasi Jakarta Selatan", "jakarta selatan", "kota"),
        ("Kabupaten Administrasi Kepulauan Seribu", "kepulauan seribu", "kab"),
        ("Bandung", "bandung", None),
        ("Kec. Baamang", "baamang", None),
        ("Kecamatan Limbursitu", "limbursitu", None),
        ("Kotabumi", "kotabumi", None),
        ("Kabanjahe", "kabanjahe", None),
        ("Kota", "kota", None),
        ("Kab. Garut (Cikelet, Pameungpeuk)", "garut", "kab"),
        ("Pulau-Pulau Batu", "pulau pulau batu", None),
        ("Kep. Batu", "kepulauan batu", None),
        ("  Toli-Toli ", "toli toli", None),
    ],
)
def test_normalize(raw, key, kind):
    assert normalize_place(raw) == key
    assert split_place(raw).kind == kind


def test_regency_kind_comes_from_its_name():
    assert Place.of("Kota Bandung", "regency", "32.73", 0, 0).kind == "kota"
    assert Place.of("Kabupaten Bandung", "regency", "32.04", 0, 0).kind == "kab"
    assert Place.of("Kota Agung", "district", "18.06.01", 0, 0).kind is None


def test_unknown_level():
    with pytest.raises(ValueError, match="level"):
        Gazetteer([Place("X", "village", "1", 0.0, 0.0)])


def test_seat_places():
    rows = [
        {"name": "Sigli, ACEH", "lat": "5.38", "lon": "95.96", "derived_kode_kabkota": "11.07"},
        {
            "name": "Saumlaki, MALUKU",
            "lat": "-7.98",
            "lon": "131.3",
            "derived_kode_kabkota": "~81.03",
        },
    ]
    sigli, saumlaki = seat_places(rows)
    assert (sigli.name, sigli.level, sigli.code, sigli.lat) == ("Sigli", "seat", "11.07", 5.38)
    assert saumlaki.code == "81.03"
