"""A quake's impact: intensity contours, affected areas, exposed population, tsunami marks.

Without reports the intensity is the model's (``geo.intensity``), a function of distance
alone: PostGIS draws the contours as geodesic circles and measures each area at its point
nearest the epicentre. Once felt reports arrive (``services/observations.py``) the whole map
is conditioned on them (``geo/shakemap.py``): contours are drawn from a grid, and every area's
intensity at its nearest point, the exposure and the areas a tsunami mark adds are all the
conditioned estimate. Either way, the areas the reports name show the observed intensity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import field

import shapely
from flask import current_app
from shapely.geometry import mapping
from sqlalchemy.orm import Session

from geo import shakemap
from geo import tsunami
from server.models import QuakeRow
from server.queries import impact as qi
from server.queries import quakes as q
from server.services import estimates
from server.services import observations


@dataclass
class Impact:
    """What :func:`compute` found, ready to store or print."""

    max_mmi: float
    contours: list[tuple[float, float]]  # (mmi, radius km: a circle's, or a region's reach)
    areas: dict[str, dict] = field(default_factory=dict)  # code -> quake_areas row values
    exposure: dict[int, int] = field(default_factory=dict)  # MMI level -> people
    #: Placed reports the estimate is conditioned on (0: the intensity model alone).
    observations: int = 0
    #: The conditioned estimate's event term (MMI): this quake shakes more (+) or less than
    #: the model says. None for the model alone.
    event_term: float | None = None
    #: Contour polygons (shapely, lon/lat) of a conditioned map, in the order of
    #: ``contours``; None when the contours are the model's circles.
    shapes: list | None = None
    #: Set by :func:`store`: the areas stored before (code -> (level, mmi)), and the codes
    #: this computation added to them and left out of them.
    previous: dict[str, tuple[str, float]] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    below: list[str] = field(default_factory=list)

    def regions(self, min_mmi: float = 0.0) -> list[str]:
        """Regency codes affected (ancestors are added by the event log)."""
        return sorted(
            code
            for code, a in self.areas.items()
            if a["level"] == "regency" and a["mmi"] >= min_mmi
        )


def _area_row(code, level, name, population, distance_km, predicted) -> dict:
    return {
        "code": code,
        "level": level,
        "name": name,
        "distance_km": round(distance_km, 2),
        "predicted_mmi": round(predicted, 2),
        "observed_mmi": None,
        "mmi": round(predicted, 2),
        "population": population,
        "tsunami_level": None,
    }


def compute(
    session: Session,
    lat: float,
    lon: float,
    depth_km: float,
    magnitude: float,
    felt=(),
    tsunami_flag: bool | None = None,
    wzarea=(),
    *,
    feed: str | None = None,
    quake_id: int | None = None,
) -> Impact:
    """The impact of a quake at (lat, lon, depth) of ``magnitude``, conditioned on its felt
    list (sent by ``feed``) and other observations, with tsunami information."""
    seen = observations.gather(session, quake_id, lat, lon, magnitude, felt, feed)
    estimate = (
        estimates.Conditioned(lat, lon, depth_km, magnitude, seen.reports)
        if seen.reports
        else estimates.Model(depth_km, magnitude)
    )
    impact = Impact(max_mmi=round(estimate.max_mmi, 2), contours=estimate.contours())
    if seen.reports:
        impact.observations, impact.shapes = len(seen.reports), estimate.shapes
        impact.event_term = round(estimate.event_term, 2)
    _add_affected(session, impact, estimate, lat, lon)
    felt_reach = estimate.reach(shakemap.LOWEST_LEVEL)
    if felt_reach:
        impact.exposure = _exposure(estimate.exposure_levels(session, lat, lon, felt_reach))
    for code, observed in seen.named.items():
        row = _row_for(session, impact, estimate, code, lat, lon)
        if row is not None:
            row["observed_mmi"] = max(observed, row["observed_mmi"] or 0.0)
            row["mmi"] = row["observed_mmi"]
    if tsunami_flag:
        _mark_tsunami(session, impact, estimate, lat, lon, magnitude, wzarea)
    if impact.areas:
        impact.max_mmi = round(max(impact.max_mmi, *(a["mmi"] for a in impact.areas.values())), 2)
    return impact


def _add_affected(session, impact: Impact, estimate, lat, lon) -> None:
    """The areas estimated at ``QUAKE_AFFECTED_MMI`` or more at their nearest point."""
    affected_mmi = current_app.config["QUAKE_AFFECTED_MMI"]
    reach = estimate.reach(affected_mmi)
    if not reach:
        return
    for (code, level, name, _parent, pop, km, *_), mmi in estimate.areas(session, lat, lon, reach):
        if mmi >= affected_mmi:
            impact.areas[code] = _area_row(code, level, name, pop, km, mmi)


def _exposure(levels: list[tuple[int, float]]) -> dict[int, int]:
    """People per intensity level (PAGER style): each district's population, estimated from
    its regency by area share, counted at the intensity of its representative point."""
    out: dict[int, int] = {}
    for population, mmi in levels:
        level = math.floor(mmi + 1e-9)
        if level >= 2:
            out[level] = out.get(level, 0) + int(population)
    return out


def _row_for(session, impact: Impact, estimate, code: str, lat, lon) -> dict | None:
    """The impact's row of area ``code``, added (at its estimated intensity) if missing."""
    row = impact.areas.get(code)
    if row is None:
        found = estimate.area(session, code, lat, lon)
        if found is None:
            return None
        (c, level, name, _parent, pop, km, *_), mmi = found
        row = impact.areas[c] = _area_row(c, level, name, pop, km, mmi)
    return row


def _mark_tsunami(session, impact: Impact, estimate, lat, lon, magnitude, wzarea) -> None:
    """Coastal regencies a tsunami potential or warning concerns, with the warning level."""
    marks: dict[str, str] = {}
    if wzarea:
        regencies = [tsunami.Regency(c, n) for c, n in q.regencies(session)]
        for zone in wzarea:
            reg = tsunami.match_zone(zone, regencies)
            if reg:
                marks[reg.code] = str(zone.get("level") or "WARNING").upper()
    else:
        radius = tsunami.potential_radius_km(magnitude)
        for code, _name, _km in q.coastal_regencies(session, lat, lon, radius):
            marks[code] = tsunami.POTENTIAL_LEVEL
    for code, level in marks.items():
        row = _row_for(session, impact, estimate, code, lat, lon)
        if row is not None:
            row["tsunami_level"] = level


def store(session: Session, quake: QuakeRow) -> Impact:
    """Compute and store the impact of ``quake``, replacing any earlier one; the result says
    which areas the new estimate added and which it no longer reaches."""
    previous = qi.stored_areas(session, quake.id)
    feed = qi.felt_feed(session, quake.id) if quake.felt else None
    impact = compute(
        session,
        quake.lat,
        quake.lon,
        quake.depth_km,
        quake.magnitude,
        quake.felt,
        quake.tsunami,
        quake.wzarea,
        feed=feed,
        quake_id=quake.id,
    )
    shapes = None if impact.shapes is None else [shapely.to_wkb(g) for g in impact.shapes]
    q.replace_impact(
        session,
        quake.id,
        quake.lat,
        quake.lon,
        impact.contours,
        list(impact.areas.values()),
        impact.exposure,
        shapes,
    )
    quake.max_mmi = impact.max_mmi
    quake.observations = impact.observations
    impact.previous = previous
    impact.added = sorted(set(impact.areas) - set(previous))
    impact.below = sorted(set(previous) - set(impact.areas))
    return impact


def contour_geojson(session: Session, lat: float, lon: float, impact: Impact) -> list[dict]:
    """The contours as GeoJSON geometries, not stored: the conditioned polygons, or geodesic
    circles drawn by PostGIS."""
    if impact.shapes is not None:
        return [mapping(shape) for shape in impact.shapes]
    return q.circles(session, lat, lon, impact.contours)


def as_json(impact: Impact, contours: list[dict]) -> dict:
    """The JSON form printed by ``kendali impact``."""
    areas = sorted(impact.areas.values(), key=lambda a: (-a["mmi"], a["code"]))
    return {
        "max_mmi": impact.max_mmi,
        "observations": impact.observations,
        "event_term": impact.event_term,
        "areas": [
            {
                "code": a["code"],
                "name": a["name"],
                "level": a["level"],
                "max_mmi": a["mmi"],
                "observed_mmi": a["observed_mmi"],
                "population": a["population"],
                "distance_km": a["distance_km"],
                "tsunami_level": a["tsunami_level"],
            }
            for a in areas
        ],
        "exposure": {str(k): v for k, v in sorted(impact.exposure.items())},
        "contours": [
            {"mmi": mmi, "radius_km": round(r, 2), "geometry": geom}
            for (mmi, r), geom in zip(impact.contours, contours, strict=True)
        ],
    }
