"""A quake's intensity observations: its felt list placed on the map, and (later) field reports.

The impact (``services/impact.py``) conditions the whole intensity map on these. Rules:

- One felt list: the quake's current one (``quakes.felt``, the latest revision any feed sent),
  so the places of a BMKG list and of an InaTEWS message about the same quake are never
  counted twice; its source follows the feed that sent it (``bmkg_felt``, ``inatews_felt``).
- Each place once: names that resolve to the same point keep the strongest report.
- Places resolve as felt overrides always did (the namesake nearest the epicentre within
  1,000 km, ``geo/names.py``), and the area a place lies in shows the observed intensity. They
  condition the map only within ``geo.calibration.search_km`` of the epicentre, the radius
  the conditioning was validated with (``kendali impact validate --conditioned``).
- Field reports (issue 14, the tablets of issue 17) are not selected by intensity and carry
  their own sigma (``geo.observations.SOURCES["field_report"]``). Reports carry no intensity
  estimate yet: :func:`field_observations` is where they join once they do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field

from flask import current_app
from sqlalchemy.orm import Session

from geo.calibration import search_km
from geo.crs import haversine_km
from geo.intensity import midpoint
from geo.names import Place
from geo.observations import IntensityObservation
from geo.observations import felt_source
from server.services import places

#: Felt places resolve this far from the epicentre to show their area's observed intensity.
NAMED_KM = 1000.0


@dataclass
class Observations:
    """What a quake's reports say: the conditioning set and the areas they name."""

    #: Each place once, for ``geo.shakemap.shake_map``.
    reports: list[IntensityObservation] = field(default_factory=list)
    #: area code -> strongest observed intensity (midpoint) of the places in it.
    named: dict[str, float] = field(default_factory=dict)


def felt_observations(
    session: Session,
    lat: float,
    lon: float,
    magnitude: float,
    felt: Iterable[dict],
    feed: str | None = None,
) -> Observations:
    """Place a felt list (``{"place", "mmi_min", "mmi_max"}`` items) sent by ``feed``."""
    felt = list(felt)
    if not felt:
        return Observations()  # the gazetteer costs a query: not for the model alone
    gaz = places.gazetteer(session, current_app.config.get("SEATS_CSV"))
    source = felt_source(feed or "gempadirasakan")
    trusted_km = search_km(magnitude)
    out = Observations()
    by_point: dict[tuple[float, float], IntensityObservation] = {}
    for report in felt:
        place = gaz.resolve(report["place"], lat, lon, max_km=NAMED_KM)
        if place is None:
            continue
        observed = midpoint(report["mmi_min"], report["mmi_max"])
        if place.code:
            out.named[place.code] = max(observed, out.named.get(place.code, 0.0))
        if haversine_km(lat, lon, place.lat, place.lon) <= trusted_km:
            _keep_strongest(by_point, place, report, source)
    out.reports = list(by_point.values())
    return out


def _keep_strongest(by_point: dict, place: Place, report: dict, source: str) -> None:
    """Each place once: a second report of the same point counts only if it is stronger."""
    key = (round(place.lat, 5), round(place.lon, 5))
    try:
        obs = IntensityObservation(
            place.lat,
            place.lon,
            float(report["mmi_min"]),
            float(report["mmi_max"]),
            source,
            place=report["place"],
        )
    except ValueError:  # a range the math cannot use still shows on its area
        return
    if key not in by_point or obs.mmi > by_point[key].mmi:
        by_point[key] = obs


def field_observations(session: Session, quake_id: int | None) -> list[IntensityObservation]:
    """Intensity estimates from field teams about this quake: none yet.

    A report from a tablet (``field_reports``) would join here once it carries an intensity
    estimate: ``IntensityObservation(lat, lon, mmi, mmi, "field_report", sigma=...)`` at its
    position, for the reports of the incidents linked to the quake.
    """
    return []


def gather(
    session: Session,
    quake_id: int | None,
    lat: float,
    lon: float,
    magnitude: float,
    felt: Iterable[dict],
    feed: str | None = None,
) -> Observations:
    """Every observation of a quake: its current felt list, then the field's."""
    out = felt_observations(session, lat, lon, magnitude, felt, feed)
    out.reports += field_observations(session, quake_id)
    return out
