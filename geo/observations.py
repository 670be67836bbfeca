"""Intensity observations: what a felt list or a field team says was felt at a place.

One type for every source, so that conditioning (``geo/conditioning.py``) treats a BMKG felt
list, an InaTEWS felt message and, later, a field report from a tablet (issue 14) alike: each
carries its place, the range as reported, its source and, when the source knows it, its own
uncertainty.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.bmkg import roman_to_int
from geo.crs import valid_lat_lon
from geo.intensity import MMI_MAX
from geo.intensity import MMI_MIN


@dataclass(frozen=True)
class Source:
    """How a kind of report speaks about intensity."""

    #: Default scatter (MMI units) of a report about the true intensity at its place.
    sigma: float
    #: True when the source names only places that felt the quake (a felt list).
    selected: bool


#: BMKG lists give whole numerals or a one-step range ("II-III"): rounding to one unit is a
#: uniform error of standard deviation 1/sqrt(12) = 0.29. Field reports (issue 14) are not
#: selected by intensity (a team reports where it is) and carry their own sigma; 0.5 until
#: field data exist to fit it.
SOURCES: dict[str, Source] = {
    "bmkg_felt": Source(sigma=0.3, selected=True),
    "inatews_felt": Source(sigma=0.3, selected=True),
    "field_report": Source(sigma=0.5, selected=False),
}


def felt_source(feed: str) -> str:
    """The observation source of a felt list from ``feed`` (a ``Sighting.source``)."""
    return "inatews_felt" if feed == "inatews" else "bmkg_felt"


def parse_range(text: str) -> tuple[float, float]:
    """``"II-III"`` -> (2.0, 3.0), ``"IV"`` -> (4.0, 4.0); spaces around the dash allowed."""
    parts = [p.strip() for p in text.split("-")]
    if not 1 <= len(parts) <= 2 or not all(parts):
        raise ValueError(f"{text!r} is not an intensity or a range like 'II-III'")
    values = [float(p) if p.isdigit() else float(roman_to_int(p)) for p in parts]
    return min(values), max(values)


@dataclass(frozen=True)
class IntensityObservation:
    """One report of the intensity felt at one place, from a felt list or a field team.

    ``mmi_min``/``mmi_max`` keep the range as reported ("II-III" -> 2, 3); the value used is
    its midpoint. ``sigma`` overrides the source's scatter (a field report's own estimate).
    """

    lat: float
    lon: float
    mmi_min: float
    mmi_max: float
    source: str = "bmkg_felt"
    sigma: float | None = None
    #: The place's name as reported, for people reading traces; not used by the math.
    place: str = ""

    def __post_init__(self) -> None:
        """Refuse what the math cannot use, naming the field."""
        if not valid_lat_lon(self.lat, self.lon):
            raise ValueError(f"lat/lon out of range: {self.lat}, {self.lon}")
        if not MMI_MIN <= self.mmi_min <= self.mmi_max <= MMI_MAX:
            raise ValueError(
                f"mmi_min/mmi_max must satisfy 1 <= min <= max <= 12, got "
                f"{self.mmi_min}, {self.mmi_max}"
            )
        if self.source not in SOURCES:
            raise ValueError(f"unknown source {self.source!r}; use one of {sorted(SOURCES)}")
        if self.sigma is not None and not 0.05 <= self.sigma <= 5.0:
            raise ValueError(f"sigma must lie in 0.05 .. 5 MMI, got {self.sigma}")

    @classmethod
    def from_range(
        cls, text: str, lat: float, lon: float, source: str = "bmkg_felt", place: str = ""
    ) -> IntensityObservation:
        """An observation from a level as BMKG writes it (``"II-III"``)."""
        low, high = parse_range(text)
        return cls(lat, lon, low, high, source=source, place=place)

    @property
    def mmi(self) -> float:
        """The single value the report stands for: the midpoint of its range."""
        return (self.mmi_min + self.mmi_max) / 2.0

    @property
    def noise(self) -> float:
        """Standard deviation of the report about the true intensity at its place."""
        return self.sigma if self.sigma is not None else SOURCES[self.source].sigma

    @property
    def selected(self) -> bool:
        """Whether the report exists only because the place felt the quake."""
        return SOURCES[self.source].selected
