"""The demo on a fresh database with no internet: ``kendali demo scenario`` then
``kendali serve --demo``. Within a bounded time there is a strong quake, its incident and
acknowledged dispatches, and the server opened no connection to anything but itself."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import BOUNDARIES
from tests.conftest import SECRET
from tests.conftest import start_server
from tests.conftest import stop_server

KENDALI = str(Path(sys.executable).parent / "kendali")


def _remote_endpoints(pid: int) -> set[str]:
    """Remote addresses of the process's TCP sockets (from /proc: no tool needed)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    remotes = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            cols = line.split()
            if cols[9] in inodes and cols[2] not in ("00000000:0000",
                                                     "00000000000000000000000000000000:0000"):
                remotes.add(cols[2])
    return remotes


def _loopback(endpoint: str) -> bool:
    host = endpoint.split(":")[0]
    return host in ("0100007F", "00000000000000000000000001000000",
                    "0000000000000000FFFF00000100007F")


@pytest.fixture
def fresh_url(migrated_database):
    return migrated_database()


def test_the_demo_runs_with_no_internet(fresh_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENDALI_")}
    env.update(DATABASE_URL=fresh_url, KENDALI_SECRET_KEY=SECRET,
               KENDALI_BOUNDARIES_DIR=str(BOUNDARIES))
    done = subprocess.run([KENDALI, "demo", "scenario", "--responders", "3000",
                           "--complaints", "300"], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    for role in ("admin", "operator", "regional", "field"):
        assert f"  {role}" in done.stdout, done.stdout  # one account per role, with password
    assert "/wall/login?code=" in done.stdout
    server = start_server(fresh_url, KENDALI_BMKG_URL="http://127.0.0.1:9/",  # nothing there
                          KENDALI_DEMO="1", KENDALI_DEMO_DELAY="2", KENDALI_FEED_POLLING="1",
                          KENDALI_SCHEDULER="1", KENDALI_WEBHOOK_URL="http://10.255.255.1/")
    engine = sa.create_engine(fresh_url)
    outside: set[str] = set()
    try:
        deadline = time.time() + 240
        state = (None, 0, 0, 0, 0)
        while time.time() < deadline:
            outside |= {e for e in _remote_endpoints(server.proc.pid) if not _loopback(e)}
            with engine.connect() as conn:
                state = conn.execute(sa.text("""
                    SELECT (SELECT max(magnitude) FROM quakes WHERE NOT backfilled),
                           (SELECT count(*) FROM incidents),
                           (SELECT count(*) FROM dispatches WHERE state = 'acknowledged'),
                           (SELECT count(*) FROM quakes WHERE backfilled),
                           (SELECT count(*) FROM notification_deliveries)""")).one()
            if state[0] and state[0] >= 7 and state[2]:
                break
            time.sleep(0.5)
        values = state
        assert values[0] == 7.4, state  # the Flores Sea M7.4, happening now
        assert values[1] == 1 and values[2] > 0, state  # its incident, people answering
        assert values[3] > 0, state  # the felt list's older quakes: the past, not paged
        assert values[4] == 0, "a demo sends nothing outside (no webhook, no push)"
        assert not outside, f"connections to {outside}"
    finally:
        stop_server(server)
        engine.dispose()
