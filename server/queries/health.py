"""Database facts for ``/healthz``."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session


def postgis_version(session: Session) -> str | None:
    """Return the installed PostGIS version, or None when the extension is absent."""
    return session.execute(
        text("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
    ).scalar()
