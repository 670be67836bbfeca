"""Logging what happened to complaints, set-based: timeline entries, events and audit rows
for many complaints in one statement each (or all three in one, for intake)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.areas import ancestors
from server.queries.complaints import duplicates


def _json(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def add_timeline(
    session: Session,
    ids: Sequence[int],
    at: datetime,
    actor: str,
    action: str,
    to_status: str | None,
    details: Sequence[dict],
    from_status: str | None = None,
    note: str | None = None,
) -> None:
    """One timeline entry per complaint (same actor, action and time; details per row)."""
    if not ids:
        return
    session.execute(
        text(
            """
            INSERT INTO complaint_timeline
                   (complaint_id, at, actor, action, from_status, to_status, note, details)
            SELECT t.id, :at, :actor, :action, :from_status, :to_status, :note,
                   CAST(t.details AS jsonb)
              FROM unnest(CAST(:ids AS bigint[]), CAST(:details AS text[])) AS t(id, details)
            """
        ),
        {
            "ids": list(ids),
            "details": [_json(d) for d in details],
            "at": at,
            "actor": actor,
            "action": action,
            "from_status": from_status,
            "to_status": to_status,
            "note": note,
        },
    )


def append_events(session: Session, type_: str, items: Sequence[tuple]) -> None:
    """Append one event per ``(area code, payload[, unit id])`` in one statement (cf.
    events.append; the unit is the one the complaint is forwarded to, if any).

    Same rows as :func:`server.queries.events.append` would write, ancestors included, and
    one NOTIFY for the lot: a batch of thousands must not cost thousands of round trips.
    """
    if not items:
        return
    regions = [",".join(sorted(ancestors(it[0]).values())) if it[0] else "" for it in items]
    units = [it[2] if len(it) > 2 else None for it in items]
    session.execute(
        text(
            """
            INSERT INTO event_log (type, regions, payload, unit_ids)
            SELECT :type, coalesce(string_to_array(nullif(e.regions, ''), ','), '{}'),
                   CAST(e.payload AS jsonb),
                   CASE WHEN e.unit IS NULL THEN '{}'::bigint[] ELSE ARRAY[e.unit] END
              FROM unnest(CAST(:regions AS text[]), CAST(:payloads AS text[]),
                          CAST(:units AS bigint[]))
                   WITH ORDINALITY AS e(regions, payload, unit, ord)
             ORDER BY e.ord
            """
        ),
        {"type": type_, "regions": regions, "payloads": [_json(it[1]) for it in items],
         "units": units},
    )
    session.execute(text("SELECT pg_notify('kendali_events', '')"))


def audit_many(
    session: Session,
    actor: str,
    role: str | None,
    action: str,
    ip: str | None,
    items: Sequence[tuple[int, dict]],
) -> None:
    """Audit ``(complaint id, after)`` pairs in one statement (as queries.audit.record)."""
    if not items:
        return
    session.execute(
        text(
            """
            INSERT INTO audit_log (actor, actor_role, action, object_type, object_id, ip, after)
            SELECT :actor, :role, :action, 'complaint', a.id, CAST(:ip AS inet),
                   CAST(a.after AS jsonb)
              FROM unnest(CAST(:ids AS text[]), CAST(:afters AS text[])) AS a(id, after)
            """
        ),
        {
            "actor": actor,
            "role": role,
            "action": action,
            "ip": ip,
            "ids": [str(i) for i, _ in items],
            "afters": [_json(after) for _, after in items],
        },
    )


_FLAG_AND_LOG = (
    duplicates.DUPLICATE_CTES
    + """,
flagged AS ("""
    + duplicates.SET_DUPLICATES
    + """),
timeline AS (
    INSERT INTO complaint_timeline (complaint_id, at, actor, action, to_status, details)
    SELECT x.id, :at, :actor, 'created', 'baru', CAST(x.details AS jsonb)
      FROM unnest(CAST(:ids AS bigint[]), CAST(:details AS text[])) AS x(id, details)
),
events AS (
    INSERT INTO event_log (type, regions, payload)
    SELECT :type, coalesce(string_to_array(nullif(e.regions, ''), ','), '{}'),
           CAST(e.payload AS jsonb)
           || jsonb_build_object('possible_duplicate_of',
                                 CASE WHEN f.shared THEN f.possible_duplicate_of END)
      FROM unnest(CAST(:ids AS bigint[]), CAST(:regions AS text[]), CAST(:payloads AS text[]))
           WITH ORDINALITY AS e(id, regions, payload, ord)
      LEFT JOIN flagged f ON f.id = e.id
     ORDER BY e.ord
),
audit AS (
    INSERT INTO audit_log (actor, actor_role, action, object_type, object_id, ip, after)
    SELECT :actor, :role, 'complaint.create', 'complaint', a.id::text, CAST(:ip AS inet),
           CAST(a.after AS jsonb)
           || jsonb_build_object('possible_duplicate_of', f.possible_duplicate_of)
      FROM unnest(CAST(:ids AS bigint[]), CAST(:afters AS text[])) AS a(id, after)
      LEFT JOIN flagged f ON f.id = a.id
)
SELECT f.id, f.possible_duplicate_of
  FROM (SELECT pg_notify('kendali_events', '')) wake
  LEFT JOIN flagged f ON true
"""
)


def flag_and_log_created(
    session: Session,
    *,
    similarity: float,
    at: datetime,
    actor: str,
    role: str | None,
    ip: str | None,
    event_type: str,
    rows: Sequence[tuple[int, dict, str | None, dict, dict]],
) -> dict[int, int]:
    """Flag each new complaint's likeliest earlier duplicate and log the new complaints
    (timeline, ``complaint.created`` events, audit, NOTIFY), all in one statement; the
    events and audit rows get ``possible_duplicate_of`` from the flagging. Returns
    ``{id: duplicate_of}``. Intake is then three statements (lookup, insert, this).

    Same reporter (NIK or phone hash) and category within 30 days wins over similar text;
    similar text of the same category counts in the same village (same hashed village name
    in the same area, or exact points within 500 m). A duplicate of a confirmed duplicate
    points at its primary (see :mod:`server.queries.complaints.duplicates`).

    ``rows``: ``(id, timeline details, event area code, event payload, audit after)``.
    """
    if not rows:
        return {}
    # The estimated cost of a large batch passes PostgreSQL's JIT thresholds, and compiling
    # took longer (2.5 s) than running (0.5 s for 5,000 new complaints). Below ~60 new
    # complaints the estimate stays under jit_above_cost: a single POST saves the round trip.
    if len(rows) > 50:
        session.execute(text("SET LOCAL jit = off"))
    found = session.execute(
        text(_FLAG_AND_LOG),
        {
            "similarity": similarity,
            "at": at,
            "actor": actor,
            "role": role,
            "ip": ip,
            "type": event_type,
            "ids": [r[0] for r in rows],
            "details": [_json(r[1]) for r in rows],
            "regions": [",".join(sorted(ancestors(r[2]).values())) if r[2] else "" for r in rows],
            "payloads": [_json(r[3]) for r in rows],
            "afters": [_json(r[4]) for r in rows],
        },
    )
    return {cid: of for cid, of in found if cid is not None}
