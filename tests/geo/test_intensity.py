"""Intensity models: physical constraints, helpers, and the held-out check on BMKG reports."""

from __future__ import annotations

import csv
import os
from datetime import UTC
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest

from geo.areas import to_multipolygon
from geo.bmkg import parse_feed
from geo.calibration import fit
from geo.calibration import observations
from geo.calibration import score
from geo.intensity import ANCHOR
from geo.intensity import AWW2012
from geo.intensity import CALIBRATED
from geo.intensity import contour_levels
from geo.intensity import max_mmi
from geo.intensity import midpoint
from geo.intensity import mmi_at
from geo.intensity import radius_km_for
from geo.intensity import reported_mmi_at
from geo.intensity import rupture_length_km
from geo.names import Gazetteer
from geo.names import Place
from geo.names import seat_places

SHARED = Path(
    os.environ.get("KENDALI_SHARED_DIR", Path(__file__).resolve().parents[2].parent / "shared")
)
DATA = SHARED / "data"
ARCHIVE = DATA / "bmkg" / "felt_archive" / "bmkg_felt_archive_2023-01-27_to_2026-08-31.json"
CUT = datetime(2025, 7, 1, tzinfo=UTC)
MODELS = ("calibrated", "aww2012")


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("distance", [0.0, 1.0, 2.5, 5.0])
def test_great_shallow_quake_reaches_viii_near_epicentre(model, distance):
    assert mmi_at(7.4, 10.0, distance, model) >= 8.0


@pytest.mark.parametrize("model", MODELS)
def test_m5_stays_below_vii_everywhere(model):
    assert max(mmi_at(5.0, 10.0, d, model) for d in np.arange(0.0, 1000.5, 0.5)) < 7.0


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("magnitude", np.arange(3.0, 8.01, 0.5).tolist())
@pytest.mark.parametrize("depth", [5.0, 10.0, 30.0, 70.0, 150.0, 300.0, 600.0])
def test_intensity_never_rises_with_distance(model, magnitude, depth):
    values = [mmi_at(magnitude, depth, d, model) for d in np.arange(0.0, 1500.0, 0.5)]
    assert all(b <= a + 1e-12 for a, b in zip(values, values[1:], strict=False))


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("distance", [0.0, 10.0, 50.0, 200.0, 800.0])
@pytest.mark.parametrize("depth", [5.0, 30.0, 300.0])
def test_intensity_grows_with_magnitude(model, distance, depth):
    values = [mmi_at(m, depth, distance, model) for m in np.arange(2.0, 9.01, 0.1)]
    assert all(b >= a - 1e-12 for a, b in zip(values, values[1:], strict=False))


def test_calibrated_model_is_pinned_to_the_published_one_at_the_anchor():
    assert mmi_at(*ANCHOR, "calibrated") == pytest.approx(mmi_at(*ANCHOR, "aww2012"), abs=1e-3)


def test_published_coefficients():
    # Allen, Wald & Worden (2012), hypocentral model.
    assert (AWW2012.c0, AWW2012.c1, AWW2012.c2, AWW2012.c4) == (2.085, 1.428, -1.402, 0.078)
    assert (AWW2012.m1, AWW2012.m2) == (-0.209, 2.042)
    # M5 at 10 km, on the epicentre: RM = 1.833, R = 10, so 2.085 + 7.14 - 1.402 ln(10.167).
    assert mmi_at(5.0, 10.0, 0.0, "aww2012") == pytest.approx(5.9735, abs=1e-3)


def test_finite_rupture_flattens_the_near_field_of_great_quakes_only():
    assert rupture_length_km(7.4) == pytest.approx(84.3, abs=0.5)
    assert mmi_at(7.4, 10.0, 40.0) == pytest.approx(mmi_at(7.4, 10.0, 0.0))
    assert mmi_at(4.0, 10.0, 5.0) < mmi_at(4.0, 10.0, 0.0)


@pytest.mark.parametrize("model", MODELS)
def test_values_are_clamped(model):
    assert mmi_at(2.0, 600.0, 3000.0, model) == 1.0
    assert mmi_at(9.5, 1.0, 0.0, model) <= 12.0


def test_unknown_model():
    with pytest.raises(ValueError, match="unknown intensity model"):
        mmi_at(5.0, 10.0, 0.0, "usgs")


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("magnitude,depth", [(4.0, 10.0), (5.5, 30.0), (6.5, 15.0), (7.4, 10.0)])
def test_radius_matches_mmi_at(model, magnitude, depth):
    previous = float("inf")
    for level in contour_levels(max_mmi(magnitude, depth, model)):
        r = radius_km_for(magnitude, depth, level, model)
        assert r is not None and r <= previous  # higher levels, smaller radii
        assert mmi_at(magnitude, depth, r, model) >= level - 1e-6
        assert mmi_at(magnitude, depth, r + 0.05, model) < level + 1e-6
        previous = r


def test_radius_none_when_never_reached_and_level_checked():
    assert radius_km_for(3.0, 10.0, 7.0) is None
    with pytest.raises(ValueError):
        radius_km_for(5.0, 10.0, 1.0)


@pytest.mark.parametrize(
    "top,levels",
    [
        (1.9, []),
        (2.0, [2.0]),
        (3.7, [2.0, 2.5, 3.0, 3.5]),
        (4.0, [2.0, 2.5, 3.0, 3.5, 4.0]),
    ],
)
def test_contour_levels(top, levels):
    assert contour_levels(top) == levels


def test_midpoint():
    assert midpoint(2, 3) == 2.5
    assert midpoint(4, 4) == 4.0


def test_reported_intensity_accounts_for_felt_lists():
    # A listed place reports at least about II, however weak the median there.
    assert reported_mmi_at(3.0, 10.0, 300.0) > 1.5 > mmi_at(3.0, 10.0, 300.0)
    # Near a strong quake the listing changes nothing.
    assert reported_mmi_at(7.4, 10.0, 0.0) == pytest.approx(mmi_at(7.4, 10.0, 0.0), abs=0.01)
    # The published equation has no selection model.
    assert reported_mmi_at(3.0, 10.0, 300.0, "aww2012") == mmi_at(3.0, 10.0, 300.0, "aww2012")


# --- held-out check on BMKG's felt archive -----------------------------------------------------


def _places(path: Path, level: str) -> list[Place]:
    frame = gpd.read_file(path)
    out = []
    for code, name, geom in zip(frame["kode"], frame["nama"], frame.geometry, strict=True):
        point = to_multipolygon(geom).geometry.representative_point()  # = ST_PointOnSurface
        out.append(Place.of(name, level, code, point.y, point.x))
    return out


@pytest.fixture(scope="module")
def archive_observations():
    if not ARCHIVE.exists():
        pytest.fail(f"felt archive not found at {ARCHIVE}; set KENDALI_SHARED_DIR")
    bounds = DATA / "boundaries"
    places = _places(bounds / "id_kecamatan_7285.geojson", "district")
    places += _places(bounds / "id_kabupaten_kota_514.geojson", "regency")
    with open(DATA / "other" / "ibukota_kabkota_seats_515.csv", newline="") as fh:
        places += seat_places(csv.DictReader(fh))
    gazetteer = Gazetteer(places)
    sightings = parse_feed(ARCHIVE.read_bytes()).sightings
    before = [s for s in sightings if s.origin_time < CUT]
    after = [s for s in sightings if s.origin_time >= CUT]
    return observations(before, gazetteer), observations(after, gazetteer)


def _score(obs, model):
    pred = [reported_mmi_at(o.magnitude, o.depth_km, o.distance_km, model) for o in obs]
    return score(pred, [o.mmi for o in obs])


def test_calibrated_model_beats_the_published_one_on_later_reports(archive_observations):
    _, (obs, total) = archive_observations
    assert len(obs) / total > 0.9  # places resolved
    calibrated, published = _score(obs, "calibrated"), _score(obs, "aww2012")
    assert calibrated["n"] > 2000 and calibrated["n_IV+"] > 50
    assert calibrated["MAE"] < published["MAE"] - 0.1
    assert calibrated["bias_IV+"] >= -0.5
    assert abs(calibrated["bias"]) < 0.25


def test_constants_reproduce_the_fit(archive_observations):
    (obs, _), _ = archive_observations
    refit = fit(obs)
    for name in ("c0", "c1", "c2", "c4", "sigma"):
        assert getattr(refit, name) == pytest.approx(getattr(CALIBRATED, name), abs=0.01), name
