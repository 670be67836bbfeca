"""Conditioning the intensity map on felt reports: table tests, and the held-out targets."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass

import numpy as np
import pytest

from geo.bmkg import parse_feed
from geo.calibration import conditioned_predictions
from geo.calibration import observations_of
from geo.calibration import place_reports
from geo.calibration import score
from geo.conditioning import RESIDUALS
from geo.conditioning import ResidualModel
from geo.conditioning import condition
from geo.conditioning import conditioned_grid
from geo.conditioning import leave_one_place_out
from geo.crs import haversine_km
from geo.crs import haversine_km_grid
from geo.intensity import AWW2012
from geo.intensity import CALIBRATED
from geo.intensity import median_mmi
from geo.intensity import median_mmi_grid
from geo.intensity import mmi_at
from geo.intensity import reported_mmi_at
from geo.names import Gazetteer
from geo.names import seat_places
from geo.observations import IntensityObservation
from geo.observations import felt_source
from geo.observations import parse_range
from tests.geo.test_intensity import ARCHIVE
from tests.geo.test_intensity import CUT
from tests.geo.test_intensity import DATA
from tests.geo.test_intensity import _places

PHI = RESIDUALS.phi(CALIBRATED)
PRIOR_SD = math.hypot(RESIDUALS.tau, PHI)


@dataclass(frozen=True)
class Quake:
    lat: float
    lon: float
    depth_km: float
    magnitude: float


# Cianjur-like shallow M5.6, a deep M6.6 under the Java Sea, a small M3.5 near Ambon.
QUAKES = [
    Quake(-6.86, 107.01, 10.0, 5.6),
    Quake(-6.29, 111.92, 600.0, 6.6),
    Quake(-3.7, 128.2, 10.0, 3.5),
]


def _offset(quake: Quake, north_km: float, east_km: float = 0.0) -> tuple[float, float]:
    lat = quake.lat + north_km / 111.2
    return lat, quake.lon + east_km / (111.2 * math.cos(math.radians(lat)))


def _report(quake: Quake, north_km: float, mmi: float, east_km: float = 0.0, **kw):
    lat, lon = _offset(quake, north_km, east_km)
    return IntensityObservation(lat, lon, mmi, mmi, **kw)


def _median(quake: Quake, lat: float, lon: float) -> float:
    return median_mmi(
        quake.magnitude, quake.depth_km, haversine_km(quake.lat, quake.lon, lat, lon), CALIBRATED
    )


# --- no observations: the model -------------------------------------------------------------


@pytest.mark.parametrize("quake", QUAKES)
def test_no_observations_give_the_model(quake):
    sites = [_offset(quake, n, e) for n in (0.0, 7.0, 40.0, 150.0, 600.0) for e in (0.0, 30.0)]
    mmi, sigma = conditioned_grid(quake, "calibrated", [], sites)
    for (lat, lon), value in zip(sites, mmi, strict=True):
        km = haversine_km(quake.lat, quake.lon, lat, lon)
        assert value == pytest.approx(mmi_at(quake.magnitude, quake.depth_km, km), abs=1e-9)
    assert sigma == pytest.approx(np.full(len(sites), PRIOR_SD))
    # ... and the value a felt list is expected to give is reported_mmi_at's, exactly.
    post = condition(quake, [])
    for lat, lon in sites:
        km = haversine_km(quake.lat, quake.lon, lat, lon)
        expected = reported_mmi_at(quake.magnitude, quake.depth_km, km)
        assert post.reported_at(lat, lon)[0] == pytest.approx(expected, abs=1e-9)


# --- one observation: a bounded shift --------------------------------------------------------


@pytest.mark.parametrize("quake", QUAKES)
@pytest.mark.parametrize("surprise", [-1.5, -0.5, 0.5, 2.0])
@pytest.mark.parametrize("source", ["bmkg_felt", "field_report"])
def test_one_observation_shifts_toward_it_boundedly(quake, surprise, source):
    lat, lon = _offset(quake, 60.0)
    before = condition(quake, []).reported_at(lat, lon, source)[0]
    observed = min(12.0, max(2.0, round(2.0 * (before + surprise)) / 2.0))
    post = condition(quake, [IntensityObservation(lat, lon, observed, observed, source)])
    after = post.reported_at(lat, lon, source)[0]
    # What the source is expected to say there moves toward what it said (a hair past it at
    # most, where a list's floor meets the report's own noise) ...
    assert abs(after - observed) < abs(before - observed)
    assert min(before, observed) - 0.05 <= after <= max(before, observed) + 0.05
    # ... the event term is shrunk: smaller than the surprise, and all that remains far away;
    # at the report the intensity lies between the event term alone and the report.
    assert abs(post.eta) < abs(observed - before)
    resid = observed - _median(quake, lat, lon)
    far_lat, far_lon = _offset(quake, -60.0, 900.0)
    far_shift = post.posterior(far_lat, far_lon)[0][0] - _median(quake, far_lat, far_lon)
    near_shift = post.posterior(lat, lon)[0][0] - _median(quake, lat, lon)
    assert abs(far_shift - post.eta) < 1e-4
    assert min(post.eta, resid) - 1e-9 <= near_shift <= max(post.eta, resid) + 1e-9
    if source == "field_report":  # no selection: the plain normal posterior
        assert abs(near_shift) >= abs(far_shift) and near_shift * resid > 0


def test_a_listed_report_far_from_a_small_quake_says_little_about_the_event_term():
    # A felt list names a place 250 km from an M3.5 as II, where the median is about I: that
    # is what a list does (selection), not a sign that the quake shook harder.
    quake = QUAKES[2]
    listed = condition(quake, [_report(quake, 250.0, 2.0)])
    seen = condition(quake, [_report(quake, 250.0, 2.0, source="field_report")])
    assert 0.0 < listed.eta < 0.5 * seen.eta


# --- many consistent observations: close to them -------------------------------------------


@pytest.mark.parametrize("quake", [QUAKES[0], Quake(3.6, 126.9, 20.0, 6.5)])
@pytest.mark.parametrize("shift", [-1.0, 0.0, 1.0])
def test_many_consistent_observations_are_followed(quake, shift):
    ring = [(r, b) for r in (40.0, 80.0, 120.0) for b in range(0, 360, 30)]
    reports = []
    for r, bearing in ring:
        north, east = r * math.cos(math.radians(bearing)), r * math.sin(math.radians(bearing))
        lat, lon = _offset(quake, north, east)
        level = round(2.0 * (_median(quake, lat, lon) + shift)) / 2.0  # as a list rounds it
        reports.append(IntensityObservation(lat, lon, max(level, 2.0), max(level, 2.0)))
    post = condition(quake, reports)
    assert post.eta * shift >= 0.0 and abs(post.eta) <= abs(shift) + 0.1  # rounding
    predicted = post.reported_at([o.lat for o in reports], [o.lon for o in reports])
    assert np.max(np.abs(predicted - [o.mmi for o in reports])) < 0.5
    assert np.mean(np.abs(predicted - [o.mmi for o in reports])) < 0.25
    # Between the reports, where nobody reported, the map follows them too.
    lat, lon = _offset(quake, 60.0 * math.cos(0.3), 60.0 * math.sin(0.3))
    expected = _median(quake, lat, lon) + shift
    assert post.at(lat, lon)[0][0] == pytest.approx(expected, abs=0.4)


# --- uncertainty: never negative, smaller near observations ---------------------------------


@pytest.mark.parametrize(
    "reports",
    [
        [(50.0, 4.0, None)],
        [(50.0, 4.0, None), (50.0, 4.0, None), (50.0, 5.0, None)],  # one place, three reports
        [(50.0, 4.0, 0.05), (50.0, 6.0, 0.05)],  # two precise field reports that disagree
        [(d, 3.0, None) for d in np.linspace(20.0, 300.0, 40)],
    ],
)
def test_uncertainty_is_never_negative_and_smallest_near_reports(reports):
    quake = QUAKES[0]
    obs = [
        _report(quake, north, mmi, source="field_report" if s else "bmkg_felt", sigma=s)
        for north, mmi, s in reports
    ]
    sites = [_offset(quake, n, e) for n in np.linspace(-400, 400, 41) for e in (0.0, 15.0, 200.0)]
    mmi, sigma = conditioned_grid(quake, "calibrated", obs, sites)
    assert np.all(np.isfinite(mmi)) and np.all(sigma >= 0.0)
    assert np.all(sigma <= PRIOR_SD + 1e-9)
    at_report = conditioned_grid(quake, "calibrated", obs[:1], [(obs[0].lat, obs[0].lon)])[1][0]
    far = conditioned_grid(quake, "calibrated", obs[:1], [_offset(quake, -400.0, 200.0)])[1][0]
    assert at_report < 0.6 * far
    assert far < PRIOR_SD  # the event term is known better even far away


def test_gaussian_case_equals_the_joint_conditional_normal():
    # Without selection the two-step solution (event term, then kriging) must equal the
    # textbook conditional of the joint normal (tau^2 + phi^2 rho + noise).
    quake = QUAKES[0]
    obs = [
        _report(quake, 30.0, 6.0, source="field_report"),
        _report(quake, 45.0, 5.0, 20.0, source="field_report", sigma=0.8),
        _report(quake, -90.0, 3.0, source="field_report"),
    ]
    sites = np.array([_offset(quake, n, 10.0) for n in (-120.0, 0.0, 35.0, 300.0)])
    mmi, sigma = conditioned_grid(quake, "calibrated", obs, sites)
    lat = np.array([o.lat for o in obs] + list(sites[:, 0]))
    lon = np.array([o.lon for o in obs] + list(sites[:, 1]))
    cov = RESIDUALS.tau**2 + PHI**2 * np.exp(-haversine_km_grid(lat, lon, lat, lon) / 75.0)
    n = len(obs)
    c_oo = cov[:n, :n] + np.diag([o.noise**2 for o in obs])
    resid = np.array([o.mmi - _median(quake, o.lat, o.lon) for o in obs])
    gain = np.linalg.solve(c_oo, cov[:n, n:]).T
    mu = np.array([_median(quake, a, b) for a, b in sites])
    assert mmi == pytest.approx(np.clip(mu + gain @ resid, 1, 12), abs=1e-9)
    var = np.diag(cov[n:, n:]) - np.sum(gain * cov[n:, :n], axis=1)
    assert sigma == pytest.approx(np.sqrt(var), abs=1e-9)


# --- validation never uses a report to predict itself ---------------------------------------


@pytest.mark.parametrize("absurd", [1.0, 12.0])
def test_leave_one_place_out_never_sees_the_report_itself(absurd):
    quake = QUAKES[0]
    honest = [_report(quake, 30.0, 5.0), _report(quake, 60.0, 4.0), _report(quake, 90.0, 3.5)]
    target = _report(quake, 45.0, absurd, 5.0)
    twin = _report(quake, 45.0, absurd, 5.0)  # the same place listed twice: also left out
    predicted = leave_one_place_out(quake, [*honest, target, twin])
    baseline = leave_one_place_out(quake, [*honest, _report(quake, 45.0, 4.5, 5.0)])
    assert predicted[3] == pytest.approx(baseline[3], abs=1e-12)
    assert predicted[4] == pytest.approx(baseline[3], abs=1e-12)
    # ... while the other places' predictions do use it (it is a report of this quake).
    assert predicted[0] != pytest.approx(baseline[0], abs=1e-3)


def test_a_single_placed_report_keeps_the_unconditioned_estimate():
    quake = QUAKES[1]
    report = _report(quake, 120.0, 5.0)
    km = haversine_km(quake.lat, quake.lon, report.lat, report.lon)
    expected = reported_mmi_at(quake.magnitude, quake.depth_km, km)
    assert leave_one_place_out(quake, [report]) == [pytest.approx(expected, abs=1e-9)]


# --- observations and helpers ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("II-III", (2.0, 3.0)),
        ("II - III", (2.0, 3.0)),
        ("iv", (4.0, 4.0)),
        ("V-IV", (4.0, 5.0)),
        ("3", (3.0, 3.0)),
    ],
)
def test_parse_range(text, expected):
    assert parse_range(text) == expected


@pytest.mark.parametrize("text", ["", "II-", "XIII", "II-III-IV", "kuat"])
def test_parse_range_refuses(text):
    with pytest.raises(ValueError):
        parse_range(text)


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"lat": 95.0}, "lat/lon"),
        ({"lon": float("nan")}, "lat/lon"),
        ({"mmi_min": 4.0, "mmi_max": 3.0}, "mmi_min/mmi_max"),
        ({"mmi_min": 0.0}, "mmi_min/mmi_max"),
        ({"source": "twitter"}, "source"),
        ({"sigma": 0.0}, "sigma"),
        ({"sigma": float("nan")}, "sigma"),
    ],
)
def test_observation_refuses_bad_input_naming_the_field(kwargs, field):
    good = {"lat": -6.9, "lon": 107.6, "mmi_min": 2.0, "mmi_max": 3.0}
    with pytest.raises(ValueError, match=field):
        IntensityObservation(**{**good, **kwargs})


def test_observation_defaults_and_field_reports():
    listed = IntensityObservation.from_range("II-III", -6.9, 107.6, place="Bandung")
    assert (listed.mmi, listed.noise, listed.selected) == (2.5, 0.3, True)
    field = IntensityObservation(-6.9, 107.6, 6.0, 6.0, "field_report", sigma=0.7)
    assert (field.noise, field.selected) == (0.7, False)
    assert (felt_source("inatews"), felt_source("gempadirasakan")) == ("inatews_felt", "bmkg_felt")


def test_conditioning_needs_a_model_with_a_scatter():
    with pytest.raises(ValueError, match="sigma"):
        condition(QUAKES[0], [], AWW2012)
    with pytest.raises(ValueError, match="within-event"):
        ResidualModel(tau=1.2, range_km=75.0).phi(CALIBRATED)


def test_vectorised_helpers_match_the_scalar_ones():
    lats, lons = np.array([-6.9, 0.5, 3.6]), np.array([107.6, 127.4, 98.7])
    grid = haversine_km_grid(lats, lons, lats[::-1], lons[::-1])
    for i in range(3):
        for j in range(3):
            assert grid[i, j] == pytest.approx(
                haversine_km(lats[i], lons[i], lats[2 - j], lons[2 - j])
            )
    km = np.array([0.0, 5.0, 49.0, 51.0, 400.0])
    for magnitude, depth in ((3.0, 1.0), (7.4, 10.0), (6.6, 600.0)):
        assert median_mmi_grid(magnitude, depth, km, CALIBRATED) == pytest.approx(
            [median_mmi(magnitude, depth, d, CALIBRATED) for d in km]
        )


# --- held-out check on BMKG's felt archive -----------------------------------------------------


@pytest.fixture(scope="module")
def later_placed():
    if not ARCHIVE.exists():
        pytest.fail(f"felt archive not found at {ARCHIVE}; set KENDALI_SHARED_DIR")
    bounds = DATA / "boundaries"
    places = _places(bounds / "id_kecamatan_7285.geojson", "district")
    places += _places(bounds / "id_kabupaten_kota_514.geojson", "regency")
    with open(DATA / "other" / "ibukota_kabkota_seats_515.csv", newline="") as fh:
        places += seat_places(csv.DictReader(fh))
    later = [s for s in parse_feed(ARCHIVE.read_bytes()).sightings if s.origin_time >= CUT]
    return place_reports([s for s in later if s.felt], Gazetteer(places))


def test_conditioned_estimate_meets_the_targets_on_later_quakes(later_placed):
    placed, total = later_placed
    obs = observations_of(placed)
    observed = [o.mmi for o in obs]
    stats = score(conditioned_predictions(placed), observed)
    unconditioned = score(
        [reported_mmi_at(o.magnitude, o.depth_km, o.distance_km) for o in obs], observed
    )
    assert len(obs) / total >= 0.92 and stats["n"] > 2000 and stats["n_IV+"] > 50
    assert stats["MAE"] <= 0.40 < unconditioned["MAE"]
    assert stats["MAE_IV+"] <= 0.70
    assert abs(stats["bias_IV+"]) <= 0.5
