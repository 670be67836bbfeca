"""Engine and session lifecycle.

The engine is created lazily on first use, so commands that never touch the database (for
example ``kendali bmkg parse``) never start the embedded cluster. With ``DATABASE_URL``
unset, first use starts (or reuses) the private cluster under ``DATA_DIR/pg``.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from flask import Flask
from flask import current_app
from flask import g
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from server.platform.embedded import EmbeddedPostgres

log = logging.getLogger(__name__)

POSTGIS_HINT = (
    "PostGIS is not installed on the database server: install it (Debian: apt-get install "
    "postgresql-15-postgis-3; Docker: use the postgis/postgis image) and run `kendali db upgrade`"
)


class Database:
    """Holds the engine and session factory of one app (``app.extensions["kendali_db"]``)."""

    def __init__(self, app: Flask) -> None:
        self._engine: Engine | None = None
        self._sessionmaker: sessionmaker | None = None
        self._lock = threading.Lock()
        self.embedded: EmbeddedPostgres | None = None
        self.config = app.config
        app.extensions["kendali_db"] = self
        app.teardown_appcontext(_close_session)

    @property
    def is_embedded(self) -> bool:
        return not self.config.get("DATABASE_URL")

    def url(self) -> str:
        """Return the database URL, starting the embedded cluster when none is configured."""
        if self.config.get("DATABASE_URL"):
            return self.config["DATABASE_URL"]
        if self.embedded is None:
            self.embedded = EmbeddedPostgres(
                Path(self.config["DATA_DIR"]) / "pg", port=self.config.get("EMBEDDED_PG_PORT")
            )
        self.embedded.attach()
        dbname = self.config["EMBEDDED_PG_DBNAME"]
        self.embedded.ensure_database(dbname)
        return self.embedded.url(dbname)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = create_engine(
                        self.url(),
                        pool_size=int(self.config.get("DB_POOL_SIZE", 10)),
                        max_overflow=20,
                        pool_pre_ping=True,
                        pool_timeout=10,
                        # JIT compilation costs more than it saves on these queries.
                        connect_args={"connect_timeout": 5, "application_name": "kendali",
                                      "options": "-c jit=off"},
                    )
                    self._sessionmaker = sessionmaker(self._engine, expire_on_commit=False)
        return self._engine

    def session(self) -> Session:
        """Return a new session (the caller closes it)."""
        self.engine  # noqa: B018 - creates the session factory
        assert self._sessionmaker is not None
        return self._sessionmaker()

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def get_db() -> Database:
    return current_app.extensions["kendali_db"]


def get_session() -> Session:
    """Return the request's (or app context's) session, created on first use."""
    if "db_session" not in g:
        g.db_session = get_db().session()
    return g.db_session


def _close_session(exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()
