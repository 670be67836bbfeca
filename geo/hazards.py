"""What an incoming warning is about: a Kendali hazard and severity.

Weather nowcasts name their event in words ("Hujan Lebat dan Petir", in English
"Thunderstorm"); tsunami warnings from InaTEWS rank coastal zones AWAS / SIAGA / WASPADA.
Kendali's responses are configured per hazard and severity, so both are reduced to the
incident vocabulary of ``geo.dispatch`` plus ``extreme_weather`` (wind, lightning, hail and
waves without rain), which that vocabulary does not have yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from geo.tsunami import Regency
from geo.tsunami import match_zone

if TYPE_CHECKING:  # annotations only: the settings read this module, the CAP parser is heavy
    from geo.capin import CapAlert
    from geo.capin import CapInfo

EXTREME_WEATHER = "extreme_weather"
SEVERITY_ORDER = ("minor", "moderate", "severe", "extreme")
#: CAP severity -> Kendali severity. "Unknown" never escalates: it is the lowest.
CAP_SEVERITY = {
    "Extreme": "extreme",
    "Severe": "severe",
    "Moderate": "moderate",
    "Minor": "minor",
    "Unknown": "minor",
}
#: InaTEWS levels (BMKG): AWAS, expected waves above 3 m (evacuate fully); SIAGA, 0.5-3 m
#: (evacuate); WASPADA, below 0.5 m (keep away from beaches and river banks).
TSUNAMI_LEVELS = {"AWAS": "extreme", "SIAGA": "severe", "WASPADA": "moderate"}
#: First match wins, so rain (a flood risk) outranks the lightning and wind that come with it.
EVENT_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.I), hazard)
    for pattern, hazard in (
        (r"tsunami", "tsunami"),
        (r"erupsi|gunung\s*api|volcan|abu\s+vulkanik", "volcano"),
        (r"longsor|landslide|mudslide", "landslide"),
        (r"gempa|earthquake", "earthquake"),
        (r"banjir|flood|hujan(?!\s+es\b)|rain", "flood"),
        (r"kebakaran|karhutla|fire", "fire"),
        (r"kekeringan|drought", "drought"),
        (
            r"angin|petir|kilat|puting\s+beliung|hujan\s+es|gelombang|badai|siklon"
            r"|wind|thunder|storm|hail|wave|cyclone|tornado",
            EXTREME_WEATHER,
        ),
    )
)
CATEGORY_HAZARD = {"Met": EXTREME_WEATHER, "Fire": "fire", "Geo": "other"}
_LEVEL_WORD = re.compile(r"\b(AWAS|SIAGA|WASPADA)\b", re.I)


@dataclass(frozen=True)
class Classification:
    """The hazard, the Kendali severity, and for tsunamis the InaTEWS level it came from."""

    hazard: str
    severity: str
    level: str | None = None


def hazard_of_event(event: str) -> str | None:
    """The hazard an event name describes, or None when no rule knows it."""
    for pattern, hazard in EVENT_RULES:
        if pattern.search(event):
            return hazard
    return None


def _hazard(infos: Iterable[CapInfo]) -> str:
    infos = list(infos)
    for info in infos:  # preferred language first: "Hujan Lebat" settles "Thunderstorm"
        found = hazard_of_event(info.event)
        if found:
            return found
    for info in infos:
        for category in info.categories:
            if category in CATEGORY_HAZARD:
                return CATEGORY_HAZARD[category]
    return "other"


def highest_level(levels: Iterable[str]) -> str | None:
    """The most serious InaTEWS level among ``levels`` (case and spacing ignored)."""
    ranked = [lv.strip().upper() for lv in levels if lv.strip().upper() in TSUNAMI_LEVELS]
    order = list(TSUNAMI_LEVELS)
    return min(ranked, key=order.index) if ranked else None


def classify(alert: CapAlert) -> Classification:
    """Hazard and severity of a CAP warning (its preferred-language block decides first).

    A tsunami warning that states an InaTEWS level in its headline, description or
    parameters takes its severity from the highest level; otherwise CAP ``severity`` counts.
    """
    preferred = alert.info
    infos = ([preferred] if preferred else []) + [i for i in alert.infos if i is not preferred]
    hazard = _hazard(infos)
    severity = CAP_SEVERITY[preferred.severity] if preferred else "minor"
    if hazard != "tsunami" or preferred is None:
        return Classification(hazard, severity)
    texts = [preferred.headline or "", preferred.description or ""]
    texts += [value for _, value in preferred.parameters]
    level = highest_level(m.group(1) for t in texts for m in _LEVEL_WORD.finditer(t))
    return Classification(hazard, TSUNAMI_LEVELS[level] if level else severity, level)


def classify_zones(zones: Iterable[Mapping[str, str]]) -> Classification | None:
    """A tsunami classification from InaTEWS ``wzarea`` zones; None when none has a level."""
    level = highest_level(str(zone.get("level", "")) for zone in zones)
    return Classification("tsunami", TSUNAMI_LEVELS[level], level) if level else None


def zone_regencies(
    zones: Iterable[Mapping[str, str]], regencies: list[Regency]
) -> tuple[tuple[Regency, str], ...]:
    """The coastal regencies the zones name, each with its highest level, in first-seen order.

    Zones that match no regency are left out (``geo.tsunami.match_zone`` decides).
    """
    found: dict[str, tuple[Regency, str]] = {}
    for zone in zones:
        level = highest_level([str(zone.get("level", ""))])
        regency = match_zone(dict(zone), regencies)
        if regency is None or level is None:
            continue
        previous = found.get(regency.code)
        if previous is None or highest_level([previous[1], level]) == level:
            found[regency.code] = (regency, level)
    return tuple(found.values())


def more_severe(a: str, b: str) -> str:
    """The more serious of two Kendali severities."""
    return max(a, b, key=SEVERITY_ORDER.index)
