"""Ingesting sightings: associate them to quakes, keep revisions, compute impact, publish.

Every entry point (feed poller, replay, CLI) calls :func:`ingest`; it commits once and the
event log carries ``quake.created`` / ``quake.updated`` to the map after the commit.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from dataclasses import field

from flask import current_app
from sqlalchemy.orm import Session

from geo.quake import ASSOCIATION_SECONDS
from geo.quake import Sighting
from geo.quake import best_match
from geo.quake import changed_fields
from geo.quake import publication_order
from geo.quake import solution_of
from server.models import QuakeRow
from server.platform import clock
from server.queries import events as event_queries
from server.queries import quakes as q
from server.realtime import events
from server.services import impact as impact_svc
from server.services import incidents


@dataclass
class IngestResult:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: int = 0
    #: perf_counter() when the quakes were committed, and when their dispatch was (benchmarks)
    committed_at: float = 0.0
    dispatched_at: float = 0.0


def _fingerprint(values: dict) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


def _felt_list(sighting: Sighting) -> list[dict]:
    return [report.as_dict() for report in sighting.felt]


def _new_quake(session: Session, s: Sighting) -> QuakeRow:
    row = QuakeRow(
        origin_time=s.origin_time,
        lat=s.lat,
        lon=s.lon,
        depth_km=s.depth_km,
        magnitude=s.magnitude,
        region_text=s.region_text,
        tsunami=s.tsunami,
        tsunami_text=s.tsunami_text,
        bmkg_id=s.bmkg_id,
        sources=[s.source],
        felt=_felt_list(s),
        wzarea=[dict(z) for z in s.wzarea],
        revision=1,
        geom=q.point_wkt(s.lat, s.lon),
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    # The past a feed re-lists (gempaterkini's 15 latest can be weeks old): stored, never paged.
    row.backfilled = not incidents.is_fresh_quake(row)
    session.add(row)
    session.flush()
    return row


def _revise(row: QuakeRow, s: Sighting) -> tuple[list[str], bool]:
    """Apply a sighting to a quake; return (changed solution fields, other changes?)."""
    changed = changed_fields(solution_of_row(row), solution_of(s))
    if changed:
        row.origin_time, row.lat, row.lon = s.origin_time, s.lat, s.lon
        row.depth_km, row.magnitude = s.depth_km, s.magnitude
        row.geom = q.point_wkt(s.lat, s.lon)
        row.region_text = s.region_text or row.region_text
    other = False
    felt = _felt_list(s)
    if felt and felt != row.felt:
        row.felt, other = felt, True
    if s.tsunami is not None and s.tsunami != row.tsunami and (s.tsunami or row.tsunami is None):
        row.tsunami, row.tsunami_text, other = s.tsunami, s.tsunami_text, True
    if s.wzarea and [dict(z) for z in s.wzarea] != row.wzarea:
        row.wzarea, other = [dict(z) for z in s.wzarea], True
    if s.source not in row.sources:
        row.sources = [*row.sources, s.source]
    row.bmkg_id = row.bmkg_id or s.bmkg_id
    if changed or other:
        row.revision += 1
        row.updated_at = clock.now()
    return changed, other


def solution_of_row(row: QuakeRow):
    from geo.quake import Solution

    return Solution(row.origin_time, row.lat, row.lon, row.depth_km, row.magnitude)


def ingest(session: Session, sightings: list[Sighting]) -> IngestResult:
    """Associate, store and assess ``sightings`` (one payload), then commit and log events."""
    result = IngestResult()
    touched: dict[int, tuple[QuakeRow, bool]] = {}
    for s in publication_order(sightings):
        values = s.as_dict()
        candidates = q.candidates(session, s.origin_time, ASSOCIATION_SECONDS)
        qid = best_match(solution_of(s), candidates)
        if qid is None:
            row = _new_quake(session, s)
            q.record_sighting(
                session, row.id, s.source, _fingerprint(values), values, [], clock.now()
            )
            touched[row.id] = (row, True)
            continue
        row = session.get(QuakeRow, qid)
        fingerprint = _fingerprint(values)
        if q.seen_before(session, qid, fingerprint, clock.now()):
            # A repeat (feeds re-list the same items every poll): never re-apply an old revision.
            if qid not in touched:
                result.unchanged += 1
            continue
        changed, other = _revise(row, s)
        q.record_sighting(session, qid, s.source, fingerprint, values, changed, clock.now())
        if changed or other:
            touched.setdefault(qid, (row, False))
        elif qid not in touched:
            result.unchanged += 1
    for qid, (row, created) in touched.items():
        impact = impact_svc.store(session, row)
        _log_event(session, row, impact, events.QUAKE_CREATED if created else events.QUAKE_UPDATED)
        (result.created if created else result.updated).append(qid)
    session.commit()
    result.committed_at = time.perf_counter()
    # quake.created is committed (the map sees it now); then the people go out.
    for row, _created in touched.values():
        incidents.for_quake(session, row)
    result.dispatched_at = time.perf_counter()
    return result


def summary(row: QuakeRow, impact=None) -> dict:
    """The event payload and list entry of a quake."""
    body = {
        "id": row.id,
        "origin_time": row.origin_time.isoformat().replace("+00:00", "Z"),
        "lat": row.lat,
        "lon": row.lon,
        "depth_km": row.depth_km,
        "magnitude": row.magnitude,
        "region_text": row.region_text,
        "tsunami": row.tsunami,
        "max_mmi": row.max_mmi,
        "revision": row.revision,
        "bmkg_id": row.bmkg_id,
        "sources": list(row.sources),
        # Recent enough to page people, take the wall's focus and sound (the pages obey it).
        "fresh": incidents.is_fresh_quake(row),
        "backfilled": bool(row.backfilled),
        # The map follows felt reports: how many placed ones it is conditioned on (0: the model).
        "conditioned": bool(row.observations),
        "observations": row.observations or 0,
    }
    if impact is not None:
        body["affected"] = {
            "regencies": sum(1 for a in impact.areas.values() if a["level"] == "regency"),
            "districts": sum(1 for a in impact.areas.values() if a["level"] == "district"),
            "tsunami_regencies": sum(1 for a in impact.areas.values() if a["tsunami_level"]),
        }
        body["exposure"] = {str(k): v for k, v in sorted(impact.exposure.items())}
    return body


def _log_event(session: Session, row: QuakeRow, impact, kind: str) -> None:
    """``quake.created`` / ``quake.updated``; an update says what the revision changed, and
    also reaches the rooms of regencies it no longer reaches (their map must clear them)."""
    floor = current_app.config["QUAKE_EVENT_MIN_MMI"]
    regions = impact.regions(floor)
    payload = summary(row, impact)
    if impact.event_term is not None:
        payload["event_term"] = impact.event_term
    if kind == events.QUAKE_UPDATED:
        _changed_areas(payload, impact)
        regions += [code for code in impact.below
                    if impact.previous[code][0] == "regency" and impact.previous[code][1] >= floor]
    event_queries.append(session, kind, regions, payload)


def _changed_areas(payload: dict, impact) -> None:
    """What a revision changed: regencies by code, districts counted (a strong quake's
    revision can move a thousand districts; every room would receive them)."""
    level = {**{c: lv for c, (lv, _mmi) in impact.previous.items()},
             **{c: a["level"] for c, a in impact.areas.items()}}
    for key, codes in (("added", impact.added), ("below", impact.below)):
        payload[f"areas_{key}"] = [c for c in codes if level[c] == "regency"]
        payload[f"districts_{key}"] = sum(1 for c in codes if level[c] == "district")
