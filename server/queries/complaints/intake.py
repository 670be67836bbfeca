"""Intake SQL: set-based, so that a batch of 5,000 costs a handful of round trips.

Rows travel as parallel arrays through ``unnest`` (one statement whatever the batch size);
duplicates are found for all new rows in one query, against the table and each other.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.crs import WGS84

#: Two complaints farther apart than this are not "in the same village" by position (a
#: village or urban kelurahan is a square kilometre or two where people live densely).
NEAR_M = 500.0
#: Degrees that surely cover NEAR_M at Indonesian latitudes (GiST box prefilter).
NEAR_DEG = 0.005
DUPLICATE_DAYS = 30

_COLUMNS = (
    ("external_id", "text"),
    ("content_hash", "text"),
    ("received_at", "timestamptz"),
    ("category", "text"),
    ("description", "text"),
    ("province_code", "text"),
    ("regency_code", "text"),
    ("district_code", "text"),
    ("area_code", "text"),
    ("lat", "float8"),
    ("lon", "float8"),
    ("placement", "text"),
    ("match_confidence", "float8"),
    ("match", "text"),
    ("location", "text"),
    ("village_key", "text"),
    ("reporter", "text"),
    ("nik_hash", "text"),
    ("phone_hash", "text"),
    ("sealed", "bytea"),
    ("redacted", "text"),
    ("verify_due", "timestamptz"),
)

_INSERT = f"""
INSERT INTO complaints AS c (
    channel, external_id, content_hash, received_at, created_at, updated_at, category,
    description, province_code, regency_code, district_code, geom, geom_precise, placement,
    match_confidence, match, location, village_key, reporter, reporter_nik_hash,
    reporter_phone_hash, sealed, redacted, verify_due)
SELECT :channel, r.external_id, r.content_hash, r.received_at, :now, :now, r.category,
       r.description, r.province_code, r.regency_code, r.district_code,
       CASE WHEN r.lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(r.lon, r.lat), {WGS84})
            ELSE a.point END,
       r.lon IS NOT NULL, r.placement, r.match_confidence, CAST(r.match AS jsonb),
       CAST(r.location AS jsonb), r.village_key, CAST(r.reporter AS jsonb), r.nik_hash,
       r.phone_hash, r.sealed, coalesce(string_to_array(nullif(r.redacted, ''), ','), '{{}}'),
       r.verify_due
  FROM unnest({", ".join(f"CAST(:{n} AS {t}[])" for n, t in _COLUMNS)})
       WITH ORDINALITY AS r({", ".join(n for n, _ in _COLUMNS)}, ord)
  LEFT JOIN areas a ON a.code = r.area_code
 ORDER BY r.ord
ON CONFLICT (channel, external_id) DO NOTHING
RETURNING c.id, c.external_id, ST_X(c.geom), ST_Y(c.geom)
"""


def _json(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def insert_many(
    session: Session, channel: str, rows: Sequence[dict], now: datetime
) -> dict[str, tuple[int, float | None, float | None]]:
    """Insert new complaints of one channel; return ``{external_id: (id, lon, lat)}``.

    Each row carries the keys of ``_COLUMNS`` (``match``, ``location``, ``reporter`` as
    dicts); lon/lat returned are those of the public geometry. A row whose external id
    exists already is skipped (``ON CONFLICT DO NOTHING``), so two concurrent deliveries of
    one complaint store it once.
    """
    if not rows:
        return {}
    params: dict = {"channel": channel, "now": now}
    for name, _ in _COLUMNS:
        values = [r.get(name) for r in rows]
        if name in ("match", "location", "reporter"):
            values = [_json(v) for v in values]
        params[name] = values
    result = session.execute(text(_INSERT), params)
    return {ext: (cid, lon, lat) for cid, ext, lon, lat in result}


def existing(session: Session, channel: str, external_ids: Sequence[str]) -> dict[str, dict]:
    """Stored complaints of ``channel`` by external id, with what an intake answer shows."""
    if not external_ids:
        return {}
    rows = session.execute(
        text(
            """
            SELECT c.external_id, c.id, c.content_hash, c.status, c.possible_duplicate_of,
                   c.province_code, p.name AS province_name, c.regency_code,
                   r.name AS regency_name, c.district_code, d.name AS district_name
              FROM complaints c
              LEFT JOIN areas p ON p.code = c.province_code
              LEFT JOIN areas r ON r.code = c.regency_code
              LEFT JOIN areas d ON d.code = c.district_code
             WHERE c.channel = :channel AND c.external_id = ANY(CAST(:ids AS text[]))
            """
        ),
        {"channel": channel, "ids": list(external_ids)},
    ).mappings()
    return {r["external_id"]: dict(r) for r in rows}


_COMMON = f"""
    o.id < n.id
    AND o.received_at > n.received_at - interval '{DUPLICATE_DAYS} days'
    AND o.received_at < n.received_at + interval '{DUPLICATE_DAYS} days'
    AND (o.channel = 'whistleblower') = (n.channel = 'whistleblower')
"""
# The same test for the branch by position, with the time window written so that no index
# can serve it: as a range on o.received_at, the planner ANDed ix_complaints_received into
# each new complaint's GiST probe, reading every complaint of the 60-day window per new one
# (2 ms each at 100,000 complaints, 11 s for a batch of 5,000; `kendali bench intake`).
_COMMON_NEAR = f"""
    o.id < n.id
    AND abs(extract(epoch FROM o.received_at - n.received_at)) < {DUPLICATE_DAYS} * 86400
    AND (o.channel = 'whistleblower') = (n.channel = 'whistleblower')
"""

# Whistleblower complaints are compared only with each other: linking one to a named
# report would tell the reader who blew the whistle.
DUPLICATE_CTES = f"""
WITH n AS (
    SELECT id, channel, category, received_at, reporter_nik_hash, reporter_phone_hash,
           village_key, description, geom, geom_precise
      FROM complaints WHERE id = ANY(CAST(:ids AS bigint[]))
),
found AS (
    SELECT n.id, coalesce(o.primary_id, o.id) AS of, 'reporter' AS reason, 1.0::float8 AS score,
           o.received_at
      FROM n JOIN complaints o
        ON o.reporter_nik_hash = n.reporter_nik_hash AND o.category = n.category
     WHERE n.reporter_nik_hash IS NOT NULL AND {_COMMON}
    UNION ALL
    SELECT n.id, coalesce(o.primary_id, o.id), 'reporter', 1.0, o.received_at
      FROM n JOIN complaints o
        ON o.reporter_phone_hash = n.reporter_phone_hash AND o.category = n.category
     WHERE n.reporter_phone_hash IS NOT NULL AND {_COMMON}
    UNION ALL
    SELECT n.id, coalesce(o.primary_id, o.id), 'text', similarity(o.description, n.description),
           o.received_at
      FROM n JOIN complaints o ON o.village_key = n.village_key AND o.category = n.category
     WHERE n.village_key IS NOT NULL AND n.description IS NOT NULL AND {_COMMON}
       AND similarity(o.description, n.description) >= :similarity
    UNION ALL
    SELECT near.id, near.of, 'text', near.score, near.received_at
      FROM (
        SELECT n.id, coalesce(o.primary_id, o.id) AS of, o.received_at,
               similarity(o.description, n.description) AS score
          FROM n JOIN complaints o
            ON o.geom && ST_Expand(n.geom, {NEAR_DEG}) AND o.category = n.category
         WHERE n.geom_precise AND o.geom_precise AND n.description IS NOT NULL
           AND o.description IS NOT NULL AND {_COMMON_NEAR}
           AND ST_DWithin(o.geom::geography, n.geom::geography, {NEAR_M})
        OFFSET 0  -- a fence: the similarity below runs only on the few rows nearby
      ) near
     WHERE near.score >= :similarity
),
best AS (
    SELECT DISTINCT ON (id) id, of, reason, score FROM found
     ORDER BY id, (reason = 'reporter') DESC, score DESC, received_at DESC
)
"""
# ``shared``: every room the complaint's event reaches may see the duplicate (same regency, or
# an unplaced complaint, whose events go to national rooms only); the event names it then.
SET_DUPLICATES = """
UPDATE complaints c
   SET possible_duplicate_of = best.of, duplicate_reason = best.reason,
       duplicate_score = round(best.score::numeric, 3)
  FROM best LEFT JOIN complaints o ON o.id = best.of
 WHERE c.id = best.id
RETURNING c.id, c.possible_duplicate_of,
          (c.regency_code IS NULL OR o.regency_code IS NOT DISTINCT FROM c.regency_code) AS shared
"""


def area_names(session: Session) -> list[tuple[str, str]]:
    """``(code, name)`` of every area (the address matcher's index)."""
    return [tuple(r) for r in session.execute(text("SELECT code, name FROM areas")).all()]


def area_refs(session: Session, codes: Sequence[str]) -> dict[str, str]:
    """Names of the given area codes."""
    if not codes:
        return {}
    rows = session.execute(
        text("SELECT code, name FROM areas WHERE code = ANY(CAST(:codes AS text[]))"),
        {"codes": list(codes)},
    )
    return dict(rows.all())
