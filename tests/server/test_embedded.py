"""The embedded cluster as the server runs it: private folder, unix socket, clean shutdown."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from server.platform import migrate
from server.platform.embedded import EmbeddedPostgres

KENDALI = str(Path(sys.executable).parent / "kendali")


@pytest.fixture
def data_dir():
    base = tempfile.mkdtemp(prefix="kendali-emb-", dir="/tmp")
    os.chmod(base, 0o755)
    yield Path(base)
    pg = EmbeddedPostgres(Path(base) / "pg")
    if pg.initialized():
        pg.stop()
    subprocess.run(["rm", "-rf", base], check=False)


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update(extra)
    return env


def test_db_upgrade_creates_a_private_cluster_and_stops_it(data_dir):
    res = subprocess.run(
        [KENDALI, "db", "upgrade"],
        env=_env(KENDALI_DATA_DIR=str(data_dir)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert f"schema at {migrate.head()}" in res.stdout
    pg = EmbeddedPostgres(data_dir / "pg")
    assert pg.initialized()
    assert (data_dir / "pg" / "data").stat().st_mode & 0o777 == 0o700
    assert not pg.running(), "the command must shut the cluster down when it exits"


def test_cluster_listens_on_its_socket_only_and_is_shared(data_dir):
    a = EmbeddedPostgres(data_dir / "pg")
    b = EmbeddedPostgres(data_dir / "pg")
    a.attach()
    b.attach()  # reuses the running cluster
    engine = sa.create_engine(a.url())
    with engine.connect() as conn:
        assert conn.execute(sa.text("SHOW listen_addresses")).scalar() == ""
        sockdir = conn.execute(sa.text("SHOW unix_socket_directories")).scalar()
    engine.dispose()
    assert Path(sockdir) == data_dir / "pg" / "run"
    b.detach()
    assert a.running(), "another process still uses the cluster"
    a.detach()
    assert not a.running(), "the last user shuts it down"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url, proc, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited early: {proc.stderr.read()}")
        try:
            res = requests.get(url, timeout=2)
            return res
        except requests.ConnectionError:
            time.sleep(0.3)
    raise AssertionError("server did not answer in time")


def test_serve_embedded_without_boundaries_says_which_files_and_shuts_down(data_dir):
    port = _free_port()
    proc = subprocess.Popen(
        [KENDALI, "serve", "--port", str(port)],
        env=_env(KENDALI_DATA_DIR=str(data_dir), KENDALI_BOUNDARIES_DIR=str(data_dir / "none")),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        res = _wait_healthy(f"http://127.0.0.1:{port}/healthz", proc)
        assert res.status_code == 200
        assert res.json()["areas"] == {"province": 0, "regency": 0, "district": 0}
        assert EmbeddedPostgres(data_dir / "pg").running()  # the server's own cluster
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "KENDALI_BOUNDARIES_DIR" in err and "id_kecamatan_7285.geojson" in err
    assert not EmbeddedPostgres(data_dir / "pg").running()


def test_serve_with_an_external_database(database_url):
    port = _free_port()
    proc = subprocess.Popen(
        [KENDALI, "serve", "--port", str(port)],
        env=_env(DATABASE_URL=database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        res = _wait_healthy(f"http://127.0.0.1:{port}/healthz", proc)
        assert res.json()["areas"]["district"] == 7285
        look = requests.get(
            f"http://127.0.0.1:{port}/api/v1/areas/lookup",
            params={"lat": -8.65, "lon": 115.22},
            timeout=5,
        )
        assert look.json()["regency"]["name"] == "Kota Denpasar"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert "eventlet" in err
    assert proc.returncode == 0, err


def test_kendali_help_lists_the_commands():
    res = subprocess.run([KENDALI, "--help"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0
    for command in ("areas", "db", "serve", "bench"):
        assert command in res.stdout


def test_the_server_log_is_private_and_keeps_no_failed_statement(data_dir):
    """Issue 15: postgres.log was 0644 and held a failed INSERT with an Argon2 hash."""
    (data_dir / "pg").mkdir(parents=True)
    (data_dir / "pg" / "postgres.log").write_text("")  # an older log, world-readable
    os.chmod(data_dir / "pg" / "postgres.log", 0o644)
    pg = EmbeddedPostgres(data_dir / "pg")
    pg.attach()
    engine = sa.create_engine(pg.url())
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SHOW log_min_error_statement")).scalar() == "panic"
            conn.execute(sa.text("CREATE TABLE secrets (id int PRIMARY KEY, hash text)"))
            conn.execute(sa.text("INSERT INTO secrets VALUES (1, 'x')"))
            with pytest.raises(sa.exc.IntegrityError):
                conn.execute(sa.text("INSERT INTO secrets VALUES (1, '$argon2id$not-a-secret')"))
            conn.rollback()
    finally:
        engine.dispose()
        pg.detach()
    log = data_dir / "pg" / "postgres.log"
    assert log.stat().st_mode & 0o777 == 0o600
    text = log.read_text()
    assert "duplicate key" in text  # the error is logged ...
    assert "argon2" not in text and "INSERT INTO secrets" not in text  # ... not the statement
