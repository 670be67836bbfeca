"""The intensity a quake's impact is computed with: the model alone, or conditioned on reports.

Both answer the same questions (``services/impact.py`` asks them): the strongest intensity,
the contours, how far a level reaches, and the intensity of the areas, one area and the
exposure sites near the epicentre. Area rows are (code, level, name, parent, population,
distance km), plus the lat, lon of the area's point nearest the epicentre when conditioned.
"""

from __future__ import annotations

from geo import intensity
from geo import shakemap
from server.queries import impact as qi
from server.queries import quakes as q


class Model:
    """The intensity model alone: everything follows from the distance to the epicentre.
    Area rows are (code, level, name, parent, population, distance km)."""

    def __init__(self, depth_km: float, magnitude: float):
        self.depth_km, self.magnitude = depth_km, magnitude
        self.max_mmi = intensity.max_mmi(magnitude, depth_km)
        self.shapes = None

    def at_km(self, km: float) -> float:
        return intensity.mmi_at(self.magnitude, self.depth_km, km)

    def contours(self) -> list[tuple[float, float]]:
        levels = intensity.contour_levels(self.max_mmi)
        found = [(level, self.reach(level)) for level in levels]
        return [(level, r) for level, r in found if r]

    def reach(self, level: float) -> float | None:
        return intensity.radius_km_for(self.magnitude, self.depth_km, level)

    def areas(self, session, lat, lon, radius_km) -> list[tuple[tuple, float]]:
        rows = q.area_distances(session, lat, lon, radius_km)
        return [(row, self.at_km(row[5])) for row in rows]

    def area(self, session, code, lat, lon) -> tuple[tuple, float] | None:
        row = q.area_distance(session, code, lat, lon)
        return None if row is None else (row, self.at_km(row[5]))

    def exposure_levels(self, session, lat, lon, radius_km) -> list[tuple[int, float]]:
        return [(p, self.at_km(km)) for p, km in q.exposure_points(session, lat, lon, radius_km)]


class Conditioned:
    """The model conditioned on reports, gridded. Area rows add the nearest point's lat, lon."""

    def __init__(self, lat, lon, depth_km, magnitude, reports):
        hypo = shakemap.Hypocentre(lat, lon, depth_km, magnitude)
        self.map = shakemap.shake_map(hypo, reports)
        self.max_mmi = self.map.max_mmi
        self.event_term = self.map.conditioned.eta
        self.shapes: list = []

    def contours(self) -> list[tuple[float, float]]:
        found = self.map.contours()
        self.shapes = [c.geometry for c in found]
        return [(c.level, c.reach_km) for c in found]

    def reach(self, level: float) -> float | None:
        return self.map.reach_km(level)

    def areas(self, session, lat, lon, radius_km) -> list[tuple[tuple, float]]:
        rows = qi.area_nearest(session, lat, lon, radius_km)
        if not rows:
            return []
        values = self.map.at([r[6] for r in rows], [r[7] for r in rows]).tolist()
        return list(zip(rows, values, strict=True))

    def area(self, session, code, lat, lon) -> tuple[tuple, float] | None:
        row = qi.area_point(session, code, lat, lon)
        return None if row is None else (row, float(self.map.at(row[6], row[7])[0]))

    def exposure_levels(self, session, lat, lon, radius_km) -> list[tuple[int, float]]:
        sites = qi.exposure_sites(session, lat, lon, radius_km)
        if not sites:
            return []
        values = self.map.at([s[1] for s in sites], [s[2] for s in sites]).tolist()
        return [(s[0], v) for s, v in zip(sites, values, strict=True)]
