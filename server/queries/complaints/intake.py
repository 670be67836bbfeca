"""Intake SQL: set-based, so that a batch of 5,000 costs a handful of round trips.

Rows travel as parallel arrays through ``unnest`` (one statement whatever the batch size);
duplicates are found for all new rows in one query, against the table and each other
(:mod:`server.queries.complaints.duplicates`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.crs import WGS84

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
