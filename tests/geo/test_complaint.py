"""Complaint submissions (validation, normalisation) and keyed identifiers."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from geo.complaint import SubmissionError
from geo.complaint import parse_submission
from geo.privacy import content_hash
from geo.privacy import keyed_hash
from geo.privacy import normalize_nik
from geo.privacy import normalize_phone
from geo.privacy import normalize_village
from geo.privacy import village_key

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
CATEGORIES = ["PKH", "BPNT/Sembako", "BLT", "PBI-JK", "disaster aid", "other"]
KEY = b"k" * 32


def body(**kw):
    out = {
        "external_id": "LAPOR-1",
        "received_at": "2026-11-28T09:30:00+07:00",
        "category": "bpnt/sembako",
        "description": "Beras tidak dibagikan",
        "location": {"lat": -0.9, "lon": 119.87},
    }
    out.update(kw)
    return out


def parse(data, channel="sp4n_lapor"):
    return parse_submission(data, channel=channel, categories=CATEGORIES, now=NOW)


def test_a_valid_submission_is_normalised():
    sub = parse(body(reporter={"nik": " 7271010101900001 ", "phone": "+62 812-3456-789"}))
    assert sub.received_at == datetime(2026, 11, 28, 2, 30, tzinfo=UTC)
    assert sub.category == "BPNT/Sembako"
    assert sub.has_point and (sub.lat, sub.lon) == (-0.9, 119.87)
    assert sub.nik == "7271010101900001" and sub.phone == "628123456789"
    assert sub.reporter["nik"] == " 7271010101900001 "  # stored as given


def test_every_bad_field_is_named_at_once():
    with pytest.raises(SubmissionError) as err:
        parse(
            {
                "received_at": "2026-11-28",
                "location": {"lat": True, "lon": None, "province": 5},
                "reporter": {"nik": "abc", "name": 3},
                "identifying": "x",
            }
        )
    assert err.value.status == 400
    assert set(err.value.fields) == {
        "external_id",
        "received_at",
        "category",
        "description",
        "location.lat",
        "location.lon",
        "location.province",
        "reporter.nik",
        "reporter.name",
        "identifying",
    }


@pytest.mark.parametrize(
    ("received_at", "ok"),
    [
        ((NOW + timedelta(minutes=4)).isoformat(), True),  # clock skew
        ((NOW + timedelta(minutes=6)).isoformat(), False),
        ("1999-12-31T23:00:00+07:00", False),
        ("2026-11-28T09:30:00Z", True),
    ],
)
def test_received_at(received_at, ok):
    if ok:
        parse(body(received_at=received_at))
    else:
        with pytest.raises(SubmissionError) as err:
            parse(body(received_at=received_at))
        assert set(err.value.fields) == {"received_at"}


def test_another_channel_is_403_before_anything_else():
    with pytest.raises(SubmissionError) as err:
        parse(body(channel="ditjen", category="nope"))
    assert err.value.status == 403 and set(err.value.fields) == {"channel"}
    assert parse(body(channel="sp4n_lapor")).external_id == "LAPOR-1"


def test_errors_never_repeat_the_value():
    nik = "12345678901234567"
    with pytest.raises(SubmissionError) as err:
        parse(body(reporter={"nik": nik, "phone": "x"}))
    assert nik not in repr(err.value.fields)


@pytest.mark.parametrize(
    ("raw", "phone"),
    [
        ("0812-3456-7890", "6281234567890"),
        ("+62 812 3456 7890", "6281234567890"),
        ("6281234567890", "6281234567890"),
        ("81234567890", "6281234567890"),
        ("12", None),
    ],
)
def test_phone_numbers(raw, phone):
    assert normalize_phone(raw) == phone


def test_nik_and_villages():
    assert normalize_nik("7271010101900001") == "7271010101900001"
    assert normalize_nik("7271-0101-0190-0001") is None
    assert normalize_nik("٧٢٧١٠١٠١٠١٩٠٠٠٠١") is None  # other scripts' digits are not a NIK
    assert normalize_village("Kelurahan Dago") == normalize_village("Kel. DAGO") == "dago"
    assert normalize_village("Desa Sukamaju") == "sukamaju"
    assert village_key(KEY, "32.73.02", "Kel. Dago") == village_key(KEY, "32.73.02", "Dago")
    assert village_key(KEY, "32.73.02", "Dago") != village_key(KEY, "32.73.03", "Dago")
    assert village_key(KEY, "32.73.02", "  ") is None


def test_keyed_hashes_depend_on_the_key_and_the_kind():
    assert keyed_hash(KEY, "nik", "1") != keyed_hash(b"x" * 32, "nik", "1")
    assert keyed_hash(KEY, "nik", "1") != keyed_hash(KEY, "phone", "1")
    assert content_hash(KEY, {"a": 1, "b": 2}) == content_hash(KEY, {"b": 2, "a": 1})
