"""Logging what happened to complaints, set-based: timeline entries, events and audit rows
for many complaints in one statement each (or all three in one, for intake)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.areas import ancestors


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


def append_events(session: Session, type_: str, items: Sequence[tuple[str | None, dict]]) -> None:
    """Append one event per ``(area code, payload)`` in one statement (cf. events.append).

    Same rows as :func:`server.queries.events.append` would write, ancestors included, and
    one NOTIFY for the lot: a batch of thousands must not cost thousands of round trips.
    """
    if not items:
        return
    regions = [",".join(sorted(ancestors(code).values())) if code else "" for code, _ in items]
    session.execute(
        text(
            """
            INSERT INTO event_log (type, regions, payload)
            SELECT :type, coalesce(string_to_array(nullif(e.regions, ''), ','), '{}'),
                   CAST(e.payload AS jsonb)
              FROM unnest(CAST(:regions AS text[]), CAST(:payloads AS text[]))
                   WITH ORDINALITY AS e(regions, payload, ord)
             ORDER BY e.ord
            """
        ),
        {"type": type_, "regions": regions, "payloads": [_json(p) for _, p in items]},
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


_LOG_CREATED = """
WITH timeline AS (
    INSERT INTO complaint_timeline (complaint_id, at, actor, action, to_status, details)
    SELECT x.id, :at, :actor, 'created', 'baru', CAST(x.details AS jsonb)
      FROM unnest(CAST(:ids AS bigint[]), CAST(:details AS text[])) AS x(id, details)
),
events AS (
    INSERT INTO event_log (type, regions, payload)
    SELECT :type, coalesce(string_to_array(nullif(e.regions, ''), ','), '{}'),
           CAST(e.payload AS jsonb)
      FROM unnest(CAST(:regions AS text[]), CAST(:payloads AS text[]))
           WITH ORDINALITY AS e(regions, payload, ord)
     ORDER BY e.ord
),
audit AS (
    INSERT INTO audit_log (actor, actor_role, action, object_type, object_id, ip, after)
    SELECT :actor, :role, 'complaint.create', 'complaint', a.id::text, CAST(:ip AS inet),
           CAST(a.after AS jsonb)
      FROM unnest(CAST(:ids AS bigint[]), CAST(:afters AS text[])) AS a(id, after)
)
SELECT pg_notify('kendali_events', '')
"""


def log_created(
    session: Session,
    *,
    at: datetime,
    actor: str,
    role: str | None,
    ip: str | None,
    event_type: str,
    rows: Sequence[tuple[int, dict, str | None, dict, dict]],
) -> None:
    """Timeline, event and audit rows of new complaints, and the NOTIFY: one round trip.

    ``rows``: ``(id, timeline details, event area code, event payload, audit after)``.
    The same rows :func:`add_timeline`, :func:`append_events` and :func:`audit_many` write;
    a single complaint's intake is then a handful of statements, not a dozen.
    """
    if not rows:
        return
    session.execute(
        text(_LOG_CREATED),
        {
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
