"""What Kendali does with an incoming warning, and where a tsunami warning applies.

Pure: the response table (``KENDALI_WARNING_ACTIONS``), a warning's lifetime and the tsunami
zones of a CAP message. The server stores warnings, finds their districts and acts.

The response to a warning is one of three actions, each including the one before:

- ``show``: on the wall and the regional offices' maps (every stored warning is listed);
- ``standby``: also a standby notice to the responders of the affected districts (a notice to
  acknowledge; nobody travels);
- ``incident``: also an incident over the areas where it is happening, dispatched as for a
  quake; the districts where it may spread get standby notices.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING

from geo.hazards import TSUNAMI_LEVELS
from geo.hazards import highest_level

if TYPE_CHECKING:  # the settings read this module: no CAP parser (and shapely) at start-up
    from geo.capin import CapAlert

SHOW = "show"
STANDBY = "standby"
INCIDENT = "incident"
ACTIONS = (SHOW, STANDBY, INCIDENT)
ANY = "*"
#: The built-in response table. BMKG issues dozens of moderate weather nowcasts a day in the
#: rainy season: paging people for each would teach them to ignore the notices, so moderate
#: weather is shown only; severe warnings put the districts' responders on standby, extreme
#: ones open an incident. Landslides give little warning, so moderate ones already call for
#: standby. Tsunami: WASPADA (moderate) standby, SIAGA (severe) and AWAS (extreme) an
#: incident over the coastal regencies named. Quakes come from BMKG's quake feeds, which open
#: their own incidents: a CAP quake warning is shown only, never dispatched twice.
DEFAULT_TABLE = (
    "*:minor=show",
    "*:moderate=show",
    "*:severe=standby",
    "*:extreme=incident",
    "landslide:moderate=standby",
    "tsunami:moderate=standby",
    "tsunami:severe=incident",
    "tsunami:extreme=incident",
    "earthquake:*=show",
)
#: A warning without ``expires`` is taken to last this long after it takes effect: CAP
#: leaves it open, and a warning nobody ends would stay on the wall for ever.
DEFAULT_LIFETIME = timedelta(hours=24)
#: InaTEWS levels that open an incident (the others call for standby at most).
INCIDENT_LEVELS = ("AWAS", "SIAGA")


@dataclass(frozen=True)
class Rule:
    """One entry of the table: ``hazard:severity=action`` (``*`` matches anything)."""

    hazard: str
    severity: str
    action: str

    @property
    def specificity(self) -> int:
        """An exact hazard beats an exact severity; both beat wildcards."""
        return 2 * (self.hazard != ANY) + (self.severity != ANY)


def parse_rule(text: str, hazards: Iterable[str], severities: Iterable[str]) -> Rule:
    """``flood:severe=standby`` -> :class:`Rule`; ValueError naming what is wrong."""
    key, sep, action = text.strip().partition("=")
    hazard, colon, severity = key.strip().partition(":")
    hazard, severity, action = hazard.strip(), severity.strip(), action.strip()
    if not sep or not colon:
        raise ValueError(f"{text.strip()!r} is not hazard:severity=action")
    if hazard != ANY and hazard not in tuple(hazards):
        raise ValueError(f"{text.strip()!r}: unknown hazard {hazard!r}")
    if severity != ANY and severity not in tuple(severities):
        raise ValueError(f"{text.strip()!r}: unknown severity {severity!r}")
    if action not in ACTIONS:
        raise ValueError(f"{text.strip()!r}: the action is one of {', '.join(ACTIONS)}")
    return Rule(hazard, severity, action)


def parse_table(
    entries: Iterable[str], hazards: Iterable[str], severities: Iterable[str]
) -> tuple[Rule, ...]:
    """Every entry parsed (a later entry for the same key replaces an earlier one)."""
    hazards, severities = tuple(hazards), tuple(severities)
    rules: dict[tuple[str, str], Rule] = {}
    for entry in entries:
        if entry.strip():
            rule = parse_rule(entry, hazards, severities)
            rules[(rule.hazard, rule.severity)] = rule
    return tuple(rules.values())


def action_for(rules: Iterable[Rule], hazard: str, severity: str) -> str:
    """The action of the most specific matching rule; ``show`` when none matches."""
    matching = [r for r in rules if r.hazard in (ANY, hazard) and r.severity in (ANY, severity)]
    return max(matching, key=lambda r: r.specificity).action if matching else SHOW


def at_least(action: str, wanted: str) -> bool:
    """Whether ``action`` includes ``wanted`` (incident includes standby includes show)."""
    return ACTIONS.index(action) >= ACTIONS.index(wanted)


def ends_at(effective: datetime, expires: datetime | None) -> datetime:
    """When a warning stops applying: its ``expires``, else a default lifetime."""
    return expires if expires is not None else effective + DEFAULT_LIFETIME


def _level_words(texts: Iterable[str]) -> str | None:
    return highest_level(word for text in texts for word in text.replace("-", " ").split())


def tsunami_zones(alert: CapAlert) -> tuple[dict[str, str], ...]:
    """A CAP tsunami warning's zones in InaTEWS ``wzarea`` form (``district``, ``province``,
    ``level``), one per ``<area>`` of the preferred block.

    InaTEWS names one zone per area (``NIAS-SELATAN PULAU TANABALA``). The level is the
    AWAS / SIAGA / WASPADA word the area's description or geocodes carry, else the highest
    level of the whole message; the province is a ``province`` / ``provinsi`` geocode.
    Areas with no level at all are left out: they say nothing about how to respond.
    """
    info = alert.info
    if info is None:
        return ()
    texts = [info.headline or "", info.description or ""] + [v for _, v in info.parameters]
    overall = _level_words(texts)
    zones = []
    for area in info.areas:
        codes = {name.strip().lower(): value for name, value in area.geocodes}
        level = _level_words([area.desc, *codes.values()]) or overall
        if level is None:
            continue
        province = codes.get("province") or codes.get("provinsi") or ""
        zones.append({"district": area.desc, "province": province, "level": level})
    return tuple(zones)


def opens_incident(level: str | None) -> bool:
    """Whether an InaTEWS level calls for people on the coast (AWAS, SIAGA)."""
    return level in INCIDENT_LEVELS and level in TSUNAMI_LEVELS


#: A district is under a polygon when it holds the largest share of it (BMKG draws one ring
#: per district), or at least this share of the ring (a ring drawn across two districts) ...
RING_SHARE_MIN = 0.25
#: ... or the ring covers at least this share of the district (a partner's large polygon
#: over many districts). Neighbours a ring only grazes along a border are left out.
AREA_SHARE_MIN = 0.5


def polygon_districts(hits: Iterable[tuple[int, str, float, float]]) -> dict[str, float]:
    """The districts a warning's polygons stand for, each with the largest share of a ring it
    holds.

    Args:
        hits: ``(ring number, district code, share of the ring in the district, share of the
            district in the ring)`` for every district each ring touches.
    """
    by_ring: dict[int, list[tuple[str, float, float]]] = {}
    for ring, code, ring_share, area_share in hits:
        by_ring.setdefault(ring, []).append((code, ring_share, area_share))
    out: dict[str, float] = {}
    for found in by_ring.values():
        best = max(found, key=lambda hit: hit[1])
        for code, ring_share, area_share in found:
            if code == best[0] or ring_share >= RING_SHARE_MIN or area_share >= AREA_SHARE_MIN:
                out[code] = max(out.get(code, 0.0), round(ring_share, 3))
    return out
