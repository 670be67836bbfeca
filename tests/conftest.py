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
from server.platform import migrate
from server.platform.embedded import EmbeddedPostgres
from server.platform.settings import PROJECT_ROOT

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
        "FEED_POLLING": False,
        "BOUNDARIES_DIR": str(BOUNDARIES),
        # The whole suite reaches one app from one address: tests of the limit set their own.
        "ANONYMOUS_RATE_LIMIT": "100000 per minute",
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


# -- a real server process (eventlet), for HTTP and Socket.IO over loopback -------------------
SECRET = "test-secret-key-not-for-production"


class LiveServer:
    def __init__(self, url: str, proc, database_url: str):
        self.url = url
        self.proc = proc
        self.database_url = database_url


def start_server(database_url: str, **env_extra) -> LiveServer:
    import signal  # noqa: F401
    import socket
    import subprocess
    import sys
    import time

    import requests

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENDALI_")}
    env.update(
        DATABASE_URL=database_url,
        KENDALI_SECRET_KEY=SECRET,
        KENDALI_COOKIE_SECURE="0",
        KENDALI_FEED_POLLING="0",
        KENDALI_SCHEDULER="0",  # tests that need the leader-elected jobs turn them on
        KENDALI_CAP_SOURCES="",  # never BMKG's real warnings; tests that poll CAP set theirs
        KENDALI_LOG_LEVEL="WARNING",
        KENDALI_ANONYMOUS_RATE_LIMIT="100000 per minute",
    )
    env.update(env_extra)
    kendali = str(Path(sys.executable).parent / "kendali")
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - the server writes to it
        prefix="kendali-server-", suffix=".log", delete=False
    )
    proc = subprocess.Popen(
        [kendali, "serve", "--no-prepare", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()  # the child keeps its own descriptor
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {Path(log.name).read_text()[-2000:]}")
        try:
            requests.get(url + "/healthz", timeout=2)
            break
        except requests.ConnectionError:
            time.sleep(0.2)
    server = LiveServer(url, proc, database_url)
    server.log = log.name
    return server


def stop_server(server: LiveServer) -> None:
    import signal

    server.proc.send_signal(signal.SIGTERM)
    try:
        server.proc.wait(timeout=30)
    except Exception:
        server.proc.kill()
        server.proc.wait(timeout=10)


@pytest.fixture(scope="session")
def live(database_url):
    """A `kendali serve` process (eventlet) on the test database."""
    server = start_server(database_url)
    yield server
    stop_server(server)


@pytest.fixture
def accounts(app):
    """Factory: create an account through the service; returns (username, password, user)."""
    from server.extensions import db
    from server.services import accounts as svc

    def make(role: str, region: str | None = None, responder_id: int | None = None,
             unit_id: int | None = None):
        name = f"{role}-{uuid.uuid4().hex[:8]}"
        password = "pw-" + uuid.uuid4().hex
        with app.app_context():
            session = db.session()
            user, _ = svc.create_user(
                session,
                "test",
                name,
                role,
                region,
                None if role == "wall" else password,
                responder_id,
                unit_id=unit_id,
            )
            session.close()
        return name, password, user

    return make
