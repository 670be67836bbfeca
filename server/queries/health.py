"""Database facts for ``/healthz``."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session


def postgis_version(session: Session) -> str | None:
    """Return the installed PostGIS version, or None when the extension is absent."""
    return session.execute(
        text("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
    ).scalar()


def quake_counts(session: Session) -> dict:
    """How many quakes are stored, and how many of them were backfilled (too old when first
    seen to page anyone)."""
    total, backfilled = session.execute(
        text("SELECT count(*), count(*) FILTER (WHERE backfilled) FROM quakes")).one()
    return {"total": total, "backfilled": backfilled}
