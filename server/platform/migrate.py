"""Schema migrations (Alembic) run from code: ``kendali db upgrade`` and the test fixtures."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from server.platform.db import POSTGIS_HINT

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class MigrationError(RuntimeError):
    """The schema could not be brought up to date; the message says why in one line."""


def alembic_config(engine: Engine):
    from alembic.config import Config  # Alembic is loaded by the commands that migrate

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def check_postgis(engine: Engine) -> None:
    """Raise :class:`MigrationError` with an install hint when PostGIS is not available."""
    with engine.connect() as conn:
        available = conn.execute(
            text("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
        ).first()
    if not available:
        raise MigrationError(POSTGIS_HINT)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` in one transaction."""
    check_postgis(engine)
    from alembic import command

    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        # "heads": branches made in parallel (each from the same parent) all apply.
        command.upgrade(cfg, "heads" if revision == "head" else revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        exists = conn.execute(text("SELECT to_regclass('alembic_version')")).scalar()
        if not exists:
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head() -> str:
    """The newest revision in the migrations folder."""
    from alembic.script import ScriptDirectory

    cfg = alembic_config(None)
    return ScriptDirectory.from_config(cfg).get_current_head()
