"""Choosing field companions for the areas of an incident (pure ranking).

PostGIS returns, for every area, the nearest available candidates (KNN on an index); this
module decides who goes where: at least ``needed`` per area whenever that many exist, one of
each preferred type first (a Tagana volunteer and a TKSK worker: different skills, and two
organisations make it likelier that one of them answers), nearest first, and never the same
person for two areas of one incident.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

PREFERRED_TYPES: tuple[str, ...] = ("tagana", "tksk")
SEVERITIES: tuple[str, ...] = ("minor", "moderate", "severe", "extreme")
HAZARDS: tuple[str, ...] = (
    "earthquake", "tsunami", "flood", "landslide", "fire", "volcano", "drought",
    "extreme_weather", "social_unrest", "other",
)


@dataclass(frozen=True)
class Candidate:
    """A responder PostGIS found near an area."""

    responder_id: int
    type: str
    distance_km: float


@dataclass(frozen=True)
class Unit:
    """An area that needs people; higher ``priority`` is served first."""

    code: str
    priority: float
    needed: int = 2


def _pick(pool: list[Candidate], needed: int, used: set[int],
          prefer: tuple[str, ...]) -> list[Candidate]:
    chosen: list[Candidate] = []
    free = [c for c in pool if c.responder_id not in used]
    for kind in prefer:  # nearest of each preferred type first
        if len(chosen) >= needed:
            break
        match = next((c for c in free if c.type == kind and c not in chosen), None)
        if match:
            chosen.append(match)
    for c in free:  # then simply the nearest
        if len(chosen) >= needed:
            break
        if c not in chosen:
            chosen.append(c)
    return sorted(chosen, key=lambda c: c.distance_km)


def choose(units: Iterable[Unit], candidates: dict[str, list[Candidate]],
           prefer: tuple[str, ...] = PREFERRED_TYPES,
           used: set[int] | None = None) -> dict[str, list[Candidate]]:
    """Assign responders to units: one person serves one unit.

    Units are served by priority (the most shaken first); each takes up to ``needed`` of its
    nearest candidates that no other unit has, one of each preferred type first. A unit whose
    candidates are all taken stays short: the caller searches wider for it (more of the
    nearest) rather than sending one person to two places, which would count them twice.

    Args:
        units: the areas, with their priority and how many people each still needs.
        candidates: per area code, the nearest available responders.
        prefer: types to take one of each before filling by distance.
        used: responders already chosen for this incident (left out).
    """
    ordered = sorted(units, key=lambda u: (-u.priority, u.code))
    taken: set[int] = set(used or ())
    out: dict[str, list[Candidate]] = {}
    for unit in ordered:
        pool = sorted(candidates.get(unit.code, []), key=lambda c: c.distance_km)
        chosen = _pick(pool, unit.needed, taken, prefer) if unit.needed > 0 else []
        taken.update(c.responder_id for c in chosen)
        out[unit.code] = chosen
    return out


def next_candidate(pool: list[Candidate], tried: set[int], have_types: Iterable[str],
                   prefer: tuple[str, ...] = PREFERRED_TYPES) -> Candidate | None:
    """The next responder to notify after a decline or timeout: not tried for this area yet,
    a missing preferred type first, otherwise the nearest."""
    fresh = sorted((c for c in pool if c.responder_id not in tried), key=lambda c: c.distance_km)
    missing = [t for t in prefer if t not in set(have_types)]
    for kind in missing:
        match = next((c for c in fresh if c.type == kind), None)
        if match:
            return match
    return fresh[0] if fresh else None


def quake_severity(max_mmi: float) -> str:
    """Severity of a quake incident from its strongest intensity."""
    if max_mmi >= 8.0:
        return "extreme"
    if max_mmi >= 7.0:
        return "severe"
    if max_mmi >= 6.0:
        return "moderate"
    return "minor"


#: Allowed dispatch transitions. ``declined`` / ``timed_out`` / ``cancelled`` / ``done`` end
#: a dispatch; escalation then notifies the next nearest responder of the area.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "notified": ("acknowledged", "declined", "timed_out", "cancelled"),
    "acknowledged": ("en_route", "on_site", "done", "declined", "cancelled"),
    "en_route": ("on_site", "done", "cancelled"),
    "on_site": ("done", "cancelled"),
    "done": (),
    "declined": (),
    "timed_out": (),
    "cancelled": (),
}
#: States in which the responder has said yes (the area counts them as staffed).
ACKNOWLEDGED = ("acknowledged", "en_route", "on_site", "done")
#: States that end a dispatch (the responder is free again).
TERMINAL = ("done", "declined", "timed_out", "cancelled")


def may_move(current: str, new: str) -> bool:
    """Whether a dispatch in ``current`` may move to ``new``."""
    return new in TRANSITIONS.get(current, ())
