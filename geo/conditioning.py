"""Felt reports condition the whole intensity map (a ShakeMap 4 style conditional normal).

Model. At a site x a quake's intensity is ``I(x) = mu(x) + eta + eps(x)``: ``mu`` is the median
of the intensity model (``geo/intensity.py``); ``eta ~ N(0, tau^2)`` the event term (this quake
shakes more or less than the equation says), shared by every site; ``eps`` the within-event
residual, a zero-mean Gaussian field of variance ``phi^2`` and correlation
``exp(-d / range_km)``. A report at ``x_i`` says ``y_i = I(x_i) + e_i``, ``e_i ~ N(0, s_i^2)``
(``geo/observations.py``). Given the reports, (eta, eps) have a normal posterior: the event term
is a generalised-least-squares mean shrunk toward zero by ``tau`` (less as reports add up, more
when they cluster, since correlated reports say less), and the residuals are kriged from the
reports, with a variance that shrinks near them and never goes below zero. This is the
formulation of Worden, Thompson, Baker, Bradley, Luco & Wald (2018), "Spatial and spectral
interpolation of ground-motion intensity measure observations", BSSA 108(2):866-875, used by
ShakeMap 4; intensity has no period, so an exponential correlation replaces its spectral one.

Selection. BMKG's felt lists name only places that felt the quake (``I >= FELT_FLOOR``), the
truncation ``geo.calibration.fit`` models. Selection on the reported value leaves the kriging
valid (it conditions on those values), but biases the event term: a small quake listed 300 km
away says II where the median is I. So the event term is the mode of the *truncated* likelihood
of the listed reports (a 1-D Newton solve), the truncation's weight scaled down by the reports'
correlation; reports not selected by intensity (field reports) enter without it.

Variance split. ``tau^2 + phi^2 + s_bmkg^2`` is the model's ``sigma^2``, so with no reports the
expected listed value is exactly :func:`geo.intensity.reported_mmi_at`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike

from geo.crs import haversine_km_grid
from geo.intensity import FELT_FLOOR
from geo.intensity import MMI_MAX
from geo.intensity import MMI_MIN
from geo.intensity import Ipe
from geo.intensity import felt_mean
from geo.intensity import inverse_mills
from geo.intensity import ipe_of
from geo.intensity import median_mmi_grid
from geo.observations import SOURCES
from geo.observations import IntensityObservation


class Epicentre(Protocol):
    """What conditioning needs of a quake (a ``Sighting`` or a ``Solution`` will do)."""

    @property
    def lat(self) -> float:
        """Epicentre latitude."""

    @property
    def lon(self) -> float:
        """Epicentre longitude."""

    @property
    def depth_km(self) -> float:
        """Hypocentre depth in km."""

    @property
    def magnitude(self) -> float:
        """BMKG magnitude."""


@dataclass(frozen=True)
class ResidualModel:
    """Between-event ``tau`` and within-event correlation range; ``phi`` follows from sigma."""

    tau: float
    range_km: float

    def phi(self, ipe: Ipe) -> float:
        """Within-event standard deviation: the part of the model's scatter that is neither
        the event term nor the noise of a BMKG report."""
        if ipe.sigma is None:
            raise ValueError("conditioning needs a model with a scatter (sigma): 'calibrated'")
        rest = ipe.sigma**2 - self.tau**2 - SOURCES["bmkg_felt"].sigma ** 2
        if rest <= 0.0:
            raise ValueError(f"tau={self.tau} leaves no within-event variance in {ipe.sigma}")
        return math.sqrt(rest)


#: Fitted on felt quakes before 2025-07-01 (3,408 placed reports of the 788 quakes with two or
#: more places) by leave-one-place-out mean absolute error over tau 0.4 .. 0.8 x range
#: 50 .. 150 km. The surface is flat (MAE 0.370 .. 0.383); tau 0.6, 75 km lie on its floor
#: (0.372), phi = 0.87. Pairs of reports of one quake fit an exponential correlation: their
#: semivariance rises from 0.07 under 10 km to 0.25 at 100-150 km and levels near 0.35 beyond
#: 200 km (an exponential's practical range is 3 x 75 km).
RESIDUALS = ResidualModel(tau=0.6, range_km=75.0)


@dataclass(frozen=True, eq=False)
class Conditioned:
    """One quake's intensity posterior given its reports; evaluate it at any sites."""

    quake: Epicentre
    ipe: Ipe
    residuals: ResidualModel
    #: Event term: posterior mode and variance.
    eta: float
    eta_var: float
    obs_lat: np.ndarray
    obs_lon: np.ndarray
    #: Inverse of the lower Cholesky factor L of the reports' within-event covariance K
    #: (0 x 0 with no reports): k' K^-1 k = |L^-1 k|^2, one matrix product for a whole map.
    chol_inv: np.ndarray
    #: K^-1 (r - eta) and K^-1 1, the kriging weights' right-hand parts.
    alpha: np.ndarray
    k_inv_one: np.ndarray

    def posterior(self, lat: ArrayLike, lon: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean (unclamped) and variance of the intensity at the sites."""
        lat, lon = np.atleast_1d(lat).astype(float), np.atleast_1d(lon).astype(float)
        q = self.quake
        epi = haversine_km_grid([q.lat], [q.lon], lat, lon)[0]
        mu = median_mmi_grid(q.magnitude, q.depth_km, epi, self.ipe)
        phi2 = self.residuals.phi(self.ipe) ** 2
        if not self.alpha.size:
            return mu, np.full(mu.shape, self.eta_var + phi2)
        k = phi2 * np.exp(
            -haversine_km_grid(lat, lon, self.obs_lat, self.obs_lon) / self.residuals.range_km
        )
        v = self.chol_inv @ k.T
        # Kriging with an uncertain mean (the event term): the last term is what the event
        # term's own uncertainty adds where the reports do not explain the site.
        unexplained = 1.0 - k @ self.k_inv_one
        var = phi2 - np.sum(v * v, axis=0) + unexplained**2 * self.eta_var
        return mu + self.eta + k @ self.alpha, np.maximum(var, 0.0)

    def mean_at(self, lat: ArrayLike, lon: ArrayLike) -> np.ndarray:
        """Conditioned median intensity (clamped to I..XII) alone: for maps of many sites,
        where the variance's matrix product would cost more than the mean."""
        lat, lon = np.atleast_1d(lat).astype(float), np.atleast_1d(lon).astype(float)
        q = self.quake
        epi = haversine_km_grid([q.lat], [q.lon], lat, lon)[0]
        mean = median_mmi_grid(q.magnitude, q.depth_km, epi, self.ipe) + self.eta
        if self.alpha.size:
            distance = haversine_km_grid(lat, lon, self.obs_lat, self.obs_lon)
            phi2 = self.residuals.phi(self.ipe) ** 2
            mean = mean + (phi2 * np.exp(-distance / self.residuals.range_km)) @ self.alpha
        result: np.ndarray = np.clip(mean, MMI_MIN, MMI_MAX)
        return result

    def at(self, lat: ArrayLike, lon: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Conditioned median intensity (clamped to I..XII) and its standard deviation."""
        mean, var = self.posterior(lat, lon)
        return np.clip(mean, MMI_MIN, MMI_MAX), np.sqrt(var)

    def reported_at(self, lat: ArrayLike, lon: ArrayLike, source: str = "bmkg_felt") -> np.ndarray:
        """What a report from ``source`` is expected to say at the sites, if it names them.

        For a felt list, the mean above :data:`FELT_FLOOR` (lists name only places that felt
        the quake), as :func:`geo.intensity.reported_mmi_at` does without reports.
        """
        mean, var = self.posterior(lat, lon)
        kind = SOURCES[source]
        if kind.selected:
            mean = felt_mean(mean, np.sqrt(var + kind.sigma**2))
        result: np.ndarray = np.clip(mean, MMI_MIN, MMI_MAX)
        return result


def condition(
    quake: Epicentre,
    observations: Sequence[IntensityObservation],
    model: str | Ipe = "calibrated",
    residuals: ResidualModel | None = None,
) -> Conditioned:
    """The posterior of ``quake``'s intensity given ``observations`` (see the module docstring).

    With no observations it is the model: median ``mmi_at`` and ``sigma = sqrt(tau^2+phi^2)``.
    """
    ipe, res = ipe_of(model), residuals or RESIDUALS
    phi = res.phi(ipe)
    if not observations:
        empty = np.zeros(0)
        return Conditioned(
            quake, ipe, res, 0.0, res.tau**2, empty, empty, np.zeros((0, 0)), empty, empty
        )
    lat = np.array([o.lat for o in observations])
    lon = np.array([o.lon for o in observations])
    noise2 = np.array([o.noise for o in observations]) ** 2
    epi = haversine_km_grid([quake.lat], [quake.lon], lat, lon)[0]
    mu = median_mmi_grid(quake.magnitude, quake.depth_km, epi, ipe)
    resid = np.array([o.mmi for o in observations]) - mu
    corr = np.exp(-haversine_km_grid(lat, lon, lat, lon) / res.range_km)
    chol_inv = np.linalg.inv(np.linalg.cholesky(phi**2 * corr + np.diag(noise2)))
    k_inv_one = chol_inv.T @ (chol_inv @ np.ones(lat.size))
    selected = np.array([o.selected for o in observations])
    eta, eta_var = _event_term(resid, k_inv_one, mu, phi**2 + noise2, selected, res.tau)
    alpha = chol_inv.T @ (chol_inv @ (resid - eta))
    return Conditioned(quake, ipe, res, eta, eta_var, lat, lon, chol_inv, alpha, k_inv_one)


def _event_term(
    resid: np.ndarray,
    k_inv_one: np.ndarray,
    mu: np.ndarray,
    total_var: np.ndarray,
    selected: np.ndarray,
    tau: float,
) -> tuple[float, float]:
    """Mode and variance (Laplace) of the event term under the truncated likelihood.

    log p(eta | y) = -(r - eta)' K^-1 (r - eta) / 2 - eta^2 / (2 tau^2)
                     - w * sum_selected log P(y_i >= floor | eta),
    whose Gaussian part is ``b - a eta`` in the gradient (``a = 1'K^-1 1``, ``b = 1'K^-1 r``).
    ``w = a / sum(1 / s_i^2)`` is the share of independent information the correlated reports
    carry; it keeps the log-posterior concave (each truncation term takes back less curvature
    than its report gives), so a damped Newton iteration converges.
    """
    a, b = float(k_inv_one.sum()), float(k_inv_one @ resid)
    prior = 1.0 / tau**2
    eta, curvature = b / (a + prior), a + prior
    if not selected.any():
        return eta, 1.0 / curvature
    s = np.sqrt(total_var[selected])
    gap = FELT_FLOOR - mu[selected]
    w = a / float(np.sum(1.0 / total_var))
    for _ in range(100):
        z = (gap - eta) / s
        lam = inverse_mills(z)
        gradient = b - eta * (a + prior) - w * float(np.sum(lam / s))
        curvature = a + prior - w * float(np.sum(lam * (lam - z) / s**2))
        step = float(np.clip(gradient / curvature, -1.0, 1.0))
        eta += step
        if abs(step) < 1e-10:
            break
    return eta, 1.0 / curvature


def conditioned_grid(
    quake: Epicentre,
    model: str | Ipe,
    observations: Sequence[IntensityObservation],
    sites: ArrayLike,
) -> tuple[np.ndarray, np.ndarray]:
    """Conditioned intensity and its standard deviation at many sites: the server's entry.

    Args:
        quake: epicentre, depth and magnitude.
        model: the intensity model (``"calibrated"``, or an :class:`Ipe` with a sigma).
        observations: the quake's reports (none: the model itself).
        sites: (lat, lon) pairs, an (n, 2) array.

    Returns:
        ``(mmi, sigma)``: the posterior median intensity clamped to I..XII (for maps, contours
        and affected areas) and its standard deviation (>= 0, smaller near reports).
    """
    points = np.asarray(sites, dtype=float).reshape(-1, 2)
    return condition(quake, observations, model).at(points[:, 0], points[:, 1])


def leave_one_place_out(
    quake: Epicentre,
    observations: Sequence[IntensityObservation],
    model: str | Ipe = "calibrated",
) -> list[float]:
    """For each observation, the value its source is expected to give at its place, predicted
    from the reports of the *other* places of the quake only: never from itself, nor from
    another report of the same place. With no other place, the unconditioned model's value.
    """
    keys = [(round(o.lat, 6), round(o.lon, 6)) for o in observations]
    by_place: dict[tuple[float, float], Conditioned] = {}
    out: list[float] = []
    for obs, key in zip(observations, keys, strict=True):
        if key not in by_place:
            others = [o for o, k in zip(observations, keys, strict=True) if k != key]
            by_place[key] = condition(quake, others, model)
        out.append(float(by_place[key].reported_at(obs.lat, obs.lon, obs.source)[0]))
    return out
