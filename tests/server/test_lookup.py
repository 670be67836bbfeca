"""Point -> area lookup over HTTP and in bulk, on the national boundaries."""

import csv

import pytest

from server.queries import areas as q
from tests.conftest import SHARED


def test_lookup_palu(client):
    res = client.get("/api/v1/areas/lookup?lat=-0.9&lon=119.87")
    assert res.status_code == 200
    assert res.json == {
        "province": {"code": "72", "name": "Sulawesi Tengah"},
        "regency": {"code": "72.71", "name": "Kota Palu"},
        "district": {"code": "72.71.01", "name": "Palu Timur"},
        "offshore_km": None,
    }


def test_lookup_at_sea_near_the_coast_resolves_with_offshore_distance(client):
    # Jakarta Bay, about 6 km off the Kepulauan Seribu polygons.
    res = client.get("/api/v1/areas/lookup?lat=-6.0&lon=106.9")
    assert res.status_code == 200
    assert res.json["regency"]["code"] == "31.01"
    assert 0 < res.json["offshore_km"] <= 25


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (0.0, 90.0),  # Indian Ocean, far from any coast
        (-5.0, 110.0),  # Java Sea, ~100 km from Karimunjawa
        (14.6, 121.0),  # Manila
        (-33.9, 151.2),
    ],  # Sydney
)
def test_lookup_far_at_sea_or_abroad_is_404(client, lat, lon):
    res = client.get(f"/api/v1/areas/lookup?lat={lat}&lon={lon}")
    assert res.status_code == 404
    assert res.is_json and "error" in res.json


@pytest.mark.parametrize(
    ("query", "field", "problem"),
    [
        ("lon=106", "lat", "required"),
        ("lat=-6", "lon", "required"),
        ("lat=abc&lon=106", "lat", "not a number"),
        ("lat=nan&lon=106", "lat", "not a finite number"),
        ("lat=-6&lon=inf", "lon", "not a finite number"),
        ("lat=91&lon=106", "lat", "out of range"),
        ("lat=-6&lon=-181", "lon", "out of range"),
    ],
)
def test_lookup_bad_parameters_are_400_naming_the_parameter(client, query, field, problem):
    res = client.get(f"/api/v1/areas/lookup?{query}")
    assert res.status_code == 400
    assert res.json["fields"][field].startswith(problem)


def _seats():
    with open(SHARED / "data" / "other" / "ibukota_kabkota_seats_515.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# Aimas is the seat of Kabupaten Sorong (Papua Barat Daya since 2022); the source's own
# point-in-polygon derivation found no regency for it.
EXPECTED_WITHOUT_DERIVATION = {"Aimas, PAPUA BARAT": "96.01"}


def test_every_regency_seat_resolves_to_its_regency(app):
    seats = _seats()
    assert len(seats) == 515
    with app.app_context():
        from server.extensions import db

        session = db.session()
        placements = q.lookup_many(session, [(float(s["lat"]), float(s["lon"])) for s in seats])
        session.close()
    wrong = []
    for seat, place in zip(seats, placements, strict=True):
        expected = (
            seat["derived_kode_kabkota"].lstrip("~") or EXPECTED_WITHOUT_DERIVATION[seat["name"]]
        )
        got = place.regency.code if place and place.regency else None
        if got != expected:
            wrong.append((seat["name"], expected, got))
        elif place.province.code != expected[:2]:
            wrong.append((seat["name"], "province", place.province.code))
    assert wrong == []


def test_coastal_seat_over_http(client):
    # Manokwari lies just outside the simplified polygons (a "~" seat in the source).
    seat = next(s for s in _seats() if s["name"].startswith("Manokwari"))
    res = client.get(f"/api/v1/areas/lookup?lat={seat['lat']}&lon={seat['lon']}")
    assert res.status_code == 200
    assert res.json["regency"]["code"] == "92.02"
    assert res.json["province"]["code"] == "92"


def test_bulk_and_single_lookups_agree(app):
    points = [(-0.9, 119.87), (-6.0, 106.9), (0.0, 90.0), (-8.65, 115.22)]
    with app.app_context():
        from server.extensions import db

        session = db.session()
        bulk = q.lookup_many(session, points)
        single = [q.lookup(session, lat, lon) for lat, lon in points]
        session.close()
    assert bulk == single
    assert bulk[2] is None
    assert bulk[3].regency.code == "51.71"  # Kota Denpasar
