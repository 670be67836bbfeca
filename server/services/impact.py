"""A quake's impact: intensity contours, affected areas, exposed population, tsunami marks.

The intensity model is pure (``geo.intensity``); PostGIS measures distances to areas and
draws the contours. Felt reports override the model for the areas they name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import field

from flask import current_app
from sqlalchemy.orm import Session

from geo import intensity
from geo import tsunami
from geo.intensity import midpoint
from server.models import QuakeRow
from server.queries import quakes as q
from server.services import places


@dataclass
class Impact:
    """What :func:`compute` found, ready to store or print."""

    max_mmi: float
    contours: list[tuple[float, float]]  # (mmi, radius km)
    areas: dict[str, dict] = field(default_factory=dict)  # code -> quake_areas row values
    exposure: dict[int, int] = field(default_factory=dict)  # MMI level -> people

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
) -> Impact:
    """The impact of a quake at (lat, lon, depth) of ``magnitude``, with optional felt
    reports and tsunami information."""
    affected_mmi = current_app.config["QUAKE_AFFECTED_MMI"]
    top = intensity.max_mmi(magnitude, depth_km)
    levels = intensity.contour_levels(top)
    contours = [(level, intensity.radius_km_for(magnitude, depth_km, level)) for level in levels]
    contours = [(level, r) for level, r in contours if r]
    impact = Impact(max_mmi=round(top, 2), contours=contours)
    reach = intensity.radius_km_for(magnitude, depth_km, affected_mmi)
    if reach:
        for code, level, name, _parent, pop, km in q.area_distances(session, lat, lon, reach):
            mmi = intensity.mmi_at(magnitude, depth_km, km)
            if mmi >= affected_mmi:
                impact.areas[code] = _area_row(code, level, name, pop, km, mmi)
    felt_reach = contours[0][1] if contours else 0.0
    if felt_reach:
        impact.exposure = _exposure(session, lat, lon, depth_km, magnitude, felt_reach)
    if felt:
        _apply_felt(session, impact, lat, lon, depth_km, magnitude, felt)
    if tsunami_flag:
        _mark_tsunami(session, impact, lat, lon, depth_km, magnitude, wzarea)
    if impact.areas:
        impact.max_mmi = round(max(impact.max_mmi, *(a["mmi"] for a in impact.areas.values())), 2)
    return impact


def _exposure(session, lat, lon, depth_km, magnitude, radius_km) -> dict[int, int]:
    """People per intensity level (PAGER style): each district's population, estimated from
    its regency by area share, counted at the intensity of its representative point."""
    out: dict[int, int] = {}
    for population, km in q.exposure_points(session, lat, lon, radius_km):
        level = math.floor(intensity.mmi_at(magnitude, depth_km, km) + 1e-9)
        if level >= 2:
            out[level] = out.get(level, 0) + int(population)
    return out


def _apply_felt(session, impact: Impact, lat, lon, depth_km, magnitude, felt) -> None:
    """Observed intensities override predictions for the areas a felt list names."""
    gaz = places.gazetteer(session, current_app.config.get("SEATS_CSV"))
    for report in felt:
        place = gaz.resolve(report["place"], lat, lon, max_km=1000.0)
        if place is None or not place.code:
            continue
        observed = midpoint(report["mmi_min"], report["mmi_max"])
        row = impact.areas.get(place.code)
        if row is None:
            found = q.area_distance(session, place.code, lat, lon)
            if found is None:
                continue
            code, level, name, _parent, pop, km = found
            row = impact.areas[code] = _area_row(
                code, level, name, pop, km, intensity.mmi_at(magnitude, depth_km, km)
            )
        row["observed_mmi"] = max(observed, row["observed_mmi"] or 0.0)
        row["mmi"] = row["observed_mmi"]


def _mark_tsunami(session, impact: Impact, lat, lon, depth_km, magnitude, wzarea) -> None:
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
        row = impact.areas.get(code)
        if row is None:
            found = q.area_distance(session, code, lat, lon)
            if found is None:
                continue
            c, lv, name, _parent, pop, km = found
            row = impact.areas[c] = _area_row(
                c, lv, name, pop, km, intensity.mmi_at(magnitude, depth_km, km)
            )
        row["tsunami_level"] = level


def store(session: Session, quake: QuakeRow) -> Impact:
    """Compute and store the impact of ``quake`` (replacing any earlier one)."""
    impact = compute(
        session,
        quake.lat,
        quake.lon,
        quake.depth_km,
        quake.magnitude,
        quake.felt,
        quake.tsunami,
        quake.wzarea,
    )
    q.replace_impact(
        session,
        quake.id,
        quake.lat,
        quake.lon,
        impact.contours,
        list(impact.areas.values()),
        impact.exposure,
    )
    quake.max_mmi = impact.max_mmi
    return impact


def contour_geojson(session: Session, lat: float, lon: float, contours) -> list[dict]:
    """Contours as GeoJSON geometries (geodesic circles drawn by PostGIS), not stored."""
    return q.circles(session, lat, lon, contours)


def as_json(impact: Impact, contours: list[dict]) -> dict:
    """The JSON form printed by ``kendali impact``."""
    areas = sorted(impact.areas.values(), key=lambda a: (-a["mmi"], a["code"]))
    return {
        "max_mmi": impact.max_mmi,
        "areas": [
            {
                "code": a["code"],
                "name": a["name"],
                "level": a["level"],
                "max_mmi": a["mmi"],
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
