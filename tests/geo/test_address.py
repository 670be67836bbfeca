"""Address matching: real-world spellings, namesakes decided by parents, confidence."""

import pytest

from geo.address import MIN_CONFIDENCE
from geo.address import AddressIndex

AREAS = [
    ("32", "Jawa Barat"),
    ("32.04", "Kabupaten Bandung"),
    ("32.04.05", "Soreang"),
    ("32.17", "Kabupaten Bandung Barat"),
    ("32.17.01", "Lembang"),
    ("32.17.02", "Parongpong"),
    ("32.73", "Kota Bandung"),
    ("32.73.02", "Coblong"),
    ("32.73.03", "Kota Baru"),  # a district whose name starts with "Kota" (made up here)
    ("33", "Jawa Tengah"),
    ("33.13", "Kabupaten Karanganyar"),
    ("33.13.09", "Karanganyar"),
    ("33.26", "Kabupaten Pekalongan"),
    ("33.26.07", "Karanganyar"),
    ("35", "Jawa Timur"),
    ("35.04", "Kabupaten Tulungagung"),
    ("35.04.17", "Bandung"),
    ("31", "Daerah Khusus Ibukota Jakarta"),
    ("31.74", "Kota Administrasi Jakarta Selatan"),
    ("31.74.07", "Kebayoran Baru"),
    ("72", "Sulawesi Tengah"),
    ("72.71", "Kota Palu"),
    ("72.71.01", "Palu Timur"),
    ("73", "Sulawesi Selatan"),
    ("73.15", "Kabupaten Pinrang"),
    ("73.15.07", "Lembang"),
]


@pytest.fixture(scope="module")
def index():
    return AddressIndex(AREAS)


def codes(m):
    return tuple(a.code if a else None for a in (m.province, m.regency, m.district))


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        (
            {"province": "Jawa Barat", "regency": "Kab. Bandung Barat", "district": "Lembang"},
            ("32", "32.17", "32.17.01"),
        ),
        ({"regency": "Kabupaten  Bandung Barat"}, ("32", "32.17", None)),
        (
            {"regency": "KAB BANDUNG BARAT", "district": "Kec. Parongpong"},
            ("32", "32.17", "32.17.02"),
        ),
        ({"regency": "Kota Bandung"}, ("32", "32.73", None)),
        ({"regency": "Kab. Bandung"}, ("32", "32.04", None)),
        ({"regency": "Bandung", "district": "Coblong"}, ("32", "32.73", "32.73.02")),
        ({"regency": "Bandung", "district": "Soreang"}, ("32", "32.04", "32.04.05")),
        (
            {"province": "Jawa Tengah", "regency": "Pekalongan", "district": "Karanganyar"},
            ("33", "33.26", "33.26.07"),
        ),
        ({"province": "Jatim", "district": "Bandung"}, ("35", "35.04", "35.04.17")),
        (
            {"province": "DKI Jakarta", "regency": "Jakarta Selatan", "district": "Kebayoran Baru"},
            ("31", "31.74", "31.74.07"),
        ),
        ({"province": "Prov. Sulteng", "regency": "Palu"}, ("72", "72.71", None)),
        ({"regency": "Bandung Barat", "district": "Lembangg"}, ("32", "32.17", "32.17.01")),
        ({"regency": "Bandng Barat"}, ("32", "32.17", None)),
        ({"regency": "Kota Bandung", "district": "Kota Baru"}, ("32", "32.73", "32.73.03")),
    ],
)
def test_addresses_are_placed(index, address, expected):
    found = index.match(**address)
    assert codes(found) == expected
    assert found.placed and found.confidence >= MIN_CONFIDENCE


def test_exact_spellings_are_fully_confident(index):
    assert index.match("Jawa Barat", "Kab. Bandung Barat", "Lembang").confidence == 1.0
    fuzzy = index.match(regency="Bandng Barat")
    assert MIN_CONFIDENCE <= fuzzy.confidence < 1.0


def test_the_other_kind_is_a_weaker_match(index):
    # "Kota Bandung Barat" does not exist: the Kabupaten of that name, with less confidence
    found = index.match(regency="Kota Bandung Barat")
    assert codes(found) == ("32", "32.17", None) and found.confidence < 1.0


@pytest.mark.parametrize(
    ("address", "candidates"),
    [
        ({"regency": "Bandung"}, ("32.04", "32.73")),  # Kab. or Kota: no district to decide
        ({"district": "Lembang"}, ("32.17.01", "73.15.07")),
        ({"province": "Jawa Tengah", "district": "Karanganyar"}, ("33.13.09", "33.26.07")),
    ],
)
def test_ambiguous_addresses_are_not_placed_but_keep_the_candidates(index, address, candidates):
    found = index.match(**address)
    assert not found.placed and found.regency is None
    assert found.candidates == candidates


def test_a_missing_district_places_at_the_regency_and_says_what_was_unresolved(index):
    found = index.match("Jawa Barat", "Kota Bandung", "Sukaasih Raya")
    assert codes(found) == ("32", "32.73", None) and found.placed
    assert found.unresolved == ("district",)


def test_contradicting_parents_lower_the_confidence(index):
    found = index.match(province="Jawa Tengah", regency="Bandung Barat")
    assert found.regency is not None and found.regency.code == "32.17"
    assert not found.placed and found.confidence < MIN_CONFIDENCE


@pytest.mark.parametrize(
    "address",
    [{}, {"province": "  "}, {"regency": "Atlantis"}, {"province": "Jawa Barat"}],
)
def test_nothing_to_place(index, address):
    found = index.match(**address)
    assert not found.placed


def test_index_size_and_levels(index):
    assert len(index) == len(AREAS)
    assert index.areas["32.17.01"].level == "district" and index.areas["32.17.01"].parent == "32.17"
    assert index.areas["32.73"].kind == "kota" and index.areas["32.04"].kind == "kab"
