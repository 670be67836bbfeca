"""Shared fixtures: a real PostgreSQL + PostGIS (never a stand-in), the app and its clients.

The database is a private cluster started once per test session in a temporary folder
(the same ``EmbeddedPostgres`` the server uses), or the server named by ``TEST_DATABASE_URL``.
If neither can be had, the run fails with the reason: tests are never skipped for it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from server import create_app
from server import migrate
from server.config import PROJECT_ROOT
from server.embedded import EmbeddedPostgres

SHARED = Path(os.environ.get("KENDALI_SHARED_DIR", PROJECT_ROOT.parent / "shared")).resolve()
BOUNDARIES = Path(os.environ.get("KENDALI_BOUNDARIES_DIR", SHARED / "data" / "boundaries"))


def _server_admin_url() -> tuple[str, EmbeddedPostgres | None, str | None]:
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        return make_url(external).set(database="postgres").render_as_string(False), None, None
    base = tempfile.mkdtemp(prefix="kendali-test-", dir="/tmp")
    os.chmod(base, 0o755)  # the postgres user must reach the cluster folder
    pg = EmbeddedPostgres(Path(base) / "pg")
    try:
        pg.start()
    except Exception as exc:  # pragma: no cover - the message is the point
        pytest.exit(f"cannot start a private PostgreSQL for the tests: {exc}", returncode=3)
    return pg.url("postgres"), pg, base


@pytest.fixture(scope="session")
def pg_server():
    """Admin URL of the test PostgreSQL server; stopped at the end if we started it."""
    url, pg, base = _server_admin_url()
    yield url
    if pg is not None:
        pg.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def make_database(pg_server):
    """Factory: a new, empty database on the test server (dropped at the end)."""
    admin = sa.create_engine(pg_server, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def make(prefix: str = "kendali_test") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return make_url(pg_server).set(database=name).render_as_string(False)

    yield make
    for name in created:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_database(make_database):
    """Factory: a new database with the schema migrated to head."""

    def make() -> str:
        url = make_database()
        engine = sa.create_engine(url)
        try:
            migrate.upgrade(engine)
        except migrate.MigrationError as exc:
            pytest.fail(str(exc))
        engine.dispose()
        return url

    return make


@pytest.fixture(scope="session")
def database_url(migrated_database):
    """The main test database: migrated, with the national boundaries and population loaded."""
    missing = [
        f
        for f in (
            "id_provinsi_38.geojson",
            "id_kabupaten_kota_514.geojson",
            "id_kecamatan_7285.geojson",
        )
        if not (BOUNDARIES / f).exists()
    ]
    if missing:
        pytest.exit(
            f"shared boundaries not found in {BOUNDARIES}: {missing}; put ../shared beside "
            "the checkout or set KENDALI_BOUNDARIES_DIR",
            returncode=3,
        )
    url = migrated_database()
    app = create_app({"DATABASE_URL": url, "ASYNC_MODE": "threading", "TESTING": True})
    from server.extensions import db
    from server.services import areas as svc

    with app.app_context():
        list(svc.bootstrap(db, BOUNDARIES))
        db.dispose()
    return url


def make_app(url: str, **overrides):
    config = {
        "DATABASE_URL": url,
        "ASYNC_MODE": "threading",
        "TESTING": True,
        "BOUNDARIES_DIR": str(BOUNDARIES),
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def app(database_url):
    return make_app(database_url)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def engine(database_url):
    eng = sa.create_engine(database_url)
    yield eng
    eng.dispose()
