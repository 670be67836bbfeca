"""Earthquake value objects shared by the feed parser and the services.

A :class:`Sighting` is one report of an earthquake by one BMKG feed. The same quake is
usually sighted several times (autogempa, gempaterkini, an InaTEWS push, the archive), with
slightly different preliminary values, so sightings are facts about a feed, not quakes.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

#: Every feed :func:`geo.bmkg.parse_feed` understands, as named in ``Sighting.source``.
SOURCES: tuple[str, ...] = (
    "autogempa",
    "gempaterkini",
    "gempadirasakan",
    "inatews",
    "realtime_ql",
    "katalog_signifikan",
    "felt_archive",
)


@dataclass(frozen=True)
class FeltReport:
    """One place where BMKG says the quake was felt, on the Modified Mercalli scale.

    ``"II-III Bantul"`` is ``FeltReport("Bantul", 2, 3)``; a single numeral gives
    ``mmi_min == mmi_max``.
    """

    place: str
    mmi_min: float
    mmi_max: float

    def as_dict(self) -> dict[str, Any]:
        """Return ``{"place", "mmi_min", "mmi_max"}``."""
        return {"place": self.place, "mmi_min": self.mmi_min, "mmi_max": self.mmi_max}


@dataclass(frozen=True)
class Sighting:
    """One earthquake as one feed reported it.

    Attributes:
        source: the feed, one of :data:`SOURCES`.
        origin_time: origin time, timezone-aware UTC.
        lat: latitude in signed degrees (south negative).
        lon: longitude in signed degrees (west negative).
        depth_km: hypocentre depth below sea level.
        magnitude: BMKG magnitude (M).
        region_text: BMKG's own location text (``Wilayah``, ``area``, ``place`` ...).
        tsunami: True for a tsunami potential or warning, False when the feed says there
            is none, None when the feed does not say.
        tsunami_text: the raw text the flag came from (``Potensi``, InaTEWS ``subject``).
        felt: places where the quake was felt.
        bmkg_id: BMKG's event id when the feed carries one.
        shakemap: shakemap image file name, e.g. ``20211005180027.mmi.jpg``.
        wzarea: InaTEWS warning zones ``{province, district, level}``; empty otherwise.
            Left out of the hash because dicts are unhashable; equality still uses it.
    """

    source: str
    origin_time: datetime
    lat: float
    lon: float
    depth_km: float
    magnitude: float
    region_text: str
    tsunami: bool | None = None
    tsunami_text: str | None = None
    felt: tuple[FeltReport, ...] = ()
    bmkg_id: str | None = None
    shakemap: str | None = None
    wzarea: tuple[dict[str, str], ...] = field(default=(), hash=False)

    def __post_init__(self) -> None:
        """Refuse a naive or non-UTC origin time: comparisons across feeds rely on UTC."""
        offset = self.origin_time.utcoffset()
        if offset is None or offset != timedelta(0):
            raise ValueError(f"origin_time must be timezone-aware UTC, got {self.origin_time!r}")
        if self.source not in SOURCES:
            raise ValueError(f"unknown source {self.source!r}")

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict; ``origin_time`` is ISO 8601 UTC ending in ``Z``."""
        return {
            "source": self.source,
            "origin_time": iso_utc(self.origin_time),
            "lat": self.lat,
            "lon": self.lon,
            "depth_km": self.depth_km,
            "magnitude": self.magnitude,
            "region_text": self.region_text,
            "tsunami": self.tsunami,
            "tsunami_text": self.tsunami_text,
            "felt": [report.as_dict() for report in self.felt],
            "bmkg_id": self.bmkg_id,
            "shakemap": self.shakemap,
            "wzarea": [dict(zone) for zone in self.wzarea],
        }


def iso_utc(moment: datetime) -> str:
    """Format an aware datetime as ISO 8601 UTC with a ``Z`` suffix (``2021-10-05T11:00:27Z``)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# -- one event, many sightings ----------------------------------------------------------------
#: Two sightings are the same quake when all three windows hold (issue: 60 s, 50 km, 0.5).
ASSOCIATION_SECONDS = 60.0
ASSOCIATION_KM = 50.0
ASSOCIATION_MAGNITUDE = 0.5


@dataclass(frozen=True)
class Solution:
    """The values that describe a quake (the current revision, or a candidate's)."""

    origin_time: datetime
    lat: float
    lon: float
    depth_km: float
    magnitude: float


def same_quake(a: Solution, b: Solution) -> bool:
    """Whether two solutions describe one quake (time, distance and magnitude windows)."""
    from geo.crs import haversine_km

    return (
        abs((a.origin_time - b.origin_time).total_seconds()) <= ASSOCIATION_SECONDS
        and haversine_km(a.lat, a.lon, b.lat, b.lon) <= ASSOCIATION_KM
        and abs(a.magnitude - b.magnitude) <= ASSOCIATION_MAGNITUDE
    )


def best_match(sighting: Solution, candidates: list[tuple[int, Solution]]) -> int | None:
    """The id of the candidate quake this sighting belongs to (closest in time), or None."""
    matching = [
        (abs((s.origin_time - sighting.origin_time).total_seconds()), qid)
        for qid, s in candidates
        if same_quake(sighting, s)
    ]
    return min(matching)[1] if matching else None


def changed_fields(current: Solution, new: Solution) -> list[str]:
    """Which values a revision changes, at the precision BMKG publishes (0.01°, 0.1 M, 1 km)."""
    out = []
    if abs((current.origin_time - new.origin_time).total_seconds()) >= 1:
        out.append("origin_time")
    if abs(current.lat - new.lat) >= 0.005 or abs(current.lon - new.lon) >= 0.005:
        out.append("position")
    if abs(current.depth_km - new.depth_km) >= 0.5:
        out.append("depth")
    if abs(current.magnitude - new.magnitude) >= 0.05:
        out.append("magnitude")
    return out


def solution_of(sighting: Sighting) -> Solution:
    return Solution(
        sighting.origin_time, sighting.lat, sighting.lon, sighting.depth_km, sighting.magnitude
    )


def publication_order(sightings: list[Sighting]) -> list[Sighting]:
    """Oldest publication first, so that the newest revision is applied last.

    List feeds put the newest entry first (gempaterkini lists the Flores M7.4 above the
    M7.5 solution it replaced), so a list is applied bottom-up.
    """
    return list(reversed(sightings))


# -- sequences: aftershocks join their mainshock ----------------------------------------------
def aftershock_window(magnitude: float) -> tuple[float, float]:
    """The space-time window of a mainshock's aftershocks: (kilometres, days).

    Gardner & Knopoff (1974), as tabulated for declustering catalogues (van Stiphout, Zhuang &
    Marsan 2012, CORSSA): ``L = 10^(0.1238 M + 0.983)`` km and ``T = 10^(0.032 M + 2.7389)``
    days for M ≥ 6.5, ``10^(0.5409 M - 0.547)`` days below. M5.0: 40 km, 144 days; M7.4:
    79 km, 946 days. The time window is long because seismicity stays raised that long; an
    incident closes after its quiet period long before, so in practice an aftershock joins
    while its mainshock's incident is still open.
    """
    km = 10 ** (0.1238 * magnitude + 0.983)
    if magnitude >= 6.5:
        days = 10 ** (0.032 * magnitude + 2.7389)
    else:
        days = 10 ** (0.5409 * magnitude - 0.547)
    return km, days


def in_sequence(main: Solution, other: Solution, km: float | None = None,
                days: float | None = None) -> bool:
    """Whether ``other`` belongs to the sequence of ``main`` (before or after it).

    The window is that of the larger of the two magnitudes (a larger quake inside a smaller
    one's sequence becomes its mainshock); ``km`` and ``days`` override it.
    """
    from geo.crs import haversine_km

    window_km, window_days = aftershock_window(max(main.magnitude, other.magnitude))
    gap_days = abs((other.origin_time - main.origin_time).total_seconds()) / 86400
    distance = haversine_km(main.lat, main.lon, other.lat, other.lon)
    return distance <= (km or window_km) and gap_days <= (days or window_days)


def is_fresh(origin_time: datetime, now: datetime, max_age_s: float) -> bool:
    """Whether a quake is recent enough to page people (not a backfill of the past).

    A quake dated a little in the future (clock skew between BMKG and us) counts as fresh.
    """
    return (now - origin_time).total_seconds() <= max_age_s
