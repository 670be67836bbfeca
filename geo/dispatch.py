"""Choosing field companions for the areas of an incident (pure ranking).

PostGIS returns, for every area, the nearest available candidates (KNN on an index); this
module decides who goes where: at least ``needed`` per area whenever that many exist, one of
each preferred type first (a Tagana volunteer and a TKSK worker: different skills, and two
organisations make it likelier that one of them answers), nearest first, and never the same
person for two areas while someone else is free.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

PREFERRED_TYPES: tuple[str, ...] = ("tagana", "tksk")
SEVERITIES: tuple[str, ...] = ("minor", "moderate", "severe", "extreme")
HAZARDS: tuple[str, ...] = (
    "earthquake", "tsunami", "flood", "landslide", "fire", "volcano", "drought",
    "social_unrest", "other",
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


def _pick(pool: list[Candidate], needed: int, used: set[int], prefer: tuple[str, ...],
          allow_used: bool) -> list[Candidate]:
    chosen: list[Candidate] = []
    free = [c for c in pool if allow_used or c.responder_id not in used]
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
           prefer: tuple[str, ...] = PREFERRED_TYPES) -> dict[str, list[Candidate]]:
    """Assign responders to units.

    Units are served by priority; each first takes responders nobody else has. A unit left
    short then takes already-chosen ones (a person for two areas beats an area with one),
    which keeps "at least two whenever two exist" true.

    Args:
        units: the areas, with their priority and how many people each needs.
        candidates: per area code, the nearest available responders, nearest first.
        prefer: types to take one of each before filling by distance.
    """
    ordered = sorted(units, key=lambda u: (-u.priority, u.code))
    used: set[int] = set()
    out: dict[str, list[Candidate]] = {}
    for unit in ordered:
        pool = sorted(candidates.get(unit.code, []), key=lambda c: c.distance_km)
        chosen = _pick(pool, unit.needed, used, prefer, allow_used=False)
        used.update(c.responder_id for c in chosen)
        out[unit.code] = chosen
    for unit in ordered:
        if len(out[unit.code]) >= unit.needed:
            continue
        pool = sorted(candidates.get(unit.code, []), key=lambda c: c.distance_km)
        have = {c.responder_id for c in out[unit.code]}
        extra = _pick([c for c in pool if c.responder_id not in have],
                      unit.needed - len(out[unit.code]), used, prefer, allow_used=True)
        out[unit.code] = sorted(out[unit.code] + extra, key=lambda c: c.distance_km)
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


def may_move(current: str, new: str) -> bool:
    """Whether a dispatch in ``current`` may move to ``new``."""
    return new in TRANSITIONS.get(current, ())
