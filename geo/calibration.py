"""Felt reports as observations, the intensity-model fit, and the validation score.

BMKG's felt lists name only places where a quake was felt, and most entries are II-III. That
selection shapes both halves of this module:

- a fit that simply chases the listed values learns that a quake is felt at II-III everywhere
  (small quakes are listed far away, because only the places that felt them are listed), and
  loses the magnitude scaling that response planning needs. :func:`fit` therefore treats the
  lists as a *truncated* sample: intensities below :data:`geo.intensity.FELT_FLOOR` are never
  listed, and the median model is what the places would feel, listed or not;
- a constant "about III" already matches a published equation on mean absolute error, so
  :func:`score` also reports the error on the rarer, more important reports of IV and above,
  and :func:`fit` weights those up.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from geo.conditioning import leave_one_place_out
from geo.crs import haversine_km
from geo.intensity import ANCHOR
from geo.intensity import AWW2012
from geo.intensity import FELT_FLOOR
from geo.intensity import Ipe
from geo.intensity import design_row
from geo.intensity import log_normal_sf
from geo.intensity import median_mmi
from geo.intensity import midpoint
from geo.names import Gazetteer
from geo.names import Place
from geo.observations import IntensityObservation
from geo.observations import felt_source
from geo.quake import FeltReport
from geo.quake import Sighting

#: Weight of a report of IV and above in the fit. Such reports are 3 % of the archive but the
#: ones that matter for response; x4 keeps their training bias near -0.25 (the requirement
#: allows -0.5) for +0.015 in overall MAE.
STRONG_WEIGHT = 4.0
STRONG_MMI = 4.0


@dataclass(frozen=True)
class Observation:
    """A felt report placed on the map: what the model sees and what BMKG reported."""

    magnitude: float
    depth_km: float
    distance_km: float
    mmi: float


def search_km(magnitude: float) -> float:
    """How far from the epicentre a felt place may lie when resolving its name.

    Strong and deep quakes are listed far away (an M7.0 632 km deep in Ternate, 745 km from
    the epicentre; an M6.6 as deep in Bima, 790 km away), so the radius widens from M6.
    """
    return 600.0 if magnitude < 6.0 else 1000.0


#: A felt quake with the felt reports whose places resolved, each with its place.
Placed = tuple[Sighting, list[tuple[FeltReport, Place]]]


def place_reports(sightings: Iterable[Sighting], gazetteer: Gazetteer) -> tuple[list[Placed], int]:
    """Resolve the felt places of ``sightings``; also return the number of felt reports."""
    out: list[Placed] = []
    total = 0
    for s in sightings:
        pairs = []
        for report in s.felt:
            total += 1
            place = gazetteer.resolve(report.place, s.lat, s.lon, search_km(s.magnitude))
            if place is not None:
                pairs.append((report, place))
        out.append((s, pairs))
    return out, total


def observations_of(placed: Iterable[Placed]) -> list[Observation]:
    """The placed reports as :class:`Observation` (epicentral distance, midpoint), in order."""
    return [
        Observation(
            s.magnitude,
            s.depth_km,
            haversine_km(s.lat, s.lon, place.lat, place.lon),
            midpoint(report.mmi_min, report.mmi_max),
        )
        for s, pairs in placed
        for report, place in pairs
    ]


def observations(
    sightings: Iterable[Sighting], gazetteer: Gazetteer
) -> tuple[list[Observation], int]:
    """Resolve the felt places of ``sightings`` and measure their epicentral distances.

    Returns the observations of the places that resolved and the number of felt reports.
    """
    placed, total = place_reports(sightings, gazetteer)
    return observations_of(placed), total


def conditioned_predictions(placed: Iterable[Placed]) -> list[float]:
    """Each placed report predicted from the other places of its quake only (leave one place
    out, :func:`geo.conditioning.leave_one_place_out`), in the order of :func:`observations_of`.
    A quake with a single placed report keeps the unconditioned model's value."""
    out: list[float] = []
    for s, pairs in placed:
        source = felt_source(s.source)
        listed = [
            IntensityObservation(p.lat, p.lon, r.mmi_min, r.mmi_max, source, place=r.place)
            for r, p in pairs
        ]
        out += leave_one_place_out(s, listed)
    return out


def score(pred: Sequence[float], obs: Sequence[float]) -> dict[str, float]:
    """Return n, MAE, bias (mean pred - obs), within1 (% with |error| <= 1), and the number,
    MAE and bias over the reports of IV and above (NaN when there are none)."""
    p, o = np.asarray(pred, dtype=float), np.asarray(obs, dtype=float)
    err = p - o
    strong = o >= STRONG_MMI
    nan = float("nan")
    n = int(err.size)
    return {
        "n": n,
        "MAE": float(np.mean(np.abs(err))) if n else nan,
        "bias": float(np.mean(err)) if n else nan,
        "within1": float(100.0 * np.mean(np.abs(err) <= 1.0)) if n else nan,
        "n_IV+": int(strong.sum()),
        "MAE_IV+": float(np.mean(np.abs(err[strong]))) if strong.any() else nan,
        "bias_IV+": float(np.mean(err[strong])) if strong.any() else nan,
    }


def summary_line(stats: dict[str, float], resolved_pct: float) -> str:
    """``n=… resolved=…% MAE=… bias=… within1=…% MAE_IV+=… bias_IV+=…``."""
    return (
        f"n={stats['n']} resolved={resolved_pct:.1f}% MAE={stats['MAE']:.3f} "
        f"bias={stats['bias']:+.3f} within1={stats['within1']:.1f}% "
        f"MAE_IV+={stats['MAE_IV+']:.3f} bias_IV+={stats['bias_IV+']:+.3f}"
    )


def fit(
    obs: Sequence[Observation],
    floor: float = FELT_FLOOR,
    strong_weight: float = STRONG_WEIGHT,
) -> Ipe:
    """Refit the AWW2012 hypocentral form on felt reports.

    Weighted maximum likelihood of a normal scatter about the median, truncated below at
    ``floor`` (the Tobit-style model of a list that never names places below it). Least
    squares or L1 on the listed values would instead learn the selection: flat attenuation
    and weak magnitude scaling. c0 is tied so that the model equals AWW2012 at
    :data:`geo.intensity.ANCHOR` (M7.4, 10 km, epicentre), where BMKG's archive has no
    reports; m1 and m2 stay at AWW2012's values. Fits c1, c2, c4 and sigma by BFGS.
    """
    if len(obs) < 10:
        raise ValueError(f"need at least 10 observations to fit, got {len(obs)}")
    x = np.array([design_row(o.magnitude, o.depth_km, o.distance_km) for o in obs])
    y = np.array([o.mmi for o in obs])
    w = np.where(y >= STRONG_MMI, strong_weight, 1.0)
    anchor_row = design_row(*ANCHOR)
    target = median_mmi(*ANCHOR, AWW2012)
    # median = target + (x - anchor_row) . (c1, c2, c4): the anchor holds for any c1, c2, c4.
    xr = x[:, 1:] - anchor_row[1:]
    start = np.array([AWW2012.c1, AWW2012.c2, AWW2012.c4, 0.0])
    theta = _bfgs(lambda t: _truncated_nll(t, xr, y - target, w, floor - target), start)
    c1, c2, c4 = (float(v) for v in theta[:3])
    c0 = target - float(anchor_row[1:] @ theta[:3])
    return Ipe(c0, c1, c2, c4, AWW2012.m1, AWW2012.m2, sigma=math.exp(float(theta[3])))


def _truncated_nll(
    theta: np.ndarray, x: np.ndarray, y: np.ndarray, w: np.ndarray, floor: float
) -> tuple[float, np.ndarray]:
    """Weighted mean negative log-likelihood of y ~ N(x.b, s) truncated at ``floor``, and its
    gradient in (b, log s)."""
    b, s = theta[:-1], math.exp(theta[-1])
    mu = x @ b
    z, a = (y - mu) / s, (floor - mu) / s
    log_q = log_normal_sf(a)
    mills = np.exp(-0.5 * a * a - 0.5 * math.log(2.0 * math.pi) - log_q)
    total = w.sum()
    value = -float(np.sum(w * (-math.log(s) - 0.5 * z * z - log_q))) / total
    d_mu = -(w * (z - mills) / s) / total
    d_log_s = -float(np.sum(w * (-1.0 + z * z - mills * a))) / total
    return value, np.append(x.T @ d_mu, d_log_s)


def _bfgs(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x: np.ndarray,
    iterations: int = 500,
    gtol: float = 1e-8,
) -> np.ndarray:
    """Minimise a smooth function given value and gradient (BFGS, backtracking line search).

    A dozen lines instead of a SciPy dependency for a four-parameter fit.
    """
    f, g = fun(x)
    h = np.eye(x.size)
    for _ in range(iterations):
        step, p = 1.0, -h @ g
        while True:
            x_new = x + step * p
            f_new, g_new = fun(x_new)
            if math.isfinite(f_new) and f_new <= f + 1e-4 * step * float(g @ p):
                break
            step /= 2.0
            if step < 1e-12:
                return x
        s, yk = x_new - x, g_new - g
        if (sy := float(s @ yk)) > 1e-12:
            v = np.eye(x.size) - np.outer(s, yk) / sy
            h = v @ h @ v.T + np.outer(s, s) / sy
        x, f, g = x_new, f_new, g_new
        if np.max(np.abs(g)) < gtol:
            break
    return x
